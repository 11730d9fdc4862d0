package dev.logquery.producer.publish;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * What a {@link LogPublisher} has in flight and how it ended: a bound of {@code max} lines awaiting an answer
 * ({@link #acquire} blocks beyond it), counts of lines sent and failed, and failure logging at most once every
 * 10 s. Thread-safe.
 */
public final class InFlight {

    private static final long ERROR_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int max;
    private final Semaphore permits;
    private final LongAdder sent = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final AtomicLong lastErrorLogNanos = new AtomicLong(System.nanoTime() - ERROR_LOG_INTERVAL_NANOS);

    InFlight(int max) {
        this.max = max;
        this.permits = new Semaphore(max);
    }

    /** Waits for room for one more line. */
    void acquire() throws InterruptedException {
        permits.acquire();
    }

    /** {@code lines} lines were answered (sent or failed): their room is free again. */
    void release(int lines) {
        permits.release(lines);
    }

    void sent(long lines) {
        sent.add(lines);
    }

    /** {@code lines} lines failed for good; logs {@code what} and the error at most once every 10 s. */
    void failed(long lines, Logger log, String what, Throwable error) {
        errors.add(lines);
        long now = System.nanoTime();
        long last = lastErrorLogNanos.get();
        if (now - last >= ERROR_LOG_INTERVAL_NANOS && lastErrorLogNanos.compareAndSet(last, now)) {
            log.warn("{} failed ({} lines failed so far): {}", what, errors.sum(), error.toString());
        }
    }

    /** Waits until nothing is in flight; false if that did not happen within {@code timeout}. */
    boolean awaitNone(Duration timeout) throws InterruptedException {
        if (!permits.tryAcquire(max, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        permits.release(max);
        return true;
    }

    public long sent() {
        return sent.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public int count() {
        return max - permits.availablePermits();
    }
}
