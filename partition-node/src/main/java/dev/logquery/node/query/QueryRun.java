package dev.logquery.node.query;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.Transactions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

/**
 * One query being answered: a task for a JDBC thread that reads the plan's ranges through a
 * server-side cursor and emits the rows in batches, only while the subscriber has asked for more.
 *
 * <p><b>Batches.</b> One signal per batch rather than per row: downstream, each signal becomes one write
 * (and usually one flush) to the caller's socket, which per row cost more CPU than the query itself. A
 * batch is emitted when the next {@code rs.next()} would go to the server for the next {@code fetchSize}
 * rows (so rows already read never wait for a fetch), when it holds {@link #MAX_BATCH_ROWS} rows or
 * {@link #MAX_BATCH_CHARS} characters of messages, and at the end of each range (before the next
 * range's statement runs). A slow scan therefore delays no row it has found.
 *
 * <p>The task owns its connection from start to end, so the number of query threads bounds the
 * connections queries hold. The connection runs one read-only transaction (a cursor needs one) with a
 * transaction-local {@code statement_timeout}; the driver fetches {@code fetchSize} rows at a time. When
 * the subscriber has no demand the thread parks until a request, a cancellation, or the stall timeout.
 * Cancellation stops the reading between rows, and a statement still executing is cancelled on the
 * server. Whatever the outcome, the result set, statement and connection are closed by this thread
 * before the sequence ends, so a completed response has already returned its connection to the pool.
 */
final class QueryRun implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(QueryRun.class);

    /** At most this many rows per emitted batch. */
    static final int MAX_BATCH_ROWS = 256;
    /** A batch is emitted once its messages hold this many characters (bounds its memory with long messages). */
    static final int MAX_BATCH_CHARS = 64 * 1024;

    private final LogQuery query;
    private final ScanPlan plan;
    private final DataSource dataSource;
    private final NodeProperties.Query settings;
    private final int shard;
    private final QueryMetrics metrics;
    private final FluxSink<List<StoredLogEntry>> sink;

    /** Batches the subscriber asked for and has not received yet. */
    private final AtomicLong demand = new AtomicLong();
    private volatile Thread runner;
    /** The statement while it executes (not while its rows are fetched), for a cancellation to stop it. */
    private volatile PreparedStatement executing;
    /** Rows emitted so far (runner thread only). */
    private int emitted;

    QueryRun(LogQuery query, ScanPlan plan, DataSource dataSource, NodeProperties.Query settings, int shard,
             QueryMetrics metrics, FluxSink<List<StoredLogEntry>> sink) {
        this.query = query;
        this.plan = plan;
        this.dataSource = dataSource;
        this.settings = settings;
        this.shard = shard;
        this.metrics = metrics;
        this.sink = sink;
        sink.onRequest(this::requested);
        sink.onCancel(this::cancelled);
    }

    private void requested(long n) {
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        wake();
    }

    private void cancelled() {
        wake();
        PreparedStatement running = executing;
        if (running != null) {
            // Statement.cancel opens a connection to the server: not on the caller's (event-loop) thread.
            // The driver makes a cancel that arrives after the statement ended a no-op.
            Schedulers.boundedElastic().schedule(() -> {
                try {
                    running.cancel();
                } catch (SQLException | RuntimeException e) {
                    log.debug("could not cancel a query statement: {}", e.toString());
                }
            });
        }
    }

    private void wake() {
        Thread t = runner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        try {
            if (!sink.isCancelled()) {
                read();
            }
            if (sink.isCancelled()) {
                log.debug("query cancelled by its subscriber after {} rows", emitted);
            } else {
                sink.complete();
            }
        } catch (Throwable e) {
            if (sink.isCancelled()) {
                log.debug("query ended after its cancellation: {}", e.toString());
            } else {
                QueryFailedException failure = QueryFailedException.of(e);
                if (failure.reason() == QueryFailedException.Reason.INTERNAL) {
                    log.warn("query failed: {}", query, e);
                } else {
                    log.info("query failed ({}): {}", failure.reason(), failure.getMessage());
                }
                sink.error(failure);
            }
        } finally {
            runner = null;
            Thread.interrupted(); // a shutdown's interrupt belongs to this task, not to the thread's next one
        }
    }

    /** Reads the ranges newest first until the limit; the connection is closed when this returns. */
    private void read() throws SQLException {
        Transactions.readOnly(dataSource, settings.statementTimeout(), c -> {
            int remaining = query.limit();
            try (PreparedStatement ps = c.prepareStatement(RangeSql.sql(query))) {
                ps.setFetchSize(settings.fetchSize());
                for (ScanPlan.Range range : plan.ranges()) {
                    if (remaining == 0 || sink.isCancelled()) {
                        break;
                    }
                    metrics.scanned(range.chunks());
                    RangeSql.bind(ps, query, range, remaining);
                    remaining -= emit(ps, remaining);
                }
            }
            return remaining;
        });
    }

    /**
     * Executes {@code ps} and emits up to {@code max} of its rows in batches as demand allows; returns how
     * many rows it read (fewer than emitted only when the subscriber cancelled).
     */
    private int emit(PreparedStatement ps, int max) throws SQLException {
        ResultSet rs;
        executing = ps;
        try {
            rs = ps.executeQuery();
        } finally {
            executing = null;
        }
        int fetchSize = settings.fetchSize();
        int n = 0;
        List<StoredLogEntry> batch = new ArrayList<>();
        long chars = 0;
        try (rs) {
            while (n < max && !sink.isCancelled() && rs.next()) {
                StoredLogEntry row = RangeSql.row(rs, shard);
                batch.add(row);
                chars += row.entry().message().length();
                n++;
                boolean fetchNext = n % fetchSize == 0; // the driver's buffer is empty: rs.next() asks the server
                if (fetchNext || batch.size() >= MAX_BATCH_ROWS || chars >= MAX_BATCH_CHARS) {
                    if (!send(batch)) {
                        return n;
                    }
                    batch = new ArrayList<>();
                    chars = 0;
                }
            }
            if (!batch.isEmpty()) {
                send(batch);
            }
        }
        return n;
    }

    /** Emits {@code batch} once the subscriber wants it; false if it cancelled instead. */
    private boolean send(List<StoredLogEntry> batch) {
        if (!awaitDemand()) {
            return false;
        }
        demand.decrementAndGet();
        sink.next(batch);
        emitted += batch.size();
        return true;
    }

    /** True once the subscriber wants a batch; false if it cancelled. Parks this thread meanwhile. */
    private boolean awaitDemand() {
        long stallNanos = settings.stallTimeout().toNanos();
        long waitingSince = 0;
        boolean waiting = false;
        while (demand.get() <= 0) {
            if (sink.isCancelled()) {
                return false;
            }
            if (Thread.interrupted()) {
                throw new QueryFailedException(QueryFailedException.Reason.UNAVAILABLE,
                        "query interrupted: the node is shutting down", null);
            }
            long now = System.nanoTime();
            if (!waiting) {
                waiting = true;
                waitingSince = now;
            } else if (now - waitingSince >= stallNanos) {
                throw new QueryFailedException(QueryFailedException.Reason.STALLED, "the client read nothing for "
                        + settings.stallTimeout() + "; query abandoned", null);
            }
            LockSupport.parkNanos(this, stallNanos - (now - waitingSince));
        }
        return !sink.isCancelled();
    }
}
