package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Turns a node's NDJSON answer, arriving in buffers cut anywhere, into rows: each line's bytes go straight
 * to {@link EntryJson#fromJson(byte[], int, int)}. (Spring's {@code StringDecoder} matched delimiters byte by
 * byte through a generic matcher, made a {@code String} of each line and the parser encoded it back to
 * bytes: a fifth of the coordinator's CPU per query.)
 *
 * <p>A line cut by a buffer boundary is carried to the next buffer; a line longer than
 * {@code maxLineBytes} fails with {@link DataBufferLimitException}, an unreadable one with
 * {@link dev.logquery.common.query.InvalidFieldException}; blank lines are skipped. One instance
 * reads one response, buffers in order, from one thread at a time (a Reactor operator's guarantee).
 */
final class NdjsonRows {

    private final int maxLineBytes;
    /** The start of a line whose end has not arrived yet. */
    private byte[] carry = new byte[0];
    private int carryLength;

    NdjsonRows(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /** The rows completed by {@code buffer}, which is released. */
    List<StoredLogEntry> next(DataBuffer buffer) {
        byte[] bytes;
        try {
            bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
        } finally {
            DataBufferUtils.release(buffer);
        }
        List<StoredLogEntry> rows = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            if (carryLength > 0) {
                keep(bytes, start, i - start);
                add(rows, carry, 0, carryLength);
                carryLength = 0;
            } else {
                add(rows, bytes, start, i - start);
            }
            start = i + 1;
        }
        keep(bytes, start, bytes.length - start);
        return rows;
    }

    /** The last row when the body did not end with a line break (none otherwise). */
    List<StoredLogEntry> end() {
        List<StoredLogEntry> rows = new ArrayList<>(1);
        add(rows, carry, 0, carryLength);
        carryLength = 0;
        return rows;
    }

    private void keep(byte[] bytes, int from, int length) {
        if (length == 0) {
            return;
        }
        if (carryLength + length > maxLineBytes) {
            throw new DataBufferLimitException("a row of the node's answer exceeds " + maxLineBytes + " bytes");
        }
        if (carryLength + length > carry.length) {
            carry = Arrays.copyOf(carry, Math.min(maxLineBytes, Math.max(carryLength + length, 2 * carry.length)));
        }
        System.arraycopy(bytes, from, carry, carryLength, length);
        carryLength += length;
    }

    private static void add(List<StoredLogEntry> rows, byte[] bytes, int from, int length) {
        if (!isBlank(bytes, from, length)) {
            rows.add(EntryJson.fromJson(bytes, from, length));
        }
    }

    private static boolean isBlank(byte[] bytes, int from, int length) {
        for (int i = from; i < from + length; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
