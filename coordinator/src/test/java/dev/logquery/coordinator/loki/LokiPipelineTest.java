package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LokiPipelineTest {

    static LogEntry line(LogLevel level, String message) {
        return new LogEntry(Instant.parse("2026-11-23T12:00:00Z"), "api", level, "prod", "api-1", null, message);
    }

    static Map<String, String> apply(String query, LogEntry e) {
        return new LinePipeline((LogExpr) LogQl.parse(query)).apply(e);
    }

    @Test
    void streamLabelsAndLevelsInLowercase() {
        assertThat(apply("{service_name=\"api\"}", line(LogLevel.WARN, "x"))).containsExactly(
                Map.entry("detected_level", "warn"), Map.entry("level", "warn"), Map.entry("namespace", "prod"),
                Map.entry("pod", "api-1"), Map.entry("service_name", "api"));
        assertThat(apply("{service_name=\"api\", level=\"WARN\"}", line(LogLevel.WARN, "x"))).isNotNull();
        assertThat(apply("{service_name=\"api\", container=\"\"}", line(LogLevel.WARN, "x"))).isNotNull(); // absent = ""
        assertThat(apply("{service_name=\"api\", container=\"app\"}", line(LogLevel.WARN, "x"))).isNull();
    }

    @Test
    void jsonWithLabelFilters() {
        LogEntry e = line(LogLevel.INFO, "{\"status\":500,\"req\":{\"path\":\"/a\",\"ms\":\"1.5s\"},\"tags\":[1],\"level\":\"x\"}");
        Map<String, String> labels = apply("{service_name=\"api\"} | json | status >= 500 | req_ms > 1s", e);
        assertThat(labels).containsEntry("status", "500").containsEntry("req_path", "/a").containsEntry("level_extracted", "x")
                .doesNotContainKey("tags");
        assertThat(apply("{service_name=\"api\"} | json | status=\"200\"", e)).isNull();
        assertThat(apply("{service_name=\"api\"} | json | status=~\"5..\"", e)).isNotNull();
    }

    @Test
    void parserErrorsAndDrop() {
        LogEntry e = line(LogLevel.INFO, "not json");
        assertThat(apply("{service_name=\"api\"} | json", e)).containsEntry("__error__", "JSONParserErr");
        assertThat(apply("{service_name=\"api\"} | json | __error__=\"\"", e)).isNull();
        assertThat(apply("{service_name=\"api\"} | json | drop __error__, __error_details__", e)).doesNotContainKey("__error__");
        assertThat(apply("{service_name=\"api\"} | json | n > 5", e)).isNotNull(); // an error passes numeric filters
    }

    @Test
    void logfmt() {
        LogEntry e = line(LogLevel.INFO, "msg=\"hello world\" status=404 duration=250ms flag");
        Map<String, String> labels = apply("{service_name=\"api\"} | logfmt | duration < 1s and status != 200", e);
        assertThat(labels).containsEntry("msg", "hello world").containsEntry("status", "404").containsEntry("flag", "");
        assertThat(apply("{service_name=\"api\"} | logfmt | duration > 1s", e)).isNull();
        assertThat(apply("{service_name=\"api\"} | logfmt | missing > 1", e)).isNull();
        assertThat(apply("{service_name=\"api\"} | logfmt | status > 1 or missing=\"x\"", e)).isNotNull();
    }

    @Test
    void pushdown() {
        Pushdown p = Pushdown.of((LogExpr) LogQl.parse("{service_name=\"api\", level=~\"warn|error\", namespace=\"prod\", pod=\"p\"} |= \"a\" |= \"longer\""));
        assertThat(p.service()).isEqualTo("api");
        assertThat(p.levels()).isEqualTo(LevelSet.of(List.of(LogLevel.WARN, LogLevel.ERROR)));
        assertThat(p.namespace()).isEqualTo("prod");
        assertThat(p.pod()).isEqualTo("p");
        assertThat(p.contains()).isEqualTo("longer"); // a superset: the coordinator still checks the case
        assertThat(p.exact()).isFalse();
        assertThat(Pushdown.of((LogExpr) LogQl.parse("{service_name=\"api\", level!=\"info\"}")).exact()).isTrue();
        Pushdown regex = Pushdown.of((LogExpr) LogQl.parse("{service_name=~\"api|web\"}"));
        assertThat(regex.service()).isNull();
        assertThat(regex.exact()).isFalse();
        assertThat(Pushdown.of((LogExpr) LogQl.parse("{service_name=\"a\", service=\"b\"}")).none()).isTrue();
        assertThat(Pushdown.of((LogExpr) LogQl.parse("{service_name=\"a\", level=\"info\", detected_level=\"warn\"}")).none()).isTrue();
    }
}
