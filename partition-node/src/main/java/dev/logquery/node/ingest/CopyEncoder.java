package dev.logquery.node.ingest;

import dev.logquery.common.model.LogEntry;
import java.sql.SQLException;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into a PostgreSQL {@code COPY ... FROM STDIN} (text format) through a fixed 64 KiB
 * buffer, so a batch never needs a second copy of itself in memory. Strings must already be free of NUL
 * and unpaired surrogates ({@link dev.logquery.common.codec.TextSanitizer}).
 */
final class CopyEncoder {

    static final String COPY_SQL = "COPY logs (ts, service, level, namespace, pod, container, message,"
            + " kafka_partition, kafka_offset) FROM STDIN";

    private static final int CAPACITY = 64 * 1024;

    private final CopyIn copy;
    private final byte[] buf = new byte[CAPACITY];
    private int pos;

    CopyEncoder(CopyIn copy) {
        this.copy = copy;
    }

    void row(LogEntry e, int kafkaPartition, long offset) throws SQLException {
        ascii(e.timestamp().toString());
        tab();
        text(e.service());
        tab();
        ascii(Integer.toString(e.level().code()));
        tab();
        nullable(e.namespace());
        tab();
        nullable(e.pod());
        tab();
        nullable(e.container());
        tab();
        text(e.message());
        tab();
        ascii(Integer.toString(kafkaPartition));
        tab();
        ascii(Long.toString(offset));
        put((byte) '\n');
    }

    long finish() throws SQLException {
        flush();
        return copy.endCopy();
    }

    private void tab() throws SQLException {
        put((byte) '\t');
    }

    private void nullable(String s) throws SQLException {
        if (s == null) {
            put((byte) '\\');
            put((byte) 'N');
        } else {
            text(s);
        }
    }

    private void ascii(String s) throws SQLException {
        for (int i = 0; i < s.length(); i++) {
            put((byte) s.charAt(i));
        }
    }

    /** UTF-8 with COPY text escapes for backslash, newline, carriage return and tab. */
    private void text(String s) throws SQLException {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '\\' -> {
                        put((byte) '\\');
                        put((byte) '\\');
                    }
                    case '\n' -> {
                        put((byte) '\\');
                        put((byte) 'n');
                    }
                    case '\r' -> {
                        put((byte) '\\');
                        put((byte) 'r');
                    }
                    case '\t' -> {
                        put((byte) '\\');
                        put((byte) 't');
                    }
                    default -> put((byte) c);
                }
            } else if (c < 0x800) {
                put((byte) (0xC0 | (c >> 6)));
                put((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                put((byte) (0xF0 | (cp >> 18)));
                put((byte) (0x80 | ((cp >> 12) & 0x3F)));
                put((byte) (0x80 | ((cp >> 6) & 0x3F)));
                put((byte) (0x80 | (cp & 0x3F)));
            } else {
                if (Character.isSurrogate(c)) {
                    c = '\uFFFD'; // unpaired: never produce invalid UTF-8
                }
                put((byte) (0xE0 | (c >> 12)));
                put((byte) (0x80 | ((c >> 6) & 0x3F)));
                put((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    private void put(byte b) throws SQLException {
        if (pos == CAPACITY) {
            flush();
        }
        buf[pos++] = b;
    }

    private void flush() throws SQLException {
        if (pos > 0) {
            copy.writeToCopy(buf, 0, pos);
            pos = 0;
        }
    }
}
