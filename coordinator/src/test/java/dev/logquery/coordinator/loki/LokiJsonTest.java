package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The answers of the metadata endpoints carry the shards that failed as a top-level {@code warnings} array. */
class LokiJsonTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> FAILED = Warnings.partial(List.of(new ShardFailure(2, "connection refused")));

    private static JsonNode read(byte[] body) {
        return JSON.readTree(new String(body, StandardCharsets.UTF_8));
    }

    private static List<String> warnings(JsonNode body) {
        return body.get("warnings").valueStream().map(JsonNode::asString).toList();
    }

    @Test
    void aWarningNamesTheFailedShards() {
        assertThat(FAILED).containsExactly(
                "partial answer: the lines of shard 2 (connection refused) are missing (the shard failed or timed out)");
        assertThat(Warnings.partial(List.<ShardFailure>of())).isEmpty();
        // the scans of one request (series: one per match[]) name each failed shard once
        RowScan.Stats a = RowScan.Stats.counted(1, 1, 3, List.of(new ShardFailure(2, "timeout")));
        RowScan.Stats b = RowScan.Stats.counted(1, 1, 3, List.of(new ShardFailure(0, "refused"), new ShardFailure(2, "timeout")));
        assertThat(Warnings.partial(List.of(a, b))).containsExactly(
                "partial answer: the lines of shard 0 (refused), shard 2 (timeout) are missing (the shard failed or timed out)");
        assertThat(Warnings.partial(List.of(new RowScan.Stats()))).isEmpty();
    }

    @Test
    void labelNamesAndValuesCarryWarnings() {
        JsonNode partial = read(LokiJson.strings(List.of("svc-1", "svc-3"), FAILED));
        assertThat(partial.get("status").asString()).isEqualTo("success");
        assertThat(partial.get("data").valueStream().map(JsonNode::asString).toList()).containsExactly("svc-1", "svc-3");
        assertThat(warnings(partial)).isEqualTo(FAILED);

        JsonNode complete = read(LokiJson.strings(List.of("svc-1"), List.of()));
        assertThat(complete.has("warnings")).isFalse();
        assertThat(complete.get("data")).hasSize(1);
    }

    @Test
    void seriesCarryWarnings() {
        Map<String, String> labels = new TreeMap<>(Map.of("service_name", "svc-1", "level", "error"));
        JsonNode partial = read(LokiJson.series(List.of(labels), FAILED));
        assertThat(partial.get("status").asString()).isEqualTo("success");
        assertThat(partial.at("/data/0/service_name").asString()).isEqualTo("svc-1");
        assertThat(partial.at("/data/0/level").asString()).isEqualTo("error");
        assertThat(warnings(partial)).isEqualTo(FAILED);
        assertThat(read(LokiJson.series(List.of(labels), List.of())).has("warnings")).isFalse();
    }

    @Test
    void indexStatsCarryWarnings() {
        JsonNode partial = read(IndexHandler.stats(442, 8, 82991, 2299, FAILED));
        assertThat(partial.get("streams").asLong()).isEqualTo(442);
        assertThat(partial.get("chunks").asLong()).isEqualTo(8);
        assertThat(partial.get("bytes").asLong()).isEqualTo(82991);
        assertThat(partial.get("entries").asLong()).isEqualTo(2299);
        assertThat(warnings(partial)).isEqualTo(FAILED);
        assertThat(read(IndexHandler.stats(1, 1, 1, 1, List.of())).has("warnings")).isFalse();
    }

    @Test
    void detectedLabelsAndFieldsCarryWarnings() {
        JsonNode labels = read(DetectedHandler.detectedLabels(Map.of("pod", Set.of("a", "b")), FAILED));
        assertThat(labels.at("/detectedLabels/0/label").asString()).isEqualTo("pod");
        assertThat(labels.at("/detectedLabels/0/cardinality").asInt()).isEqualTo(2);
        assertThat(warnings(labels)).isEqualTo(FAILED);
        assertThat(read(DetectedHandler.detectedLabels(Map.of(), List.of())).has("warnings")).isFalse();

        Map<String, DetectedHandler.Field> fields = new TreeMap<>();
        DetectedHandler.sample(fields, "status=200 path=/p");
        JsonNode detected = read(DetectedHandler.detectedFields(fields, 10, FAILED));
        assertThat(detected.get("fields")).hasSize(2);
        assertThat(detected.get("limit").asInt()).isEqualTo(10);
        assertThat(warnings(detected)).isEqualTo(FAILED);
        assertThat(read(DetectedHandler.detectedFields(fields, 10, List.of())).has("warnings")).isFalse();
    }

    @Test
    void whatTheNodesCountedIsTheSummaryOfAMetricQuery() {
        RowScan.Stats counted = RowScan.Stats.counted(2299, 82991, 3, List.of(new ShardFailure(2, "timeout")));
        assertThat(counted.rows()).isEqualTo(2299);
        assertThat(counted.bytes()).isEqualTo(82991);
        assertThat(counted.pages()).isEqualTo(1);
        assertThat(counted.partitionsQueried()).isEqualTo(3);
        assertThat(counted.partial()).isTrue();
        assertThat(RowScan.Stats.counted(1, 1, 3, List.of()).partial()).isFalse();
    }
}
