package dev.logquery.coordinator.tail;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One viewer of the live tail: its filter, the first line it is owed ({@code fromSeq}), and its bounded
 * buffer. The tail reader offers every line on its one thread; the viewer's HTTP stream takes them out.
 * What a viewer costs is this object and the lines waiting in its buffer: no thread, consumer or connection.
 * The lines one batch of records brings it leave together ({@link #offer}), so that its connection gets them in
 * one write and one flush instead of one per line.
 */
public final class Viewer {

    private final TailFilter filter;
    private final long fromSeq;
    private final ViewerBuffer buffer;
    private final TailMetrics metrics;
    /** Unbounded as a queue, bounded by {@link ViewerBuffer}'s accounting; emitted to by the reader thread only. */
    private final Sinks.Many<TailEvent> sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<TailEvent>unbounded(16).get());
    /** Lines and announcements of the batch being offered, not emitted yet (reader thread only; slots held). */
    private final List<TailEvent> pending = new ArrayList<>();
    private final Consumer<TailEvent> gather = pending::add;
    private volatile boolean gone;

    Viewer(TailFilter filter, long fromSeq, int bufferCapacity, TailMetrics metrics) {
        this.filter = filter;
        this.fromSeq = fromSeq;
        this.buffer = new ViewerBuffer(bufferCapacity);
        this.metrics = metrics;
    }

    public TailFilter filter() {
        return filter;
    }

    /** The sequence number of the first live line this viewer gets; earlier lines are the replay's business. */
    public long fromSeq() {
        return fromSeq;
    }

    /**
     * The viewer's live events (lines and drop announcements) in the order the reader received them; subscribe
     * once. Call {@link #written} for each buffered event once it is handed to the connection.
     */
    public Flux<TailEvent> live() {
        return sink.asFlux();
    }

    /** The event left the stream for the connection: its buffer slot is free, and a line's delay is recorded. */
    public void written(TailEvent event) {
        if (!event.buffered()) {
            return;
        }
        buffer.delivered(event.slots());
        for (TailEvent e : event.events()) {
            if (e instanceof LiveLine line) {
                metrics.delivered(line);
            }
        }
    }

    /**
     * Reader thread: the lines of one batch of records that may be this viewer's, in order. The owed lines that
     * match leave as one event (a line dropped when the buffer is full is counted instead); when that is every line
     * offered, the viewer sends {@code whole}, the event of all of them that viewers with the same lines share.
     *
     * @return whether the viewer owes an announcement of dropped lines (to be made by {@link #announceDrops})
     */
    boolean offer(List<LiveLine> lines, TailEvent whole) {
        int taken = 0;
        for (int i = 0; i < lines.size(); i++) {
            LiveLine line = lines.get(i);
            if (line.seq() < fromSeq || !line.matches(filter)) {
                continue;
            }
            if (buffer.offer(line, gather)) {
                taken++;
            } else {
                metrics.dropped();
            }
        }
        if (!pending.isEmpty()) {
            boolean everyLine = taken == lines.size() && pending.size() == taken; // no announcement either
            emit(everyLine ? whole : TailEvent.together(pending));
            pending.clear();
        }
        return buffer.unannounced() > 0;
    }

    /**
     * Reader thread: announces drops once the viewer has made room.
     *
     * @return whether it still owes an announcement (no room yet)
     */
    boolean announceDrops() {
        buffer.announceDrops(this::emit);
        return buffer.unannounced() > 0;
    }

    /** The viewer was unregistered: nothing more is offered to it. */
    void leave() {
        gone = true;
    }

    boolean gone() {
        return gone;
    }

    /** Reader thread (or the closing thread once the reader stopped): no more lines. */
    void complete() {
        sink.tryEmitComplete();
    }

    private void emit(TailEvent event) {
        Sinks.EmitResult result = sink.tryEmitNext(event);
        if (result.isFailure()) {
            buffer.delivered(event.slots()); // cancelled: nobody will write it, give the slots back
        }
    }
}
