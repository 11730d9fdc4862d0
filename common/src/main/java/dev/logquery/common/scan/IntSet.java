package dev.logquery.common.scan;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A set of non-negative ints (packed {@link Trigrams}) with open addressing and no boxing: what the indexer collects
 * per block before anything goes into a bloom filter, so each distinct trigram is hashed into the filter once, and
 * the filter is sized to the block's distinct trigrams. Not thread-safe.
 */
public final class IntSet {

    private static final int EMPTY = -1;
    private int[] slots;
    private int size;

    public IntSet(int expected) {
        int capacity = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        slots = new int[capacity];
        Arrays.fill(slots, EMPTY);
    }

    /** Adds {@code value} ({@code >= 0}); true if it was not there. */
    public boolean add(int value) {
        int mask = slots.length - 1;
        int i = mix(value) & mask;
        while (true) {
            int s = slots[i];
            if (s == value) {
                return false;
            }
            if (s == EMPTY) {
                slots[i] = value;
                if (++size * 2 > slots.length) {
                    grow();
                }
                return true;
            }
            i = (i + 1) & mask;
        }
    }

    public boolean contains(int value) {
        int mask = slots.length - 1;
        int i = mix(value) & mask;
        while (true) {
            int s = slots[i];
            if (s == value) {
                return true;
            }
            if (s == EMPTY) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }

    public int size() {
        return size;
    }

    public void forEach(IntConsumer action) {
        for (int s : slots) {
            if (s != EMPTY) {
                action.accept(s);
            }
        }
    }

    /** Adds every value of {@code other}. */
    public void addAll(IntSet other) {
        for (int s : other.slots) {
            if (s != EMPTY) {
                add(s);
            }
        }
    }

    /** The values, in no particular order. */
    public int[] toArray() {
        int[] out = new int[size];
        int k = 0;
        for (int s : slots) {
            if (s != EMPTY) {
                out[k++] = s;
            }
        }
        return out;
    }

    private void grow() {
        int[] old = slots;
        slots = new int[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (int s : old) {
            if (s != EMPTY) {
                add(s);
            }
        }
    }

    private static int mix(int v) {
        int h = v * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
