package dev.logquery.coordinator.search;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.pruning.Summary;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.config.CoordinatorProperties.Replica;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import dev.logquery.coordinator.merge.NextCursor;
import dev.logquery.coordinator.merge.SortedMerge;
import dev.logquery.coordinator.scatter.ShardClient;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.scatter.ShardQuery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The query pipeline: (1) prune shards with their metadata, (2) scatter the query to the others in
 * parallel, each to one of its replicas ({@link ShardQuery}: failover, timeouts), a failed shard
 * contributing no rows and a {@link ShardFailure}, (3) merge the sorted streams up to the limit,
 * (4) summarize (counts, failures, next cursor, time). The whole query has a deadline
 * ({@code queryTimeout}): shards still streaming then are cut off and reported failed.
 */
@Service
public class SearchService {

    private static final Logger log = LoggerFactory.getLogger(SearchService.class);

    private final CoordinatorProperties properties;
    private final ShardCatalog catalog;
    private final ShardQuery shards;
    private final QueryMetrics metrics;
    private final PruningService pruning = PruningService.standard();

    public SearchService(CoordinatorProperties properties, ShardCatalog catalog, ShardQuery shards, QueryMetrics metrics) {
        this.properties = properties;
        this.catalog = catalog;
        this.shards = shards;
        this.metrics = metrics;
    }

    /**
     * Which shards to query, which pruner excluded each of the others, and how many hour chunks the excluded
     * shards hold (all skipped).
     */
    record PruneResult(int total, List<ShardState> toQuery, List<String> prunedBy, int chunksOfPruned) {
    }

    /** Hour chunks of all shards a query skipped or planned to read: what pruning saved. */
    static final class ChunkCount implements ShardClient.AnswerListener {
        final AtomicLong scanned = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();

        @Override
        public void planned(int scannedByShard, int skippedByShard) {
            scanned.addAndGet(Math.max(0, scannedByShard));
            skipped.addAndGet(Math.max(0, skippedByShard));
        }
    }

    /** Starts a search; nothing is sent to a shard until the returned rows are subscribed. */
    public Mono<SearchExecution> search(LogQuery query) {
        long started = System.nanoTime();
        return catalog.current().map(states -> {
            PruneResult pruned = prune(query, states);
            Queue<ShardFailure> failures = new ConcurrentLinkedQueue<>();
            ChunkCount chunks = new ChunkCount();
            chunks.skipped.addAndGet(pruned.chunksOfPruned());
            long deadline = started + properties.queryTimeout().toNanos();
            List<Flux<StoredLogEntry>> streams = scatter(query, pruned.toQuery(), failures, chunks, deadline);
            return track(query, pruned, failures, chunks, merge(query, streams), started);
        });
    }

    /**
     * Step 1: a shard is skipped only when its (known) metadata proves no row can match; with pruning
     * switched off every shard is queried.
     */
    PruneResult prune(LogQuery query, List<ShardState> states) {
        List<ShardState> toQuery = new ArrayList<>();
        List<String> prunedBy = new ArrayList<>();
        int chunksOfPruned = 0;
        for (ShardState s : states) {
            Optional<String> pruner = s.metadata() == null || !properties.pruning() ? Optional.empty()
                    : pruning.excludedBy(query, Summary.of(s.metadata()));
            if (pruner.isPresent()) {
                prunedBy.add(pruner.get());
                metrics.pruned(pruner.get());
                chunksOfPruned += s.metadata().chunks().size();
            } else {
                toQuery.add(s);
            }
        }
        return new PruneResult(states.size(), toQuery, prunedBy, chunksOfPruned);
    }

    /** Step 2: one stream per shard; a failure or timeout ends that stream and is recorded. */
    List<Flux<StoredLogEntry>> scatter(LogQuery query, List<ShardState> targets, Queue<ShardFailure> failures,
                                       ShardClient.AnswerListener chunks, long deadline) {
        metrics.queried(targets.size());
        List<Flux<StoredLogEntry>> streams = new ArrayList<>(targets.size());
        for (ShardState state : targets) {
            streams.add(queryShard(query, state, failures, chunks, deadline));
        }
        return streams;
    }

    /**
     * Step 2, one shard: its rows, cut off (and recorded as failed) when every replica errs or stalls, or
     * when the query's deadline ({@link System#nanoTime()} based) passes first. An answer from a replica that
     * lacks rows of the window (no caught-up one answered) is recorded as failed too: {@code replica_behind}.
     */
    Flux<StoredLogEntry> queryShard(LogQuery query, ShardState state, Queue<ShardFailure> failures,
                                    ShardClient.AnswerListener chunks, long deadline) {
        Shard shard = state.shard();
        Mono<Long> cutOff = Mono.defer(() -> Mono.delay(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        Set<Replica> behind = state.behind(query, properties.replicaMaxLagRows());
        return shards.query(shard, query, properties.pruning(), chunks, behind, replica -> {
                    if (behind.contains(replica)) {
                        log.warn("shard {} answered by {}, which lacks rows of the window", shard.id(), replica.name());
                        failures.add(new ShardFailure(shard.id(), "replica_behind"));
                        metrics.failed(shard.id(), "replica_behind");
                    }
                })
                .takeUntilOther(cutOff.doOnNext(t -> {
                    log.warn("shard {} cut off by the query deadline ({})", shard.id(), properties.queryTimeout());
                    failures.add(new ShardFailure(shard.id(), "deadline"));
                    metrics.failed(shard.id(), "deadline");
                }))
                .onErrorResume(e -> {
                    ShardFailure failure = ShardFailure.of(shard.id(), e);
                    log.warn("shard {} failed during a query ({}): {}", shard.id(), failure.reason(), e.toString());
                    failures.add(failure);
                    metrics.failed(shard.id(), failure.reason());
                    return Flux.empty();
                });
    }

    /** Step 3: the k-way merge, at most {@code limit} distinct rows. */
    Flux<StoredLogEntry> merge(LogQuery query, List<Flux<StoredLogEntry>> streams) {
        return SortedMerge.merge(streams, query.limit());
    }

    /** Step 4: counts rows and remembers the last one, so that the summary can be made when they are done. */
    SearchExecution track(LogQuery query, PruneResult pruned, Queue<ShardFailure> failures, ChunkCount chunks,
                          Flux<StoredLogEntry> merged, long started) {
        AtomicLong count = new AtomicLong();
        AtomicReference<StoredLogEntry> last = new AtomicReference<>();
        AtomicBoolean recorded = new AtomicBoolean();
        Flux<StoredLogEntry> rows = merged
                .doOnNext(row -> {
                    count.incrementAndGet();
                    last.set(row);
                })
                .doFinally(signal -> {
                    if (recorded.compareAndSet(false, true)) {
                        metrics.executed(Duration.ofNanos(System.nanoTime() - started));
                        metrics.chunks(chunks.scanned.get(), chunks.skipped.get());
                    }
                });
        return new SearchExecution(rows, () -> summarize(query, pruned, failures, count.get(), last.get(), started));
    }

    SearchSummary summarize(LogQuery query, PruneResult pruned, Queue<ShardFailure> failures, long rows,
                            StoredLogEntry last, long started) {
        List<ShardFailure> failed = failures.stream().sorted(Comparator.comparingInt(ShardFailure::partition)).toList();
        long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        return new SearchSummary(pruned.total(), pruned.toQuery().size(), pruned.prunedBy().size(), !failed.isEmpty(),
                failed, tookMs, NextCursor.of(query, last, rows));
    }
}
