package dev.logquery.coordinator.support;

// Copied from partition-node test support (test sources are not shared between modules).

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes; every wait in the tests is bounded. */
public final class Await {

    private Await() {
    }

    public static <T> T until(Duration timeout, String what, Callable<T> value, java.util.function.Predicate<T> done)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = value.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last value: " + last);
            }
            Thread.sleep(100);
            last = value.call();
        }
        return last;
    }
}
