package dev.logquery.node.query;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.pruning.PruningService;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.BlockFilters;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import javax.sql.DataSource;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Answers a {@link LogQuery} from this node's rows: at most {@code limit} rows in
 * {@link dev.logquery.common.order.LogOrder#NEWEST_FIRST} order, as a {@link Flux} that honours
 * backpressure and holds no more than the driver's fetch buffer and one batch in memory.
 *
 * <p>On subscription the served chunks ({@link ChunkStore#chunks()}, which cover every committed row)
 * are pruned into a {@link ScanPlan}; a plan without ranges completes at once, without touching the
 * database. Otherwise a {@link QueryRun} reads the ranges on the JDBC scheduler, never on the caller's
 * thread. Failures arrive as {@link QueryFailedException}.
 */
public final class QueryExecutor {

    private final DataSource dataSource;
    private final ChunkStore chunks;
    private final Scheduler jdbc;
    private final NodeProperties properties;
    private final QueryMetrics metrics;
    private final PruningService pruning = PruningService.standard();
    private final BlockFilters text;

    /**
     * @param jdbc a scheduler for blocking work whose threads each hold at most one connection; its size
     *             bounds the connections queries take from {@code dataSource}
     */
    public QueryExecutor(DataSource dataSource, ChunkStore chunks, Scheduler jdbc, NodeProperties properties,
                         QueryMetrics metrics) {
        this(dataSource, chunks, jdbc, properties, metrics, BlockFilters.NONE);
    }

    /** @param text the text index's block filters, which {@code contains} queries skip blocks with */
    public QueryExecutor(DataSource dataSource, ChunkStore chunks, Scheduler jdbc, NodeProperties properties,
                         QueryMetrics metrics, BlockFilters text) {
        this.dataSource = dataSource;
        this.chunks = chunks;
        this.jdbc = jdbc;
        this.properties = properties;
        this.metrics = metrics;
        this.text = text;
    }

    /**
     * Which ranges answer {@code query} given the chunks served now; {@code prune} false reads the whole
     * window ({@link ScanPlan#unpruned}). The chunk list only grows, so a plan made before the rows are
     * read misses no row committed before it was made; the same holds for the text index's filters.
     */
    public ScanPlan plan(LogQuery query, boolean prune) {
        return prune ? ScanPlan.of(query, chunks.chunks(), pruning, text) : ScanPlan.unpruned(query, chunks.chunks());
    }

    /** {@link #execute(LogQuery, ScanPlan)} with the pruned plan made on subscription. */
    public Flux<StoredLogEntry> execute(LogQuery query) {
        return Flux.defer(() -> execute(query, plan(query, true)));
    }

    /** {@link #executeBatches} one row at a time. */
    public Flux<StoredLogEntry> execute(LogQuery query, ScanPlan plan) {
        return executeBatches(query, plan).flatMapIterable(batch -> batch, 1);
    }

    /**
     * Reads {@code plan}'s ranges; counts its chunks in the metrics when subscribed. Rows come in batches
     * (in order, each at most {@value QueryRun#MAX_BATCH_ROWS} rows), one batch per requested element.
     */
    public Flux<List<StoredLogEntry>> executeBatches(LogQuery query, ScanPlan plan) {
        return Flux.defer(() -> {
            metrics.skipped(plan.skipped());
            metrics.blocksSkipped(plan.blocksSkipped());
            if (plan.ranges().isEmpty()) {
                return Flux.empty();
            }
            return Flux.create(sink -> {
                QueryRun run = new QueryRun(query, plan, dataSource, properties.query(), properties.shard(), metrics,
                        sink);
                try {
                    jdbc.schedule(run);
                } catch (RejectedExecutionException e) {
                    sink.error(QueryFailedException.of(e));
                }
            });
        });
    }
}
