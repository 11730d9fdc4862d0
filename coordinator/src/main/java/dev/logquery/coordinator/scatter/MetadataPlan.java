package dev.logquery.coordinator.scatter;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.ScanPlan;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The coordinator's plan for reading one replica's PostgreSQL directly: the node's own {@link ScanPlan}, made from the
 * replica's last published metadata instead of the node's live chunk list.
 *
 * <p>Published metadata lags the rows: the node commits rows after it generated it, stamped up to {@code freshSpan}
 * before then (the same rule as shard pruning, {@code ShardState#summaryFor}). So the hours from the one holding
 * {@code generatedAt - freshSpan} on are read whole, whatever their chunks say, and only the older hours are pruned
 * chunk by chunk. Older hours are trusted as the metadata describes them, as shard pruning trusts them; a line that
 * arrives later than {@code freshSpan} into an hour the metadata shows without its service is found once the next
 * metadata (at most about a second later) shows it. Without metadata, or with pruning off, the whole window is read.
 *
 * <p>No text index here: the node's block filters stay on the node, so {@code contains} queries go to the node
 * ({@link ShardDatabases#reads}).
 */
final class MetadataPlan {

    private static final PruningService PRUNING = PruningService.standard();

    private MetadataPlan() {
    }

    /** The chunks of {@code metadata} (null: none) by hour, as a plan takes them. */
    static NavigableMap<Instant, ChunkMetadata> byHour(PartitionMetadata metadata) {
        NavigableMap<Instant, ChunkMetadata> chunks = new TreeMap<>();
        if (metadata != null) {
            metadata.chunks().forEach(c -> chunks.put(c.hour(), c));
        }
        return chunks;
    }

    /** @param chunks {@link #byHour} of {@code metadata} */
    static ScanPlan of(LogQuery query, PartitionMetadata metadata, NavigableMap<Instant, ChunkMetadata> chunks,
                       Duration freshSpan, boolean prune) {
        if (!prune || metadata == null) {
            return ScanPlan.unpruned(query, chunks);
        }
        if (metadata.generatedAt() == null) {
            return ScanPlan.of(query, chunks, PRUNING);
        }
        Instant freshHour = metadata.generatedAt().minus(freshSpan).truncatedTo(ChronoUnit.HOURS);
        if (query.endTime().isBefore(freshHour)) {
            return ScanPlan.of(query, chunks, PRUNING);
        }
        // The fresh hours whole (newest first, so first), then the older hours as the metadata prunes them.
        LogQuery fresh = window(query, query.startTime().isAfter(freshHour) ? query.startTime() : freshHour,
                query.endTime());
        ScanPlan freshPart = ScanPlan.unpruned(fresh, chunks.tailMap(freshHour, true));
        if (!query.startTime().isBefore(freshHour)) {
            Map<String, Integer> skipped = new TreeMap<>(freshPart.skipped());
            int older = chunks.headMap(freshHour, false).size();
            if (older > 0) {
                skipped.merge("time", older, Integer::sum);
            }
            return new ScanPlan(freshPart.ranges(), skipped);
        }
        LogQuery older = window(query, query.startTime(), freshHour.minusNanos(1));
        ScanPlan olderPart = ScanPlan.of(older, chunks.headMap(freshHour, false), PRUNING);
        List<ScanPlan.Range> ranges = new ArrayList<>(freshPart.ranges());
        ranges.addAll(olderPart.ranges());
        Map<String, Integer> skipped = new TreeMap<>(olderPart.skipped());
        freshPart.skipped().forEach((pruner, n) -> skipped.merge(pruner, n, Integer::sum));
        return new ScanPlan(ranges, skipped);
    }

    /** {@code query} over {@code [from, to]}, cursor and filters kept. */
    private static LogQuery window(LogQuery q, Instant from, Instant to) {
        return new LogQuery(from, to, q.service(), q.levels(), q.namespace(), q.pod(), q.contains(), q.limit(),
                q.after(), q.attributes());
    }
}
