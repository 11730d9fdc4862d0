package dev.logquery.node.ingest;

/**
 * Waits between attempts of something that is never given up (reading the stored state, a consumer's life, a
 * batch write): 100 ms, doubling up to {@value #MAX_MS} ms, so that a short glitch costs little and a long
 * outage is not hammered. Used by one thread at a time.
 */
final class Backoff {

    static final long FIRST_MS = 100;
    static final long MAX_MS = 5_000;

    private long next = FIRST_MS;

    /** The wait before the next attempt; each call doubles the one after, up to {@link #MAX_MS}. */
    long next() {
        long wait = next;
        next = Math.min(next * 2, MAX_MS);
        return wait;
    }

    /** An attempt succeeded: the next failure waits {@link #FIRST_MS} again. */
    void reset() {
        next = FIRST_MS;
    }
}
