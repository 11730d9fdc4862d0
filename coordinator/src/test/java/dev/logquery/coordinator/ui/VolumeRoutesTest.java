package dev.logquery.coordinator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.loki.NodeVolumes;
import dev.logquery.coordinator.scatter.ShardFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class VolumeRoutesTest {

    static NodeVolumes.Key key(long bucket, String level) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put("level", level);
        labels.put("detected_level", level);
        return new NodeVolumes.Key(bucket, labels);
    }

    @Test
    void everyBucketIsListedWithItsCountsByLevel() {
        VolumeRequestParser.Valid v = (VolumeRequestParser.Valid) VolumeRequestParser.parse("""
                {"startTime": "2026-12-03T05:00:00Z", "endTime": "2026-12-03T05:03:00Z", "step": 60}"""
                .getBytes(StandardCharsets.UTF_8), 10_000, Duration.ofDays(30));
        Map<String, Object> doc = VolumeRoutes.answer(v, Map.of(key(0, "info"), new long[]{3, 30},
                key(0, "error"), new long[]{1, 10}, key(2, "info"), new long[]{2, 20}), List.of(), 3, 7);
        assertThat(doc.get("step")).isEqualTo(60L);
        assertThat(doc.get("total")).isEqualTo(6L);
        assertThat(doc.get("levels")).isEqualTo(Map.of("INFO", 5L, "ERROR", 1L));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> buckets = (List<Map<String, Object>>) doc.get("buckets");
        assertThat(buckets).hasSize(4);
        assertThat(buckets.get(0)).containsEntry("time", "2026-12-03T05:00:00Z").containsEntry("total", 4L)
                .containsEntry("counts", Map.of("INFO", 3L, "ERROR", 1L));
        assertThat(buckets.get(1)).containsEntry("time", "2026-12-03T05:01:00Z").containsEntry("total", 0L);
        assertThat(buckets.get(2)).containsEntry("total", 2L);
        assertThat(buckets.get(3)).containsEntry("time", "2026-12-03T05:03:00Z");
        assertThat(doc.get("partial")).isEqualTo(false);
    }

    @Test
    void failedShardsAreNamedAsASearchNamesThem() {
        VolumeRequestParser.Valid v = (VolumeRequestParser.Valid) VolumeRequestParser.parse("""
                {"startTime": "2026-12-03T05:00:00Z", "endTime": "2026-12-03T05:03:00Z", "step": 60}"""
                .getBytes(StandardCharsets.UTF_8), 10_000, Duration.ofDays(30));
        Map<String, Object> doc = VolumeRoutes.answer(v, Map.of(), List.of(new ShardFailure(0, "timeout"),
                new ShardFailure(2, "http_503")), 3, 7);
        assertThat(doc.get("partial")).isEqualTo(true);
        assertThat(doc.get("failedPartitions")).isEqualTo(List.of(Map.of("partition", 0, "reason", "timeout"),
                Map.of("partition", 2, "reason", "http_503")));
    }
}
