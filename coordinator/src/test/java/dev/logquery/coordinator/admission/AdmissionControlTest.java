package dev.logquery.coordinator.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.admission.AdmissionControl.Permit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.scheduler.VirtualTimeScheduler;

class AdmissionControlTest {

    final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    final AdmissionControl admission = new AdmissionControl(2, 2, Duration.ofSeconds(5), Duration.ofMinutes(3), time);

    /** Subscribes to one acquire: what it got (a permit or an error) lands in the lists. */
    final class Request {
        final AtomicReference<Permit> permit = new AtomicReference<>();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final Disposable subscription;

        Request() {
            subscription = admission.acquire().subscribe(permit::set, error::set);
        }
    }

    @Test
    void runsUpToTheLimitQueuesUpToTheQueueAndRefusesTheRestAtOnce() {
        List<Request> r = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            r.add(new Request());
        }
        assertThat(r).extracting(x -> x.permit.get() != null).containsExactly(true, true, false, false, false);
        assertThat(r.get(4).error.get()).isInstanceOf(OverloadedException.class).hasMessageContaining("2 running and 2 waiting");
        assertThat(admission.running()).isEqualTo(2);
        assertThat(admission.queued()).isEqualTo(2);

        r.get(0).permit.get().release();
        assertThat(r.get(2).permit.get()).as("first come, first served").isNotNull();
        assertThat(r.get(3).permit.get()).isNull();
        assertThat(r.get(0).permit.get().release()).as("a second release does nothing").isFalse();
        assertThat(admission.running()).isEqualTo(2);
        assertThat(admission.queued()).isEqualTo(1);
        assertThat(admission.rejected()).isEqualTo(1);
    }

    @Test
    void aWaiterWhoseTimeRunsOutIsRefusedAndLeavesTheQueue() {
        new Request();
        new Request();
        Request waiting = new Request();
        time.advanceTimeBy(Duration.ofMillis(4_999));
        assertThat(waiting.error.get()).isNull();
        time.advanceTimeBy(Duration.ofMillis(1));
        assertThat(waiting.error.get()).isInstanceOf(OverloadedException.class).hasMessageContaining("5000 ms");
        assertThat(admission.queued()).isZero();
    }

    @Test
    void aCancelledWaiterLeavesTheQueueAndItsTurnGoesToTheNext() {
        Request a = new Request();
        new Request();
        Request gone = new Request();
        Request next = new Request();
        gone.subscription.dispose(); // its client went away
        assertThat(admission.queued()).isEqualTo(1);
        a.permit.get().release();
        assertThat(gone.permit.get()).isNull();
        assertThat(next.permit.get()).isNotNull();
        assertThat(admission.running()).isEqualTo(2);
    }

    @Test
    void aLostPermitIsTakenBackWhenItsLeaseExpires() {
        new Request();
        Request b = new Request();
        Request waiting = new Request();
        time.advanceTimeBy(Duration.ofSeconds(4)); // not long enough for the wait to fail...
        assertThat(waiting.permit.get()).isNull();
        b.permit.get().release();
        assertThat(waiting.permit.get()).isNotNull();
        time.advanceTimeBy(Duration.ofMinutes(3)); // ...but the first permit is never released: its lease ends
        assertThat(admission.expiredLeases()).isEqualTo(2); // the first one's and the waiter's
        assertThat(admission.running()).isZero();
    }

    @Test
    void manyThreadsAcquiringAndReleasingNeverExceedTheLimitAndLeaveNothingBehind() throws Exception {
        AdmissionControl shared = new AdmissionControl(3, 1_000, Duration.ofMinutes(1), Duration.ofMinutes(5), time);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        int[] maxSeen = new int[1];
        for (int t = 0; t < 8; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    Permit p = shared.acquire().block(Duration.ofSeconds(10));
                    synchronized (maxSeen) {
                        maxSeen[0] = Math.max(maxSeen[0], shared.running());
                    }
                    if (!p.release()) {
                        failures.add(new AssertionError("released twice"));
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertThat(failures).isEmpty();
        assertThat(maxSeen[0]).isLessThanOrEqualTo(3);
        assertThat(shared.running()).isZero();
        assertThat(shared.queued()).isZero();
    }
}
