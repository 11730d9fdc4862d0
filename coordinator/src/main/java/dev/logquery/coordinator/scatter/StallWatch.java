package dev.logquery.coordinator.scatter;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * Whether a shard's stream stalls: no first row for {@code firstRow}, or no next row for {@code idle}, while
 * rows are asked for, and no other sign of life ({@link #alive()}) meanwhile. Time counts only while the
 * reader waits (rows requested and not yet delivered), so a client that reads an NDJSON answer slowly, and
 * thereby stops asking, does not make its shards time out (nor a shard answer resumed on another replica while
 * nobody asks for rows); a node that stops sending while asked does. One periodic check per stream, not a
 * timer per row.
 */
final class StallWatch {

    private final long firstRowNanos;
    private final long idleNanos;
    private final Duration tick;
    private final AtomicLong outstanding = new AtomicLong();
    private volatile long since = System.nanoTime();
    private volatile boolean stalled;
    /** Rows delivered (written by the delivering thread only, read by the check). */
    private volatile long delivered;

    StallWatch(Duration firstRow, Duration idle) {
        this.firstRowNanos = firstRow.toNanos();
        this.idleNanos = idle.toNanos();
        this.tick = Duration.ofNanos(Math.max(Duration.ofMillis(10).toNanos(), Math.min(firstRowNanos, idleNanos) / 4));
    }

    /** {@code source} ending with a {@link TimeoutException} once it stalls. */
    <T> Flux<T> watch(Flux<T> source) {
        return source
                .doOnNext(item -> delivered())
                .doOnRequest(this::requested)
                .takeUntilOther(Flux.interval(tick, tick).filter(t -> checkStalled()).next())
                .concatWith(Mono.defer(() -> stalled
                        ? Mono.error(new TimeoutException(delivered == 0
                                ? "no first row for " + Duration.ofNanos(firstRowNanos) + " while asked"
                                : "no row for " + Duration.ofNanos(idleNanos) + " while asked"))
                        : Mono.empty()));
    }

    private void requested(long n) {
        long before = outstanding.getAndAccumulate(n, Operators::addCap);
        if (before == 0) {
            since = System.nanoTime(); // the wait starts now
        }
    }

    /**
     * The stream shows life without a row (a node's keep-alive while it scans): the wait counts again from
     * now. A node that is working is not a stalled one; the query's deadline still bounds it.
     */
    void alive() {
        since = System.nanoTime();
    }

    private void delivered() {
        delivered++;
        outstanding.getAndUpdate(v -> v == Long.MAX_VALUE || v == 0 ? v : v - 1);
        since = System.nanoTime();
    }

    private boolean checkStalled() {
        long limit = delivered == 0 ? firstRowNanos : idleNanos;
        if (outstanding.get() > 0 && System.nanoTime() - since > limit) {
            stalled = true;
        }
        return stalled;
    }
}
