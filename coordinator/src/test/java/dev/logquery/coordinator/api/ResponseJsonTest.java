package dev.logquery.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.SearchSummary;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseJsonTest {

    static final StoredLogEntry ROW = new StoredLogEntry(new LogEntry(Instant.parse("2026-11-23T10:15:30.123456Z"),
            "payment-service", LogLevel.ERROR, "payments", null, "app", "line \"1\"\nend"), 1, 4, 118812);
    static final SearchSummary SUMMARY = new SearchSummary(3, 2, 1, true, List.of(new ShardFailure(2, "timeout")), 12,
            null);
    static final String LOG = "{\"timestamp\":\"2026-11-23T10:15:30.123456Z\",\"service\":\"payment-service\","
            + "\"level\":\"ERROR\",\"namespace\":\"payments\",\"pod\":null,\"container\":\"app\","
            + "\"message\":\"line \\\"1\\\"\\nend\",\"partition\":1}";
    static final String FIELDS = "\"partitionsTotal\":3,\"partitionsQueried\":2,\"partitionsPruned\":1,\"partial\":true,"
            + "\"failedPartitions\":[{\"partition\":2,\"reason\":\"timeout\"}],\"tookMs\":12,\"nextCursor\":null";

    @Test
    void thePageHasExactlyTheContractsFieldsInOrderWithNullsForAbsentOnes() {
        assertThat(new String(ResponseJson.page(List.of(ROW), SUMMARY), StandardCharsets.UTF_8))
                .isEqualTo("{\"logs\":[" + LOG + "]," + FIELDS + "}");
        assertThat(new String(ResponseJson.page(List.of(), SUMMARY), StandardCharsets.UTF_8))
                .isEqualTo("{\"logs\":[]," + FIELDS + "}");
    }

    @Test
    void ndjsonLinesAreOneLogEachAndTheSummary() {
        assertThat(new String(ResponseJson.logLine(ROW), StandardCharsets.UTF_8)).isEqualTo(LOG + "\n");
        assertThat(new String(ResponseJson.summaryLine(SUMMARY), StandardCharsets.UTF_8))
                .isEqualTo("{\"summary\":{" + FIELDS + "}}\n");
    }
}
