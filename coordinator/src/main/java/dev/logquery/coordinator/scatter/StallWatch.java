package dev.logquery.coordinator.scatter;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * Whether a shard's stream stalls: no row for {@code idle} while rows are asked for. Time counts only while the
 * reader waits (rows requested and not yet delivered), so a client that reads an NDJSON answer slowly, and
 * thereby stops asking, does not make its shards time out; a node that stops sending while asked does. One
 * periodic check per stream, not a timer per row.
 */
final class StallWatch {

    private final long idleNanos;
    private final Duration tick;
    private final AtomicLong outstanding = new AtomicLong();
    private volatile long since = System.nanoTime();
    private volatile boolean stalled;

    StallWatch(Duration idle) {
        this.idleNanos = idle.toNanos();
        this.tick = Duration.ofNanos(Math.max(Duration.ofMillis(10).toNanos(), idleNanos / 4));
    }

    /** {@code source} ending with a {@link TimeoutException} once it stalls. */
    <T> Flux<T> watch(Flux<T> source) {
        return source
                .doOnNext(item -> delivered())
                .doOnRequest(this::requested)
                .takeUntilOther(Flux.interval(tick, tick).filter(t -> checkStalled()).next())
                .concatWith(Mono.defer(() -> stalled
                        ? Mono.error(new TimeoutException("no row for " + Duration.ofNanos(idleNanos) + " while asked"))
                        : Mono.empty()));
    }

    private void requested(long n) {
        long before = outstanding.getAndAccumulate(n, Operators::addCap);
        if (before == 0) {
            since = System.nanoTime(); // the wait starts now
        }
    }

    private void delivered() {
        outstanding.getAndUpdate(v -> v == Long.MAX_VALUE || v == 0 ? v : v - 1);
        since = System.nanoTime();
    }

    private boolean checkStalled() {
        if (outstanding.get() > 0 && System.nanoTime() - since > idleNanos) {
            stalled = true;
        }
        return stalled;
    }
}
