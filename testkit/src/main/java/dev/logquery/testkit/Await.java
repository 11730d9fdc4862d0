package dev.logquery.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Every wait of the tests: on a condition, never on the clock alone, and always bounded. {@link #until} polls an
 * observable until it shows what the test waits for; {@link #stillAfter} is the bounded "nothing arrives" check,
 * which watches the signal that would show an arrival for a given time (a count that would grow, a flag that
 * would be set) and fails as soon as it shows one.
 */
public final class Await {

    private static final long POLL_MS = 50;

    private Await() {
    }

    /** Polls {@code value} until {@code done} holds and returns that value; fails after {@code timeout}. */
    public static <T> T until(Duration timeout, String what, Callable<T> value, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = value.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last value: " + last);
            }
            Thread.sleep(POLL_MS);
            last = value.call();
        }
        return last;
    }

    /**
     * Polls {@code value} until {@code done} holds or {@code timeout} passed, and returns the last value either
     * way: for a benchmark, which reports what it saw (viewers connected, threads left after they went) where a
     * test would fail.
     */
    public static <T> T upTo(Duration timeout, Callable<T> value, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = value.call();
        while (!done.test(last) && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
            last = value.call();
        }
        return last;
    }

    /** Waits until {@code condition} is true; fails after {@code timeout}. */
    public static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        until(timeout, what, condition, Boolean::booleanValue);
    }

    /**
     * Watches {@code value} for {@code window} and fails as soon as {@code arrived} holds for it: the bounded form
     * of "nothing more arrives" (a duplicate row, a line a viewer must not see). Returns the last value seen.
     */
    public static <T> T stillAfter(Duration window, String what, Callable<T> value, Predicate<T> arrived)
            throws Exception {
        long deadline = System.nanoTime() + window.toNanos();
        T last = value.call();
        while (System.nanoTime() < deadline) {
            if (arrived.test(last)) {
                throw new AssertionError("expected no " + what + " within " + window + " but saw: " + last);
            }
            Thread.sleep(POLL_MS);
            last = value.call();
        }
        if (arrived.test(last)) {
            throw new AssertionError("expected no " + what + " within " + window + " but saw: " + last);
        }
        return last;
    }
}
