package dev.logquery.coordinator.tail;

/**
 * Something a viewer's stream carries, already encoded as a server-sent event ({@link #frame()}).
 * {@link LiveLine}s and {@link Dropped} announcements pass through the viewer's bounded buffer
 * ({@link #buffered()}); other frames (the greeting, heartbeats, replayed lines) do not.
 */
public sealed interface TailEvent permits LiveLine, TailEvent.Dropped, TailEvent.Frame {

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
}
