package dev.logquery.common.metadata;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A partition node's metadata: its place in the cluster, its hour chunks (oldest first) and their union.
 * {@code minTime}/{@code maxTime} are null when the node stores no row; {@code services} is null when
 * the chunks' filters cannot be combined (then nobody may prune on services), and {@code attributes} likewise
 * for attribute pairs (also when a chunk's is unknown).
 */
public record PartitionMetadata(
        int shard,
        int shardCount,
        List<Integer> kafkaPartitions,
        long rowCount,
        Instant minTime,
        Instant maxTime,
        LevelSet levels,
        StringBloom services,
        List<ChunkMetadata> chunks,
        Instant generatedAt,
        StringBloom attributes) {

    /** Metadata whose attribute pairs are unknown. */
    public PartitionMetadata(int shard, int shardCount, List<Integer> kafkaPartitions, long rowCount, Instant minTime,
                             Instant maxTime, LevelSet levels, StringBloom services, List<ChunkMetadata> chunks,
                             Instant generatedAt) {
        this(shard, shardCount, kafkaPartitions, rowCount, minTime, maxTime, levels, services, chunks, generatedAt,
                null);
    }

    /** Builds the node's metadata from its chunks, computing the union. */
    public static PartitionMetadata of(int shard, int shardCount, List<Integer> kafkaPartitions,
                                       List<ChunkMetadata> chunks, StringBloom emptyBloom, Instant now) {
        long rows = 0;
        Instant min = null;
        Instant max = null;
        LevelSet levels = LevelSet.EMPTY;
        StringBloom services = emptyBloom.copy();
        StringBloom attributes = chunks.isEmpty() || chunks.get(0).attributes() == null ? null
                : chunks.get(0).attributes().copy();
        for (ChunkMetadata c : chunks) {
            attributes = ChunkMetadata.unionOrUnknown(attributes, c.attributes());
            rows += c.rowCount();
            min = min == null || c.minTime().isBefore(min) ? c.minTime() : min;
            max = max == null || c.maxTime().isAfter(max) ? c.maxTime() : max;
            levels = levels.union(c.levels());
            services = ChunkMetadata.unionOrUnknown(services, c.services());
        }
        return new PartitionMetadata(shard, shardCount, List.copyOf(kafkaPartitions), rows, min, max, levels,
                services, List.copyOf(chunks), now, attributes);
    }

    /**
     * The metadata of a shard served by several replicas: one description that covers every row any of them
     * holds (chunks of the same hour {@linkplain ChunkMetadata#cover covered}, the union of the rest), so
     * that pruning with it is safe whichever replica answers. {@code generatedAt} is the oldest of theirs.
     * The place in the cluster is the first one's.
     */
    public static PartitionMetadata covering(List<PartitionMetadata> replicas) {
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("no replica metadata");
        }
        if (replicas.size() == 1) {
            return replicas.get(0);
        }
        TreeMap<Instant, ChunkMetadata> hours = new TreeMap<>();
        PartitionMetadata first = replicas.get(0);
        StringBloom services = first.services();
        StringBloom attributes = first.attributes();
        LevelSet levels = LevelSet.EMPTY;
        Instant min = null;
        Instant max = null;
        Instant generated = first.generatedAt();
        for (PartitionMetadata m : replicas) {
            for (ChunkMetadata c : m.chunks()) {
                hours.merge(c.hour(), c, ChunkMetadata::cover);
            }
            services = ChunkMetadata.unionOrUnknown(services, m.services());
            attributes = ChunkMetadata.unionOrUnknown(attributes, m.attributes());
            levels = levels.union(m.levels());
            min = m.minTime() != null && (min == null || m.minTime().isBefore(min)) ? m.minTime() : min;
            max = m.maxTime() != null && (max == null || m.maxTime().isAfter(max)) ? m.maxTime() : max;
            generated = m.generatedAt() != null && (generated == null || m.generatedAt().isBefore(generated))
                    ? m.generatedAt() : generated;
        }
        long rows = hours.values().stream().mapToLong(ChunkMetadata::rowCount).sum();
        return new PartitionMetadata(first.shard(), first.shardCount(), first.kafkaPartitions(), rows, min, max,
                levels, services, List.copyOf(new ArrayList<>(hours.values())), generated, attributes);
    }

    /**
     * How many rows of the hours that overlap {@code [start, end]} (both inclusive) this description counts and {@code replica}
     * does not (hour by hour; never negative). On a {@link #covering} description: how far a replica is
     * behind the others for a query of that window.
     */
    public long rowsMissingFrom(PartitionMetadata replica, Instant start, Instant end) {
        Map<Instant, Long> theirs = new HashMap<>();
        for (ChunkMetadata c : replica.chunks()) {
            theirs.merge(c.hour(), c.rowCount(), Long::sum);
        }
        long missing = 0;
        for (ChunkMetadata c : chunks) {
            boolean overlaps = !c.hour().isAfter(end) && c.hour().plus(Duration.ofHours(1)).isAfter(start);
            if (overlaps) {
                missing += Math.max(0, c.rowCount() - theirs.getOrDefault(c.hour(), 0L));
            }
        }
        return missing;
    }
}
