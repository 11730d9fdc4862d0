package dev.logquery.coordinator.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NextCursorTest {

    private static final LogQuery QUERY = LogQueryBuilder.between(Instant.parse("2024-12-01T00:00:00Z"),
            Instant.parse("2024-12-31T23:59:59Z"))
            .service("payment-service").limit(3).build();
    private static final StoredLogEntry LAST = new StoredLogEntry(new LogEntry(
            Instant.parse("2024-12-05T10:15:30.123456Z"), "payment-service", LogLevel.ERROR, null, null, null, "boom"),
            1, 4, 8812);

    @Test
    void aFullPageGetsACursorAtItsLastRow() {
        String cursor = NextCursor.of(QUERY, LAST, true);
        assertThat(cursor).isNotNull();
        assertThat(CursorCodec.decode(cursor, QUERY)).contains(
                new LogQuery.Position(Instant.parse("2024-12-05T10:15:30.123456Z"), 4, 8812));
        // a cursor of a later page encodes the same filters, whatever its own position
        LogQuery second = QUERY.withAfter(new LogQuery.Position(Instant.parse("2024-12-06T00:00:00Z"), 0, 1));
        assertThat(NextCursor.of(second, LAST, true)).isEqualTo(cursor);
    }

    @Test
    void aShortPageIsTheLast() {
        assertThat(NextCursor.of(QUERY, LAST, false)).isNull();
        assertThat(NextCursor.of(QUERY, null, false)).isNull();
        assertThat(NextCursor.of(QUERY, null, true)).isNull();
    }

    @Test
    void countingRows() {
        assertThat(NextCursor.of(QUERY, LAST, 2L)).isNull();
        assertThat(NextCursor.of(QUERY, LAST, 3L)).isEqualTo(NextCursor.of(QUERY, LAST, true));
    }

    @Test
    void positionOfARow() {
        assertThat(NextCursor.position(LAST))
                .isEqualTo(new LogQuery.Position(Instant.parse("2024-12-05T10:15:30.123456Z"), 4, 8812));
    }
}
