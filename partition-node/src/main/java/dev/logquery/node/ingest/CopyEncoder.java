package dev.logquery.node.ingest;

import dev.logquery.common.model.LogEntry;
import java.sql.SQLException;
import java.util.Map;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into a PostgreSQL {@code COPY ... FROM STDIN} (text format) through a fixed 64 KiB
 * buffer, so a batch never needs a second copy of itself in memory. Strings must already be free of NUL
 * and unpaired surrogates ({@link dev.logquery.common.codec.TextSanitizer}). Attributes go into the
 * {@code jsonb} column as a JSON object of strings (JSON escapes first, then COPY's), {@code \N} when none.
 */
final class CopyEncoder {

    /** The columns of a row, in the order {@link #row} writes them. */
    static final String COLUMNS = "ts, service, level, namespace, pod, container, message, attributes, content_hash,"
            + " kafka_partition, kafka_offset";

    /** Rows straight into {@code logs} ({@link #row}). */
    static final String COPY_SQL = "COPY logs (" + COLUMNS + ") FROM STDIN";

    private static final int CAPACITY = 64 * 1024;

    private final CopyIn copy;
    private final byte[] buf = new byte[CAPACITY];
    private int pos;

    CopyEncoder(CopyIn copy) {
        this.copy = copy;
    }

    /** A row of {@link #COPY_SQL}. */
    void row(LogEntry e, long contentHash, int kafkaPartition, long offset) throws SQLException {
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
        attributes(e.attributes());
        tab();
        ascii(Long.toString(contentHash));
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

    /** {@code \N} for no attributes, else the JSON object's text, COPY-escaped. */
    private void attributes(Map<String, String> attributes) throws SQLException {
        if (attributes.isEmpty()) {
            nullable(null);
            return;
        }
        text(json(attributes));
    }

    /** A JSON object of the given string pairs, in the map's order (what PostgreSQL's {@code jsonb} input reads). */
    static String json(Map<String, String> attributes) {
        StringBuilder b = new StringBuilder(32 * attributes.size() + 2).append('{');
        boolean first = true;
        for (Map.Entry<String, String> a : attributes.entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            jsonString(b, a.getKey());
            b.append(':');
            jsonString(b, a.getValue());
        }
        return b.append('}').toString();
    }

    /**
     * A JSON string: quote, backslash and control characters escaped (a NUL, which
     * {@code jsonb} would refuse, becomes U+FFFD as in every stored text); everything else as it is.
     */
    private static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\u0000' -> b.append('\uFFFD');
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
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
