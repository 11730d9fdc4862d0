package dev.logquery.coordinator.merge;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.LogQuery;
import java.util.List;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The k-way merge of the coordinator: shard streams, each sorted in {@link LogOrder#NEWEST_FIRST},
 * become one stream in that order, cut at the query's limit.
 *
 * <ul>
 *   <li><b>Order.</b> {@link Flux#mergeComparing(int, java.util.Comparator, Publisher[])} keeps one head
 *       element per source and always emits the smallest; it emits only once every source still running
 *       has a head (or completed), which is what makes the result globally sorted.</li>
 *   <li><b>Memory.</b> Each source is asked for at most {@link #PREFETCH} rows ahead of what the merge has
 *       consumed, and replenished in batches of three quarters of that, so the merge holds at most
 *       {@code PREFETCH} rows per source however large the shards' answers are. (A single source is passed
 *       through by Reactor and sees exactly the downstream demand.)</li>
 *   <li><b>Limit.</b> The merged stream ends after {@code limit} rows with {@code take(limit)}, which also
 *       caps what is requested downstream of the merge and cancels every source still running, so the
 *       shards stop streaming (and close their database cursors) as soon as the page is full.</li>
 *   <li><b>Duplicates.</b> A line is identified across the system by {@code (kafkaPartition, offset)}, and
 *       every replica stores it with the same timestamp. Two copies of one line therefore compare equal in
 *       {@code NEWEST_FIRST}, and nothing can sort between them: they leave the merge next to each other.
 *       The rule is: <em>a row with the same {@code (kafkaPartition, offset)} as the row emitted just before
 *       it is dropped</em> ({@code distinctUntilChanged}, constant memory). Copies that are not adjacent
 *       (which would need two different timestamps for one Kafka record) are all kept. The limit counts
 *       rows after this, so a page holds {@code limit} distinct lines when that many exist.</li>
 *   <li><b>Errors.</b> A source that fails fails the merge at once (its error is propagated and the other
 *       sources are cancelled); the caller decides whether to answer with partial results, e.g. by
 *       giving each source an {@code onErrorResume} of its own before merging.</li>
 * </ul>
 */
public final class SortedMerge {

    /**
     * Rows requested ahead from each source. Small, because what a source is asked for beyond what the merge takes
     * is read for nothing: a shard read from its database answers a page at a time as rows are asked for
     * ({@code ShardDatabases}), and a page holds about the shard's share of the limit plus this.
     */
    public static final int PREFETCH = 8;

    private SortedMerge() {
    }

    /**
     * Merges sorted shard streams into the first {@code limit} distinct rows of their union, in
     * {@link LogOrder#NEWEST_FIRST}. Sources are subscribed when the result is, each at most once.
     *
     * @param shardStreams each sorted in {@code NEWEST_FIRST}; none may be null; may be empty
     * @param limit        at most this many rows, {@code 1..}{@link LogQuery#HARD_MAX_LIMIT}
     */
    public static Flux<StoredLogEntry> merge(List<Flux<StoredLogEntry>> shardStreams, int limit) {
        if (limit < 1 || limit > LogQuery.HARD_MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + LogQuery.HARD_MAX_LIMIT + ", is " + limit);
        }
        if (shardStreams.isEmpty()) {
            return Flux.empty();
        }
        @SuppressWarnings("unchecked")
        Publisher<StoredLogEntry>[] sources = shardStreams.toArray(new Publisher[0]);
        return Flux.mergeComparing(PREFETCH, LogOrder.NEWEST_FIRST, sources)
                .distinctUntilChanged(LineId::of)
                .take(limit);
    }

    /** What identifies a line across shards and replicas. */
    private record LineId(int kafkaPartition, long offset) {
        static LineId of(StoredLogEntry e) {
            return new LineId(e.kafkaPartition(), e.offset());
        }
    }
}
