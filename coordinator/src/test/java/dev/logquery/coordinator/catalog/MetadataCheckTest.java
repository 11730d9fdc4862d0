package dev.logquery.coordinator.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataCheckTest {

    static final Instant NOW = Instant.parse("2026-12-02T10:30:00Z");
    static final Instant HOUR = Instant.parse("2026-12-02T09:00:00Z");

    static ChunkMetadata chunk(Instant min, Instant max, long rows) {
        return new ChunkMetadata(HOUR, min, max, rows, LevelSet.of(List.of(LogLevel.INFO)), null);
    }

    static PartitionMetadata of(int shard, Instant generatedAt, ChunkMetadata... chunks) {
        return PartitionMetadata.of(shard, 3, List.of(shard), List.of(chunks), StringBloom.create(16, 0.01),
                generatedAt);
    }

    @Test
    void metadataOfTheKeysShardFreshAndConsistentIsUsed() {
        assertThat(MetadataCheck.problem(of(1, NOW.minusSeconds(2), chunk(HOUR, HOUR.plusSeconds(3599), 10)), 1, NOW))
                .isEmpty();
        assertThat(MetadataCheck.problem(of(1, NOW.plusSeconds(60)), 1, NOW)).as("a node clock a minute ahead").isEmpty();
    }

    @Test
    void anythingElseIsIgnoredWithItsReason() {
        ChunkMetadata good = chunk(HOUR, HOUR.plusSeconds(10), 10);
        assertThat(MetadataCheck.problem(of(2, NOW, good), 1, NOW)).hasValue("shard_mismatch");
        assertThat(MetadataCheck.problem(of(1, NOW.plus(Duration.ofMinutes(10)), good), 1, NOW)).hasValue("generated_at");
        assertThat(MetadataCheck.problem(of(1, NOW.minus(Duration.ofHours(2)), good), 1, NOW)).hasValue("generated_at");
        assertThat(MetadataCheck.problem(of(1, NOW, chunk(HOUR.plusSeconds(20), HOUR.plusSeconds(10), 1)), 1, NOW))
                .hasValue("chunk");
        assertThat(MetadataCheck.problem(of(1, NOW, chunk(HOUR.minusSeconds(1), HOUR.plusSeconds(10), 1)), 1, NOW))
                .hasValue("chunk");
        assertThat(MetadataCheck.problem(of(1, NOW, chunk(HOUR, HOUR.plusSeconds(3600), 1)), 1, NOW)).hasValue("chunk");
        assertThat(MetadataCheck.problem(of(1, NOW, chunk(HOUR, HOUR, -1)), 1, NOW)).hasValue("row_count");
    }
}
