package dev.logquery.common.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorCodecTest {

    static final LogQuery QUERY = new LogQuery(Instant.parse("2026-11-20T00:00:00Z"), Instant.parse("2026-11-21T00:00:00Z"),
            "payment-service", LevelSet.of(List.of(LogLevel.ERROR)), null, null, "timeout", 100, null);
    static final LogQuery.Position LAST = new LogQuery.Position(Instant.parse("2026-11-20T10:15:30.123456Z"), 4, 98_765);

    @Test
    void roundTripsThePositionForTheSameFiltersWhateverTheLimit() {
        String cursor = CursorCodec.encode(QUERY, LAST);
        assertThat(cursor).matches("[A-Za-z0-9_-]+");
        assertThat(CursorCodec.decode(cursor, QUERY)).contains(LAST);
        LogQuery otherLimit = new LogQuery(QUERY.startTime(), QUERY.endTime(), QUERY.service(), QUERY.levels(), null, null,
                QUERY.contains(), 7, LAST);
        assertThat(CursorCodec.decode(cursor, otherLimit)).contains(LAST);
    }

    @Test
    void isRefusedForOtherFilters() {
        String cursor = CursorCodec.encode(QUERY, LAST);
        LogQuery otherService = new LogQuery(QUERY.startTime(), QUERY.endTime(), "auth-service", QUERY.levels(), null, null,
                QUERY.contains(), 100, null);
        LogQuery otherWindow = new LogQuery(QUERY.startTime(), QUERY.endTime().plusSeconds(1), QUERY.service(),
                QUERY.levels(), null, null, QUERY.contains(), 100, null);
        LogQuery otherContains = new LogQuery(QUERY.startTime(), QUERY.endTime(), QUERY.service(), QUERY.levels(), null,
                null, "Timeout", 100, null);
        assertThat(CursorCodec.decode(cursor, otherService)).isEmpty();
        assertThat(CursorCodec.decode(cursor, otherWindow)).isEmpty();
        assertThat(CursorCodec.decode(cursor, otherContains)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not base64 !", "AAAA", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
    void garbageDoesNotDecode(String cursor) {
        assertThat(CursorCodec.decode(cursor, QUERY)).isEmpty();
    }

    @Test
    void queryValidatesItsBounds() {
        Instant t = Instant.parse("2026-11-20T00:00:00Z");
        assertThatThrownBy(() -> new LogQuery(t, t.minusNanos(1000), null, null, null, null, null, 10, null))
                .hasMessageContaining("endTime");
        assertThatThrownBy(() -> new LogQuery(t, t, null, null, null, null, null, 0, null)).hasMessageContaining("limit");
        assertThatThrownBy(() -> new LogQuery(t, t, null, null, null, null, null, LogQuery.HARD_MAX_LIMIT + 1, null))
                .hasMessageContaining("limit");
        assertThatThrownBy(() -> new LogQuery(t, t, null, LevelSet.EMPTY, null, null, null, 10, null))
                .hasMessageContaining("levels");
    }
}
