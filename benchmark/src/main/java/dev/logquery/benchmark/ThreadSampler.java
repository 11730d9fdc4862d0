package dev.logquery.benchmark;

import dev.logquery.testkit.App;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A forked application's thread count (from /proc), sampled every 100 ms; the maximum seen. */
final class ThreadSampler {

    private final App process;
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    volatile int max;

    ThreadSampler(App process) {
        this.process = process;
    }

    void start() {
        clock.scheduleAtFixedRate(() -> max = Math.max(max, ProcStatus.threads(process)), 0, 100, TimeUnit.MILLISECONDS);
    }

    void stop() {
        clock.shutdownNow();
    }
}
