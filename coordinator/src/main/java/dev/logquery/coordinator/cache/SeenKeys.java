package dev.logquery.coordinator.cache;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cache keys asked for recently, so that only answers to queries asked more than once are stored (what a
 * dashboard refreshes, what several people open): an answer to a query nobody repeats (a random window, an
 * exploration) would cost its encoding, a Redis write and Redis memory for nothing. Two Guava bloom filters of
 * {@code capacity} keys each, a fixed size in bytes (about 1.2 bytes per key at 1 % false positives): keys go into
 * the current one; when it holds {@code capacity}, it becomes the previous one and a fresh one starts, so a key is
 * remembered for between one and two capacities of later keys. A false positive stores an answer on its first
 * request, as without this. Thread-safe (Guava's filters are; a key lost in a concurrent swap is asked again).
 */
final class SeenKeys {

    private final int capacity;
    private final AtomicInteger inCurrent = new AtomicInteger();
    private volatile BloomFilter<CharSequence> current;
    private volatile BloomFilter<CharSequence> previous;

    SeenKeys(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.current = fresh();
        this.previous = fresh();
    }

    /** Whether {@code key} was seen before; it counts as seen from now on. */
    boolean seenBefore(String key) {
        if (current.mightContain(key) || previous.mightContain(key)) {
            return true;
        }
        current.put(key);
        if (inCurrent.incrementAndGet() >= capacity) {
            synchronized (this) {
                if (inCurrent.get() >= capacity) {
                    previous = current;
                    current = fresh();
                    inCurrent.set(0);
                }
            }
        }
        return false;
    }

    private BloomFilter<CharSequence> fresh() {
        return BloomFilter.create(Funnels.stringFunnel(StandardCharsets.UTF_8), capacity, 0.01);
    }
}
