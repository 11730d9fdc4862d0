package dev.logquery.node.storage;

import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.text.TextIndex;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps {@code logquery.node.retention} of lines. Every {@code interval} (first a few seconds after start-up), on
 * a thread of its own (JDBC, never an event loop), it takes the boundary: the start of the UTC day of
 * {@code now - retention}; then, in one transaction, drops every daily partition {@code logs_YYYYMMDD} before that
 * day (entirely older than {@code now - retention}), deletes the rows of the default partition before it, the
 * {@code chunks} rows of its hours, the {@code rejected_records} rejected before it and the text index of those
 * hours ({@link TextIndex}); after the commit the node forgets those chunks (and text filters), which changes its metadata's version and publishes it again (Redis, ETag).
 *
 * <p>Rows go before their metadata does (a query in between finds nothing there: no harm), and a failed run
 * (a lock not granted within {@value #LOCK_TIMEOUT}, the database away) changes nothing and is tried again at
 * the next interval. Meters: {@code retention_partitions_dropped_total}, {@code retention_rows_dropped_total},
 * {@code retention_oldest_line_age_seconds} (NaN while the node holds no line).
 */
public final class RetentionJob implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    /** A drop waits at most this long for queries and batch writes to let go of the table. */
    static final String LOCK_TIMEOUT = "3s";
    private static final Duration FIRST_RUN_AFTER = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final ChunkStore chunks;
    private final TimePartitions partitions;
    private final Duration retention;
    private final Duration interval;
    private final Clock clock;
    private final Counter partitionsDropped;
    private final Counter rowsDropped;
    private final TextIndex text;
    private volatile ScheduledExecutorService thread;

    /** What one run did. */
    public record Result(Instant boundary, List<String> droppedPartitions, long rows, int chunks, long rejectedRecords) {
    }

    public RetentionJob(DataSource dataSource, ChunkStore chunks, TimePartitions partitions, Duration retention,
                        Duration interval, Clock clock, MeterRegistry registry, TextIndex text) {
        this.dataSource = dataSource;
        this.chunks = chunks;
        this.partitions = partitions;
        this.retention = retention;
        this.interval = interval;
        this.clock = clock;
        this.text = text;
        this.partitionsDropped = Counter.builder("retention.partitions.dropped")
                .description("Daily partitions of logs dropped by the retention").register(registry);
        this.rowsDropped = Counter.builder("retention.rows.dropped")
                .description("Log rows dropped by the retention (as their chunks counted them)").register(registry);
        Gauge.builder("retention.oldest.line.age", this, RetentionJob::oldestLineAgeSeconds)
                .baseUnit("seconds").description("Age of the oldest line this node holds").register(registry);
    }

    double oldestLineAgeSeconds() {
        Instant oldest = chunks.isLoaded() ? chunks.oldestLine() : null;
        return oldest == null ? Double.NaN : Duration.between(oldest, clock.instant()).toMillis() / 1000.0;
    }

    /** The start of the UTC day of {@code now - retention}: everything before it goes. */
    public Instant boundary() {
        LocalDate day = LocalDate.ofInstant(clock.instant().minus(retention), ZoneOffset.UTC);
        return day.atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** One run, on the caller's thread (blocking JDBC). */
    public Result runOnce() throws SQLException {
        Instant boundary = boundary();
        LocalDate firstKept = LocalDate.ofInstant(boundary, ZoneOffset.UTC);
        Result result = Transactions.writing(dataSource, c -> {
            List<String> dropped = new ArrayList<>();
            long rows;
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                try (ResultSet rs = s.executeQuery("""
                        SELECT child.relname FROM pg_inherits i
                        JOIN pg_class child ON child.oid = i.inhrelid
                        JOIN pg_class parent ON parent.oid = i.inhparent
                        WHERE parent.relname = 'logs' AND child.relname ~ '^logs_[0-9]{8}$'
                        ORDER BY child.relname""")) {
                    while (rs.next()) {
                        String name = rs.getString(1);
                        if (TimePartitions.day(name).isBefore(firstKept)) {
                            dropped.add(name);
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT coalesce(sum(row_count), 0) FROM chunks WHERE hour < ?")) {
                    ps.setTimestamp(1, Timestamp.from(boundary));
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        rows = rs.getLong(1);
                    }
                }
                for (String name : dropped) {
                    // Names come from the catalogue and match logs_[0-9]{8}: never user input.
                    s.execute("DROP TABLE " + name);
                }
            }
            deleteBefore(c, "DELETE FROM logs_default WHERE ts < ?", boundary);
            int chunkRows = deleteBefore(c, "DELETE FROM chunks WHERE hour < ?", boundary);
            long rejected = deleteBefore(c, "DELETE FROM rejected_records WHERE rejected_at < ?", boundary);
            TextIndex.deleteBefore(c, boundary);
            return new Result(boundary, List.copyOf(dropped), rows, chunkRows, rejected);
        });
        for (String name : result.droppedPartitions()) {
            partitions.forget(TimePartitions.day(name));
        }
        // Also forgets chunks a reload read before the commit: they are gone from the table now.
        chunks.dropBefore(boundary);
        text.dropBefore(boundary);
        partitionsDropped.increment(result.droppedPartitions().size());
        rowsDropped.increment(result.rows());
        if (!result.droppedPartitions().isEmpty() || result.chunks() > 0 || result.rejectedRecords() > 0) {
            log.info("retention {}: dropped partitions {} and {} rows before {} ({} hour chunks, {} rejected records)",
                    retention, result.droppedPartitions(), result.rows(), boundary, result.chunks(),
                    result.rejectedRecords());
        }
        return result;
    }

    private static int deleteBefore(Connection c, String sql, Instant boundary) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, Timestamp.from(boundary));
            return ps.executeUpdate();
        }
    }

    private void runLogged() {
        try {
            runOnce();
        } catch (Exception e) {
            log.warn("retention run failed (retried in {}): {}", interval, e.toString());
        }
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "retention");
            t.setDaemon(true);
            return t;
        });
        long first = Math.min(FIRST_RUN_AFTER.toMillis(), interval.toMillis());
        executor.scheduleWithFixedDelay(this::runLogged, first, interval.toMillis(), TimeUnit.MILLISECONDS);
        thread = executor;
        log.info("retention {}: partitions before the day of now - {} are dropped every {}", retention, retention,
                interval);
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = thread;
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }
}
