package dev.logquery.producer.publish;

import dev.logquery.producer.generate.SyntheticLogGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code N} synthetic lines spread over a past time window as fast as Kafka accepts them.
 *
 * <p>Timestamps are in ascending order over the whole run (hence also per service and per partition),
 * like a log shipper catching up: line {@code i} of {@code N} falls at a random point of the
 * {@code i}-th of {@code N} equal slots of {@code [end - window, end]}. Memory stays bounded: lines are
 * generated one at a time and the publisher caps the records awaiting acknowledgement.
 *
 * <p>Plain Java, usable without Spring, e.g. from a benchmark:
 * <pre>{@code
 * TopicInitializer.ensureTopic(bootstrap, "pod-logs", 6, (short) 1, Duration.ofSeconds(30));
 * BackfillResult result = BackfillRunner.backfill(PublisherSettings.of(bootstrap, "pod-logs"),
 *         new SyntheticLogGenerator(20, 42L), 1_000_000, Duration.ofDays(7));
 * }</pre>
 */
public final class BackfillRunner {

    private static final Logger log = LoggerFactory.getLogger(BackfillRunner.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(5);

    private final SyntheticLogGenerator generator;
    private final LogPublisher publisher;
    private volatile boolean cancelled;
    private volatile long submitted;

    public BackfillRunner(SyntheticLogGenerator generator, LogPublisher publisher) {
        this.generator = generator;
        this.publisher = publisher;
    }

    /**
     * Backfills {@code lines} lines over the {@code window} ending now through a publisher of its own,
     * closed at the end. The topic must exist (see {@link TopicInitializer}) or be auto-created by the broker.
     */
    public static BackfillResult backfill(PublisherSettings settings, SyntheticLogGenerator generator, long lines,
            Duration window) throws InterruptedException {
        try (LogPublisher publisher = new KafkaLogPublisher(settings)) {
            return new BackfillRunner(generator, publisher).run(lines, Instant.now(), window);
        }
    }

    /**
     * Generates and sends {@code lines} lines with timestamps in {@code [end - window, end]} (microsecond
     * precision), waits until all are acknowledged, logs a summary and returns it.
     *
     * @throws InterruptedException if the calling thread is interrupted; what was sent stays sent
     */
    public BackfillResult run(long lines, Instant end, Duration window) throws InterruptedException {
        if (lines < 0) {
            throw new IllegalArgumentException("lines must be >= 0, is " + lines);
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive, is " + window);
        }
        Instant windowEnd = end.truncatedTo(ChronoUnit.MICROS);
        Instant windowStart = windowEnd.minus(window).truncatedTo(ChronoUnit.MICROS);
        long spanNanos = Duration.between(windowStart, windowEnd).toNanos();
        double slotNanos = lines == 0 ? 0 : (double) spanNanos / lines;
        SplittableRandom jitter = new SplittableRandom(lines ^ spanNanos);
        long sentBefore = publisher.sent();
        long errorsBefore = publisher.errors();

        log.info("backfill: {} lines over [{}, {}] to {}", lines, windowStart, windowEnd, publisher.destination());
        long startNanos = System.nanoTime();
        long nextProgressNanos = startNanos + PROGRESS_INTERVAL_NANOS;
        long i = 0;
        for (; i < lines && !cancelled; i++) {
            long offsetNanos = Math.min(spanNanos, (long) ((i + jitter.nextDouble()) * slotNanos));
            publisher.publish(generator.next(windowStart.plusNanos(offsetNanos)));
            if ((i & 0xFFF) == 0) {
                submitted = i + 1;
                long now = System.nanoTime();
                if (now >= nextProgressNanos) {
                    nextProgressNanos = now + PROGRESS_INTERVAL_NANOS;
                    log.info("backfill: {} of {} lines submitted ({} acknowledged)", i + 1, lines,
                            publisher.sent() - sentBefore);
                }
            }
        }
        submitted = i;
        if (!publisher.flush(FLUSH_TIMEOUT)) {
            log.warn("backfill: {} lines still unacknowledged after {}", publisher.inFlight(), FLUSH_TIMEOUT);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        BackfillResult result = new BackfillResult(lines, i, publisher.sent() - sentBefore,
                publisher.errors() - errorsBefore, windowStart, windowEnd, elapsed, cancelled);
        log.info(String.format(Locale.ROOT, "backfill %s: %d lines sent, %d errors, in %.2f s, %.0f lines/s",
                result.cancelled() ? "cancelled" : "done", result.sent(), result.errors(),
                elapsed.toNanos() / 1e9, result.linesPerSecond()));
        return result;
    }

    /** Lines handed to the publisher so far (updated every 4,096 lines and at the end). */
    public long submitted() {
        return submitted;
    }

    /** Stops a running backfill after the current line; what was handed over is still flushed. */
    public void cancel() {
        cancelled = true;
    }
}
