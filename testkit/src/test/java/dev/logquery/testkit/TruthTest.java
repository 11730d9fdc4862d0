package dev.logquery.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracle every integration test compares with must itself follow the API's rules. */
class TruthTest {

    static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    static StoredLogEntry row(int secondsAfter, String service, LogLevel level, String message, int partition, long offset) {
        return new StoredLogEntry(new LogEntry(T.plusSeconds(secondsAfter), service, level, "ns", service + "-pod", "app",
                message), partition % 2, partition, offset);
    }

    final Truth truth = new Truth(List.of(
            row(0, "a", LogLevel.INFO, "Connection REFUSED", 0, 0),
            row(10, "a", LogLevel.ERROR, "timeout", 0, 1),
            row(10, "b", LogLevel.WARN, "timeout again", 1, 0),
            row(20, "b", LogLevel.INFO, "ok", 1, 1)));

    @Test
    void theTimeRangeIsInclusiveAtBothEnds() {
        LogQuery q = LogQueryBuilder.between(T, T.plusSeconds(10)).build();
        assertThat(truth.everything(q)).hasSize(3);
    }

    @Test
    void containsIgnoresCaseAndFiltersCombine() {
        assertThat(truth.everything(LogQueryBuilder.between(T, T.plusSeconds(60)).contains("refused").build()))
                .extracting(r -> r.entry().message()).containsExactly("Connection REFUSED");
        assertThat(truth.everything(LogQueryBuilder.between(T, T.plusSeconds(60)).service("b")
                .levels(LogLevel.WARN, LogLevel.ERROR).build())).extracting(r -> r.entry().message())
                .containsExactly("timeout again");
    }

    @Test
    void newestFirstTiesBrokenByPartitionAndOffsetThenCutAtTheLimit() {
        LogQuery q = LogQueryBuilder.between(T, T.plusSeconds(60)).limit(3).build();
        List<StoredLogEntry> answer = truth.expected(q);
        assertThat(answer).extracting(r -> r.entry().message()).hasSize(3).first().isEqualTo("ok");
        // the two lines at +10 s come in one order, decided by (partition, offset), the same every time
        assertThat(answer.subList(1, 3)).extracting(StoredLogEntry::kafkaPartition).doesNotHaveDuplicates();
        assertThat(truth.expected(q)).isEqualTo(answer);
    }

    @Test
    void afterKeepsOnlyRowsStrictlyLaterInTheOrder() {
        LogQuery all = LogQueryBuilder.between(T, T.plusSeconds(60)).build();
        List<StoredLogEntry> everything = truth.everything(all);
        StoredLogEntry second = everything.get(1);
        LogQuery rest = LogQueryBuilder.between(T, T.plusSeconds(60))
                .after(new LogQuery.Position(second.entry().timestamp(), second.kafkaPartition(), second.offset())).build();
        assertThat(truth.everything(rest)).isEqualTo(everything.subList(2, everything.size()));
    }

    @Test
    void countsPerShardAndTheTimeSpan() {
        assertThat(truth.onShard(0)).isEqualTo(2);
        assertThat(truth.onShard(1)).isEqualTo(2);
        assertThat(truth.oldest()).isEqualTo(T);
        assertThat(truth.newest()).isEqualTo(T.plusSeconds(20));
    }
}
