package dev.logquery.coordinator.tail;

import dev.logquery.common.model.StoredLogEntry;

/**
 * One line as the tail reader received it from Kafka, shared by every viewer it is sent to: the entry with
 * where it came from, its Kafka record timestamp, and its event frame, encoded once for all viewers.
 * {@code seq} numbers the lines in the order the reader received them, across partitions.
 */
public final class LiveLine implements TailEvent {

    private final long seq;
    private final StoredLogEntry row;
    private final long recordTimestampMs;
    private final byte[] frame;
    /** The message in lower case, computed by the first {@code contains} filter that needs it (a benign race). */
    private String lowerMessage;

    public LiveLine(long seq, StoredLogEntry row, long recordTimestampMs, byte[] frame) {
        this.seq = seq;
        this.row = row;
        this.recordTimestampMs = recordTimestampMs;
        this.frame = frame;
    }

    public long seq() {
        return seq;
    }

    public StoredLogEntry row() {
        return row;
    }

    /** The Kafka record's timestamp (the producer's send time, or the broker's append time), epoch milliseconds. */
    /**
     * What keeping this line costs in memory, estimated: its frame plus its entry's strings (about the frame's
     * size again) plus the objects around them.
     */
    public long estimatedBytes() {
        return 2L * frame.length + 256;
    }

    public long recordTimestampMs() {
        return recordTimestampMs;
    }

    @Override
    public byte[] frame() {
        return frame;
    }

    @Override
    public boolean buffered() {
        return true;
    }

    public boolean matches(TailFilter filter) {
        return filter.matches(row.entry(), this::lowerMessage);
    }

    String lowerMessage() {
        String s = lowerMessage;
        if (s == null) {
            s = TailFilter.lower(row.entry().message());
            lowerMessage = s;
        }
        return s;
    }
}
