package dev.logquery.coordinator.tail;

import java.util.List;

/**
 * Something a viewer's stream carries, already encoded as a server-sent event ({@link #frame()}).
 * {@link LiveLine}s and {@link Dropped} announcements pass through the viewer's bounded buffer
 * ({@link #buffered()}); other frames (the greeting, heartbeats, replayed lines) do not. The lines and
 * announcements one batch of Kafka records brings a viewer travel as one {@link Batch}: one write and one flush.
 */
public sealed interface TailEvent permits LiveLine, TailEvent.Dropped, TailEvent.Frame, TailEvent.Batch {

    /** The UTF-8 bytes of the event, ending with the blank line that ends an event. */
    byte[] frame();

    /** Whether the event took a slot of the viewer's buffer, to be given back when it is written. */
    boolean buffered();

    /** {@code event: dropped} with {@code {"dropped": n}}: the viewer lost {@code n} lines here. */
    record Dropped(long count) implements TailEvent {
        @Override
        public byte[] frame() {
            return SseFrames.dropped(count);
        }

        @Override
        public boolean buffered() {
            return true;
        }
    }

    /** Any other frame. */
    record Frame(byte[] frame) implements TailEvent {
        @Override
        public boolean buffered() {
            return false;
        }
    }

    /** The buffer slots the event holds until it is written: one for a line or an announcement. */
    default int slots() {
        return buffered() ? 1 : 0;
    }

    /** Buffered events that leave together as one: the event itself when there is one, else their {@link Batch}. */
    static TailEvent together(List<? extends TailEvent> events) {
        return events.size() == 1 ? events.get(0) : new Batch(events);
    }

    /** The event as the lines and announcements it carries, in order (itself, unless it is a {@link Batch}). */
    default List<TailEvent> events() {
        return List.of(this);
    }

    /**
     * Lines and drop announcements that were ready for one viewer at the same moment (from one batch of Kafka
     * records), written to its connection as one frame: their frames one after the other, joined once when the
     * batch is made (viewers that get the same lines share one batch).
     */
    record Batch(List<TailEvent> events, byte[] frame) implements TailEvent {

        public Batch(List<? extends TailEvent> events) {
            this(List.<TailEvent>copyOf(events), joined(events));
        }

        private static byte[] joined(List<? extends TailEvent> events) {
            int size = 0;
            for (TailEvent e : events) {
                size += e.frame().length;
            }
            byte[] all = new byte[size];
            int at = 0;
            for (TailEvent e : events) {
                byte[] f = e.frame();
                System.arraycopy(f, 0, all, at, f.length);
                at += f.length;
            }
            return all;
        }

        @Override
        public boolean buffered() {
            return true;
        }

        @Override
        public int slots() {
            return events.size();
        }
    }
}
