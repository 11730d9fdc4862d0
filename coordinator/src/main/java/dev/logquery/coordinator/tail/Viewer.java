package dev.logquery.coordinator.tail;

import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.concurrent.Queues;

/**
 * One viewer of the live tail: its filter, the first line it is owed ({@code fromSeq}), and its bounded
 * buffer. The tail reader offers every line on its one thread; the viewer's HTTP stream takes them out.
 * What a viewer costs is this object and the lines waiting in its buffer: no thread, consumer or connection.
 * The lines one batch of records brings it are gathered ({@link #offer}) and emitted together ({@link #flush}), so
 * that its connection gets them in one write and one flush instead of one per line.
 */
public final class Viewer {

    private final TailFilter filter;
    private final long fromSeq;
    private final ViewerBuffer buffer;
    private final TailMetrics metrics;
    /** Unbounded as a queue, bounded by {@link ViewerBuffer}'s accounting; emitted to by the reader thread only. */
    private final Sinks.Many<TailEvent> sink = Sinks.many().unicast().onBackpressureBuffer(Queues.<TailEvent>unbounded(16).get());
    /** Lines and announcements of the batch being published, not emitted yet (reader thread only; slots held). */
    private final List<TailEvent> pending = new ArrayList<>();

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
     * Reader thread: a line the viewer gets if it is owed and matches (gathered until {@link #flush}), or that is
     * dropped if the buffer is full.
     *
     * @return whether the viewer has events waiting for {@link #flush} now
     */
    boolean offer(LiveLine line) {
        if (line.seq() < fromSeq || !line.matches(filter)) {
            return !pending.isEmpty();
        }
        if (!buffer.offer(line, pending::add)) {
            metrics.dropped();
        }
        return !pending.isEmpty();
    }

    /** Reader thread, after a batch: what it brought the viewer leaves as one event. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        TailEvent event = pending.size() == 1 ? pending.get(0) : new TailEvent.Batch(pending);
        pending.clear();
        emit(event);
    }

    /** Reader thread: announces drops once the viewer has made room. */
    void announceDrops() {
        buffer.announceDrops(this::emit);
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
