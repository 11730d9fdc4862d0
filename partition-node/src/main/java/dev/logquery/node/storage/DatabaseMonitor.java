package dev.logquery.node.storage;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Whether the node's PostgreSQL answers, as last seen: a connection from the pool, validated, every
 * {@value #PROBE_INTERVAL_MS} ms on a thread of its own. A probe waits at most the pool's connection
 * timeout plus {@value #VALIDATION_TIMEOUT_S} s, so an outage shows within a few seconds, and readers
 * ({@link #status()}, health, the internal routes) never wait for the database themselves. Until the
 * first probe the database counts as available: Flyway has just migrated it. Listeners
 * ({@link #onChange}) hear of every change between available and unavailable.
 */
public final class DatabaseMonitor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DatabaseMonitor.class);
    static final long PROBE_INTERVAL_MS = 1_000;
    static final int VALIDATION_TIMEOUT_S = 2;

    /** What the last probe found: {@code since} when that has been so, and the error if unavailable. */
    public record Status(boolean available, Instant since, String error) {
    }

    private final DataSource dataSource;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Status status = new Status(true, Instant.now(), null);
    private volatile ScheduledExecutorService prober;

    public DatabaseMonitor(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public Status status() {
        return status;
    }

    public boolean isAvailable() {
        return status.available();
    }

    /** Runs {@code listener} on the probe thread after each change of availability; it must return at once. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Probes once and records the outcome (the probe thread's task; tests may call it directly). */
    void probe() {
        String error = null;
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(VALIDATION_TIMEOUT_S)) {
                error = "connection did not validate within " + VALIDATION_TIMEOUT_S + " s";
            }
        } catch (Exception e) {
            error = e.toString();
        }
        record(error);
    }

    private void record(String error) {
        Status before = status;
        boolean available = error == null;
        if (available == before.available()) {
            if (!available) {
                status = new Status(false, before.since(), error);
            }
            return;
        }
        status = new Status(available, Instant.now(), error);
        if (available) {
            log.info("database available again after {}", Duration.between(before.since(), status.since()));
        } else {
            log.warn("database unavailable: {}", error);
        }
        listeners.forEach(Runnable::run);
    }

    @Override
    public void start() {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "database-probe");
            t.setDaemon(true);
            return t;
        });
        s.scheduleWithFixedDelay(this::probeSafely, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        prober = s;
    }

    private void probeSafely() {
        try {
            probe();
        } catch (RuntimeException e) {
            log.warn("database probe failed unexpectedly", e); // a listener's bug must not end the probing
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService s = prober;
        prober = null;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return prober != null;
    }
}
