package dev.logquery.producer.publish;

import dev.logquery.producer.generate.SyntheticLogGenerator;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits synthetic lines at a steady rate with timestamps = now, paced by a scheduler thread.
 *
 * <p>Each tick sends the lines that are due since the start ({@code rate * elapsed - emitted}), so the
 * long-run rate is exact whatever the tick length and fractional rates work. Ticks last {@code 1/rate}
 * (one line per tick) but at least 10 ms and at most 1 s. When Kafka stalls for more than a second the
 * backlog is dropped rather than burst out later, and the skip is logged.
 */
public final class LiveEmitter {

    private static final Logger log = LoggerFactory.getLogger(LiveEmitter.class);

    private final SyntheticLogGenerator generator;
    private final LogPublisher publisher;
    private final double linesPerSecond;
    private final Clock clock;
    private volatile ScheduledFuture<?> ticks;
    private volatile long emitted;
    private long startNanos;
    private long skipped;

    public LiveEmitter(SyntheticLogGenerator generator, LogPublisher publisher, double linesPerSecond,
            Clock clock) {
        if (!(linesPerSecond > 0) || Double.isInfinite(linesPerSecond)) {
            throw new IllegalArgumentException("rate must be a positive number of lines per second, is "
                    + linesPerSecond);
        }
        this.generator = generator;
        this.publisher = publisher;
        this.linesPerSecond = linesPerSecond;
        this.clock = clock;
    }

    /** Starts ticking on {@code scheduler} (use a single-threaded one: ticks must not overlap). */
    public synchronized void start(ScheduledExecutorService scheduler) {
        if (ticks != null) {
            throw new IllegalStateException("already started");
        }
        long periodNanos = (long) Math.min(1e9, Math.max(1e7, 1e9 / linesPerSecond));
        startNanos = System.nanoTime();
        ticks = scheduler.scheduleAtFixedRate(this::tick, 0, periodNanos, TimeUnit.NANOSECONDS);
        log.info("live: emitting {} lines/s to {}", linesPerSecond, publisher.destination());
    }

    /** Stops after the current tick. */
    public synchronized void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
    }

    /** Lines handed to the publisher so far. */
    public long emitted() {
        return emitted;
    }

    private void tick() {
        long due = (long) (linesPerSecond * ((System.nanoTime() - startNanos) / 1e9)) - skipped;
        long backlog = due - emitted;
        long maxBacklog = Math.max(1, (long) Math.ceil(linesPerSecond));
        if (backlog > maxBacklog) {
            skipped += backlog - maxBacklog;
            log.warn("live: {} lines behind schedule (Kafka slow?); skipping {} lines", backlog, backlog - maxBacklog);
            backlog = maxBacklog;
        }
        try {
            for (long i = 0; i < backlog && !Thread.currentThread().isInterrupted(); i++) {
                publisher.publish(generator.next(clock.instant()));
                emitted++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again; log and try again next tick.
            log.warn("live: sending failed: {}", e.toString());
        }
    }
}
