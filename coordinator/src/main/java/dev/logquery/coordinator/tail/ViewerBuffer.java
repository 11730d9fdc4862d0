package dev.logquery.coordinator.tail;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The accounting of one viewer's bounded buffer. The tail reader (one thread) offers lines; the viewer's
 * stream gives a slot back for each buffered event it writes. A line that finds the buffer full is dropped
 * and counted; as soon as there is room again, an announcement ({@link TailEvent.Dropped} with the count)
 * takes one slot, ahead of the next line, so the viewer learns where and how many lines it lost. A viewer
 * never holds more than {@code capacity} buffered events, and never blocks the reader.
 *
 * <p>{@link #offer} and {@link #announceDrops} are called by one thread only; {@link #delivered} by any.
 */
final class ViewerBuffer {

    private final int capacity;
    private final AtomicInteger queued = new AtomicInteger();
    /** Lines dropped since the last announcement (reader thread only). */
    private long unannounced;

    ViewerBuffer(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("a viewer buffer needs room for a line and an announcement");
        }
        this.capacity = capacity;
    }

    /**
     * Emits a pending drop announcement if there is room for it, then the line if there is room for it.
     *
     * @return whether the line was emitted (false: it was dropped and counted)
     */
    boolean offer(TailEvent line, Consumer<TailEvent> emit) {
        announceDrops(emit);
        if (reserve()) {
            emit.accept(line);
            return true;
        }
        unannounced++;
        return false;
    }

    /** Emits the announcement of the lines dropped so far, when there is room for it. */
    void announceDrops(Consumer<TailEvent> emit) {
        if (unannounced > 0 && reserve()) {
            long n = unannounced;
            unannounced = 0;
            emit.accept(new TailEvent.Dropped(n));
        }
    }

    /** One buffered event was written to the viewer: its slot is free again. */
    void delivered() {
        delivered(1);
    }

    /** {@code slots} buffered events were written to the viewer (a {@link TailEvent.Batch}): their slots are free. */
    void delivered(int slots) {
        queued.addAndGet(-slots);
    }

    /** Buffered events not yet written. */
    int queued() {
        return queued.get();
    }

    /** Lines dropped and not announced yet. */
    long unannounced() {
        return unannounced;
    }

    private boolean reserve() {
        if (queued.get() >= capacity) { // only this thread adds, so the check cannot be overtaken
            return false;
        }
        queued.incrementAndGet();
        return true;
    }
}
