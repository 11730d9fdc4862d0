package dev.logquery.common.metadata;

import java.time.Instant;
import java.util.List;

/**
 * A partition node's metadata: its place in the cluster, its hour chunks (oldest first) and their union.
 * {@code minTime}/{@code maxTime} are null when the node stores no row; {@code services} is null when
 * the chunks' filters cannot be combined (then nobody may prune on services).
 */
public record PartitionMetadata(
        int shard,
        int shardCount,
        List<Integer> kafkaPartitions,
        long rowCount,
        Instant minTime,
        Instant maxTime,
        LevelSet levels,
        ServiceBloom services,
        List<ChunkMetadata> chunks,
        Instant generatedAt) {

    /** Builds the node's metadata from its chunks, computing the union. */
    public static PartitionMetadata of(int shard, int shardCount, List<Integer> kafkaPartitions,
                                       List<ChunkMetadata> chunks, ServiceBloom emptyBloom, Instant now) {
        long rows = 0;
        Instant min = null;
        Instant max = null;
        LevelSet levels = LevelSet.EMPTY;
        ServiceBloom services = emptyBloom.copy();
        for (ChunkMetadata c : chunks) {
            rows += c.rowCount();
            min = min == null || c.minTime().isBefore(min) ? c.minTime() : min;
            max = max == null || c.maxTime().isAfter(max) ? c.maxTime() : max;
            levels = levels.union(c.levels());
            services = ChunkMetadata.unionOrUnknown(services, c.services());
        }
        return new PartitionMetadata(shard, shardCount, List.copyOf(kafkaPartitions), rows, min, max, levels,
                services, List.copyOf(chunks), now);
    }
}
