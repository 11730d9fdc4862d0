package dev.logquery.coordinator.admission;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Load shedding for queries: at most {@code maxConcurrent} hold a {@link Permit} at once, at most
 * {@code maxQueued} more wait for one (first come, first served), each at most {@code maxWait}; any other
 * request is refused at once with {@link OverloadedException}, as is a waiter whose time ran out. Nothing
 * blocks: a waiter is a pending {@link Mono}. A waiter that is cancelled (its client went away) leaves the
 * queue. A permit is released exactly once, by its holder or, if the holder lost it, when its lease
 * ({@code maxHold}) expires.
 */
public final class AdmissionControl {

    private final int maxConcurrent;
    private final int maxQueued;
    private final Duration maxWait;
    private final Duration maxHold;
    private final Scheduler timer;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int running;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong expiredLeases = new AtomicLong();

    /**
     * @param maxHold how long a permit may be held before it is taken back (longer than any query may run)
     * @param timer   runs the wait and lease timers
     */
    public AdmissionControl(int maxConcurrent, int maxQueued, Duration maxWait, Duration maxHold, Scheduler timer) {
        if (maxConcurrent < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxConcurrent must be >= 1 and maxQueued >= 0");
        }
        this.maxConcurrent = maxConcurrent;
        this.maxQueued = maxQueued;
        this.maxWait = maxWait;
        this.maxHold = maxHold;
        this.timer = timer;
    }

    /**
     * A permit now, or after waiting in the queue, or an {@link OverloadedException} (queue full, or no turn
     * within {@code maxWait}). The caller must {@link Permit#release()} it when the query is done.
     */
    public Mono<Permit> acquire() {
        return Mono.create(sink -> {
            Waiter waiter = null;
            Permit granted = null;
            synchronized (this) {
                if (running < maxConcurrent && queue.isEmpty()) {
                    running++;
                    granted = new Permit();
                } else if (queue.size() < maxQueued) {
                    waiter = new Waiter(sink);
                    queue.addLast(waiter);
                }
            }
            if (granted != null) {
                sink.success(granted.leased());
                return;
            }
            if (waiter == null) {
                rejected.incrementAndGet();
                sink.error(new OverloadedException("too many queries: " + maxConcurrent + " running and "
                        + maxQueued + " waiting"));
                return;
            }
            Waiter w = waiter;
            w.timeout = timer.schedule(w::expire, maxWait.toMillis(), TimeUnit.MILLISECONDS);
            sink.onCancel(w::cancel);
        });
    }

    /** Queries holding a permit now. */
    public synchronized int running() {
        return running;
    }

    /** Queries waiting for a permit now. */
    public synchronized int queued() {
        return queue.size();
    }

    /** Requests refused so far (queue full or waited too long). */
    public long rejected() {
        return rejected.get();
    }

    /** Permits taken back because their holder kept them longer than {@code maxHold} (a leak, if not zero). */
    public long expiredLeases() {
        return expiredLeases.get();
    }

    /** Hands free permits to waiters, oldest first. */
    private void drain() {
        while (true) {
            Waiter next;
            Permit permit;
            synchronized (this) {
                if (running >= maxConcurrent || queue.isEmpty()) {
                    return;
                }
                next = queue.pollFirst();
                permit = new Permit();
                next.permit = permit; // before the state says GRANTED: cancel() reads it then
                if (!next.state.compareAndSet(Waiter.WAITING, Waiter.GRANTED)) {
                    continue; // cancelled or expired meanwhile
                }
                running++;
            }
            next.timeout.dispose();
            next.sink.success(permit.leased());
        }
    }

    private void removeWaiter(Waiter w) {
        synchronized (this) {
            queue.remove(w);
        }
        drain();
    }

    /** A query's right to run; {@link #release()} it when the query ends (any further call does nothing). */
    public final class Permit {
        private final AtomicInteger released = new AtomicInteger();
        private volatile Disposable lease;

        Permit leased() {
            lease = timer.schedule(() -> {
                if (release()) {
                    expiredLeases.incrementAndGet();
                }
            }, maxHold.toMillis(), TimeUnit.MILLISECONDS);
            return this;
        }

        /** Gives the permit back; true the first time. */
        public boolean release() {
            if (!released.compareAndSet(0, 1)) {
                return false;
            }
            Disposable l = lease;
            if (l != null) {
                l.dispose();
            }
            synchronized (AdmissionControl.this) {
                running--;
            }
            drain();
            return true;
        }
    }

    private final class Waiter {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int GONE = 2;

        final MonoSink<Permit> sink;
        final AtomicInteger state = new AtomicInteger(WAITING);
        volatile Disposable timeout = Disposables.single();
        volatile Permit permit;

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        void expire() {
            if (state.compareAndSet(WAITING, GONE)) {
                removeWaiter(this);
                rejected.incrementAndGet();
                sink.error(new OverloadedException("no query slot within " + maxWait.toMillis() + " ms"));
            }
        }

        void cancel() {
            if (state.compareAndSet(WAITING, GONE)) {
                timeout.dispose();
                removeWaiter(this);
            } else if (state.get() == GRANTED && permit != null) {
                // Granted as the client went away: the permit may never reach anyone who would release it.
                permit.release();
            }
        }
    }
}
