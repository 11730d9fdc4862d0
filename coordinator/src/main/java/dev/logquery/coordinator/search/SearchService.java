package dev.logquery.coordinator.search;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.merge.NextCursor;
import dev.logquery.coordinator.merge.SortedMerge;
import dev.logquery.coordinator.scatter.ShardAnswer;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.scatter.ShardOutcome;
import dev.logquery.coordinator.scatter.ShardQuery;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The query pipeline: (1) prune shards with their metadata, (2) scatter the query to the others in
 * parallel, each to one of its replicas ({@link ShardQuery}: failover, timeouts), each shard answering its rows
 * and its {@link ShardOutcome} (a failed shard: the rows it sent, and a {@link ShardFailure}), (3) merge the sorted
 * streams up to the limit, (4) summarize from the outcomes (counts, failures, next cursor, time) and record the
 * metrics. The whole query has a deadline ({@code queryTimeout}): shards still streaming then are cut off and
 * reported failed.
 */
@Service
public class SearchService implements LogSearch {

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

    /** Starts a search; nothing is sent to a shard until the returned rows are subscribed. */
    @Override
    public Mono<SearchExecution> search(LogQuery query) {
        long started = System.nanoTime();
        return catalog.current().map(states -> {
            PruneResult pruned = prune(query, states);
            long deadline = started + properties.queryTimeout().toNanos();
            return execute(query, pruned, scatter(query, pruned.toQuery(), deadline), started);
        });
    }

    /**
     * Step 1: a shard is skipped only when its (known) metadata proves no row can match, which it cannot for a
     * window that reaches into its last {@code freshSpan} ({@link ShardState#summaryFor}); with pruning switched off
     * every shard is queried.
     */
    PruneResult prune(LogQuery query, List<ShardState> states) {
        List<ShardState> toQuery = new ArrayList<>();
        List<String> prunedBy = new ArrayList<>();
        int chunksOfPruned = 0;
        for (ShardState s : states) {
            Optional<String> pruner = !properties.pruning() ? Optional.empty()
                    : pruning.excludedBy(query, s.summaryFor(query, properties.freshSpan()));
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

    /**
     * Step 2: one answer per shard, its rows and its outcome ({@link ShardQuery}): a shard whose every replica errs
     * or stalls, or that the query's deadline ({@link System#nanoTime()} based) cuts off, ends its rows there and
     * says so in its outcome, as does one answered by a replica that lacks rows of the window ({@code
     * replica_behind}).
     */
    List<ShardAnswer> scatter(LogQuery query, List<ShardState> targets, long deadline) {
        metrics.queried(targets.size());
        List<ShardAnswer> answers = new ArrayList<>(targets.size());
        double[] shares = shares(query, targets);
        for (int i = 0; i < targets.size(); i++) {
            ShardState state = targets.get(i);
            answers.add(shards.query(state.shard(), query, properties.pruning(),
                    state.behind(query, properties.replicaMaxLagRows()), deadline, shares[i]));
        }
        return answers;
    }

    /**
     * The part of the answer each target shard likely holds: its rows in the two hours where the answer starts (the
     * hour of the window's end, or of the cursor when that comes first, and the hour before), as its metadata
     * counts them, against all the targets' rows there; even parts when the metadata knows none. Filters are not
     * weighed: a guess, which only sizes each shard's first read ({@link ShardQuery#query}).
     */
    static double[] shares(LogQuery query, List<ShardState> targets) {
        double[] shares = new double[targets.size()];
        if (targets.size() == 1) {
            shares[0] = 1.0;
            return shares;
        }
        Instant from = query.endTime();
        if (query.after() != null && query.after().timestamp().isBefore(from)) {
            from = query.after().timestamp();
        }
        Instant hour = from.truncatedTo(ChronoUnit.HOURS);
        Instant before = hour.minus(1, ChronoUnit.HOURS);
        long total = 0;
        long[] rows = new long[targets.size()];
        for (int i = 0; i < rows.length; i++) {
            PartitionMetadata m = targets.get(i).metadata();
            if (m != null) {
                for (ChunkMetadata c : m.chunks()) {
                    if (c.hour().equals(hour) || c.hour().equals(before)) {
                        rows[i] += c.rowCount();
                    }
                }
            }
            total += rows[i];
        }
        for (int i = 0; i < rows.length; i++) {
            shares[i] = total == 0 ? 1.0 / rows.length : (double) rows[i] / total;
        }
        return shares;
    }

    /**
     * Steps 3 and 4: the k-way merge of the shards' rows up to the limit ({@link SortedMerge}), counting them and
     * remembering the last one; once they ended, the summary and the metrics, made of the shards' outcomes. The end
     * is taken before a completion reaches the reader (every shard's outcome is in by then), so that a reader who
     * saw the rows complete finds the summary ready and the metrics recorded.
     */
    SearchExecution execute(LogQuery query, PruneResult pruned, List<ShardAnswer> answers, long started) {
        AtomicLong count = new AtomicLong();
        AtomicReference<StoredLogEntry> last = new AtomicReference<>();
        AtomicBoolean ended = new AtomicBoolean();
        Sinks.One<List<ShardFailure>> byFirstRow = Sinks.one();
        Sinks.Empty<Void> rowsEnded = Sinks.empty();
        Mono<List<ShardOutcome>> outcomes = Flux.fromIterable(answers).concatMap(ShardAnswer::outcome).collectList();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) {
                Duration took = Duration.ofNanos(System.nanoTime() - started);
                byFirstRow.tryEmitValue(failures(answers.stream().map(ShardAnswer::soFar).toList())); // no row came
                rowsEnded.tryEmitEmpty();
                outcomes.subscribe(o -> record(o, pruned, took));
            }
        };
        Flux<StoredLogEntry> rows = SortedMerge.merge(answers.stream().map(ShardAnswer::rows).toList(), query.limit())
                .doOnNext(row -> {
                    if (count.incrementAndGet() == 1) {
                        byFirstRow.tryEmitValue(failures(answers.stream().map(ShardAnswer::soFar).toList()));
                    }
                    last.set(row);
                })
                .doOnComplete(end)
                .doFinally(signal -> end.run()); // cancelled: after the shards were, so their outcomes are in
        return new SearchExecution(rows, byFirstRow.asMono(), rowsEnded.asMono().then(outcomes)
                .map(o -> summarize(query, pruned, o, count.get(), last.get(), started)));
    }

    /** The execution time, the shards' failures, and the chunks they planned to read or skipped (pruned ones too). */
    private void record(List<ShardOutcome> outcomes, PruneResult pruned, Duration took) {
        metrics.executed(took);
        long scanned = 0;
        long skipped = pruned.chunksOfPruned();
        for (ShardOutcome o : outcomes) {
            scanned += Math.max(0, o.chunks().scanned());
            skipped += Math.max(0, o.chunks().skipped());
            o.failures().forEach(f -> metrics.failed(f.partition(), f.reason()));
        }
        metrics.chunks(scanned, skipped);
    }

    SearchSummary summarize(LogQuery query, PruneResult pruned, List<ShardOutcome> outcomes, long rows,
                            StoredLogEntry last, long started) {
        List<ShardFailure> failed = failures(outcomes);
        long tookMs = Duration.ofNanos(System.nanoTime() - started).toMillis();
        return new SearchSummary(pruned.total(), pruned.toQuery().size(), pruned.prunedBy().size(), !failed.isEmpty(),
                failed, tookMs, NextCursor.of(query, last, rows));
    }

    /** The failures of {@code outcomes} by shard, each shard's in the order they happened. */
    static List<ShardFailure> failures(List<ShardOutcome> outcomes) {
        return outcomes.stream().flatMap(o -> o.failures().stream())
                .sorted(Comparator.comparingInt(ShardFailure::partition)).toList();
    }
}
