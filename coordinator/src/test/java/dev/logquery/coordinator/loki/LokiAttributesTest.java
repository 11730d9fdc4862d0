package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Attributes as Loki labels: the stream labels of a line, what a selector pushes, what must be counted from rows. */
class LokiAttributesTest {

    static final Instant T = Instant.parse("2026-11-23T12:00:00Z");

    static LogEntry line(Map<String, String> attributes) {
        return new LogEntry(T, "api", LogLevel.WARN, "prod", "api-1", null, "GET /x", attributes);
    }

    static Map<String, String> apply(String query, LogEntry e) {
        return new LinePipeline((LogExpr) LogQl.parse(query)).apply(e);
    }

    static Pushdown push(String query) {
        return Pushdown.of((LogExpr) LogQl.parse(query));
    }

    @Test
    void attributesAreStreamLabelsAndBuiltInNamesWin() {
        LogEntry e = line(Map.of("cluster", "eu-1", "k8s_node_name", "n1", "level", "debug", "pod", "other"));
        assertThat(LinePipeline.streamLabels(e)).containsExactly(Map.entry("cluster", "eu-1"),
                Map.entry("detected_level", "warn"), Map.entry("k8s_node_name", "n1"), Map.entry("level", "warn"),
                Map.entry("namespace", "prod"), Map.entry("pod", "api-1"), Map.entry("service_name", "api"));
        LogEntry unknown = new LogEntry(T, "api", LogLevel.UNKNOWN, null, null, null, "x");
        assertThat(LinePipeline.streamLabels(unknown)).containsEntry("level", "unknown").containsEntry("detected_level", "unknown");
        assertThat(apply("{service_name=\"api\", level=\"unknown\"}", unknown)).isNotNull();
    }

    @Test
    void matchersOnAttributesFollowLoki() {
        LogEntry eu = line(Map.of("cluster", "eu-1"));
        LogEntry none = line(Map.of());
        assertThat(apply("{cluster=\"eu-1\"}", eu)).containsEntry("cluster", "eu-1");
        assertThat(apply("{cluster=\"eu-1\"}", none)).isNull();
        assertThat(apply("{service_name=\"api\", cluster!=\"eu-1\"}", eu)).isNull();
        assertThat(apply("{service_name=\"api\", cluster!=\"eu-1\"}", none)).isNotNull(); // missing is ""
        assertThat(apply("{service_name=\"api\", cluster=~\"eu-.*\"}", eu)).isNotNull();
        assertThat(apply("{service_name=\"api\", cluster!~\"eu-.*\"}", eu)).isNull();
        assertThat(apply("{service_name=\"api\", cluster=\"\"}", none)).isNotNull();
        // a parsed field named as an attribute label is the extracted one
        assertThat(apply("{cluster=\"eu-1\"} | logfmt", new LogEntry(T, "api", LogLevel.WARN, "prod", "api-1", null, "cluster=x", Map.of("cluster", "eu-1"))))
                .containsEntry("cluster", "eu-1").containsEntry("cluster_extracted", "x");
    }

    @Test
    void attributeEqualitiesArePushedTheRestIsLeftToTheCoordinator() {
        Pushdown p = push("{service_name=\"api\", cluster=\"eu-1\", zone=\"a\"}");
        assertThat(p.attributes()).containsExactly(Map.entry("cluster", "eu-1"), Map.entry("zone", "a"));
        assertThat(p.exact()).isTrue();
        LogQuery q = p.query(T.minusSeconds(60), T, 10);
        assertThat(q.attributes()).containsExactly(Map.entry("cluster", "eu-1"), Map.entry("zone", "a"));
        assertThat(q.service()).isEqualTo("api");

        Pushdown regex = push("{service_name=\"api\", cluster=~\"eu-.*\"}");
        assertThat(regex.attributes()).isNull();
        assertThat(regex.exact()).isFalse();
        Pushdown notEqual = push("{service_name=\"api\", cluster!=\"eu-1\"}");
        assertThat(notEqual.attributes()).isNull();
        assertThat(notEqual.exact()).isFalse();
        // "" is "absent or empty": not pushed
        assertThat(push("{service_name=\"api\", cluster=\"\"}").attributes()).isNull();
        assertThat(push("{cluster=\"eu-1\", cluster=\"eu-2\"}").none()).isTrue();
        assertThat(push("{cluster=\"eu-1\", cluster=\"eu-1\"}").none()).isFalse();
        // built-in labels are never attributes
        assertThat(push("{service_name=\"api\", namespace=\"prod\"}").attributes()).isNull();
        assertThat(push("{service_name=\"api\", container=\"app\"}").attributes()).isNull();
    }

    static NodeMetrics.Plan plan(String query) {
        MetricQueries.Steps steps = MetricQueries.Steps.of(T.minusSeconds(600), T, Duration.ofMinutes(1));
        return NodeMetrics.plan((MetricExpr) LogQl.parse(query), steps, false);
    }

    @Test
    void nodeCountsNeedRowsWhereSeriesAreNamedByUnpushedAttributes() {
        assertThat(plan("sum by (level) (count_over_time({service_name=\"api\"}[1m]))").attributeLabels()).isFalse();
        assertThat(plan("sum(count_over_time({service_name=\"api\"}[1m]))").attributeLabels()).isFalse();
        assertThat(plan("sum by (cluster) (count_over_time({service_name=\"api\"}[1m]))").attributeLabels()).isTrue();
        assertThat(plan("sum by (cluster) (count_over_time({service_name=\"api\", cluster=\"eu-1\"}[1m]))")
                .attributeLabels()).isFalse();
        assertThat(plan("count_over_time({service_name=\"api\"}[1m])").attributeLabels()).isTrue();
        assertThat(plan("sum without (pod) (count_over_time({service_name=\"api\"}[1m]))").attributeLabels()).isTrue();
        // a matcher the nodes cannot apply: no node plan at all, rows
        assertThat(plan("sum by (level) (count_over_time({service_name=\"api\", cluster=~\"eu.*\"}[1m]))")).isNull();
        assertThat(plan("sum by (level) (count_over_time({service_name=\"api\", cluster=\"eu-1\"}[1m]))").push()
                .attributes()).containsEntry("cluster", "eu-1");
    }

    @Test
    void pushedAttributesNameTheNodesGroups() {
        assertThat(NodeVolumes.labels(List.of(NodeVolumes.LEVEL), List.of("ERROR"), Map.of("cluster", "eu-1")))
                .containsExactly(Map.entry("cluster", "eu-1"), Map.entry("detected_level", "error"),
                        Map.entry("level", "error"));
    }

    static IndexHandler.VolumeRequest volume(String selector, List<String> targets, boolean bySeries) {
        return new IndexHandler.VolumeRequest(LogQl.parseSelector(selector), T.minusSeconds(600), T, null, 100, targets,
                bySeries);
    }

    @Test
    void volumesNeedRowsWhereAttributesMatter() {
        IndexHandler.VolumeRequest builtIn = volume("{service_name=\"api\"}", List.of("level"), true);
        assertThat(IndexHandler.attributeLabels(builtIn, Pushdown.of(builtIn.selector()))).isFalse();
        IndexHandler.VolumeRequest pushed = volume("{service_name=\"api\", cluster=\"eu-1\"}", List.of("cluster"), true);
        assertThat(IndexHandler.attributeLabels(pushed, Pushdown.of(pushed.selector()))).isFalse();
        IndexHandler.VolumeRequest target = volume("{service_name=\"api\"}", List.of("cluster"), true);
        assertThat(IndexHandler.attributeLabels(target, Pushdown.of(target.selector()))).isTrue();
        IndexHandler.VolumeRequest regex = volume("{service_name=\"api\", cluster=~\"eu.*\"}", List.of(), true);
        assertThat(IndexHandler.attributeLabels(regex, Pushdown.of(regex.selector()))).isTrue();
        IndexHandler.VolumeRequest everyLabel = volume("{service_name=\"api\"}", List.of(), false);
        assertThat(IndexHandler.attributeLabels(everyLabel, Pushdown.of(everyLabel.selector()))).isTrue();
    }

    @Test
    void tailMessagesNameStreamsByTheirAttributesToo() {
        StoredLogEntry eu = new StoredLogEntry(line(Map.of("cluster", "eu-1")), 0, 1, 10);
        StoredLogEntry us = new StoredLogEntry(line(Map.of("cluster", "us-1")), 0, 1, 11);
        String message = TailSocket.message(List.of(eu, us), 0);
        assertThat(message).contains("\"cluster\":\"eu-1\"", "\"cluster\":\"us-1\"");
        assertThat(message.split("\"stream\":", -1)).hasSize(3); // two streams
    }

    @Test
    void sseEventsCarryAttributes() {
        StoredLogEntry eu = new StoredLogEntry(line(Map.of("cluster", "eu-1")), 2, 5, 10);
        String frame = new String(dev.logquery.coordinator.tail.SseFrames.line(eu), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(frame).startsWith("id: 5:10\ndata: {").contains("\"attributes\":{\"cluster\":\"eu-1\"},\"partition\":2}");
    }
}
