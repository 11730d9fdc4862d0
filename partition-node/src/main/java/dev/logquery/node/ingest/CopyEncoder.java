package dev.logquery.node.ingest;

import dev.logquery.common.model.LogEntry;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import org.postgresql.copy.CopyIn;

/**
 * Streams rows into a PostgreSQL {@code COPY ... FROM STDIN (FORMAT binary)} through a fixed 64 KiB buffer, so a
 * batch never needs a second copy of itself in memory. Binary rather than text: the server parses no timestamp,
 * number or escape (measured: 19 % more rows per second of the server's time, docs/benchmarks.md "Ingest
 * options"), and no character of the data can read as a field end, a row end or NULL, so nothing is escaped.
 *
 * <p>Each field is its length (4 bytes, -1 for NULL) and the type's binary form: {@code timestamptz} microseconds
 * since 2000-01-01 UTC (8 bytes), {@code smallint}/{@code integer}/{@code bigint} big-endian, {@code text} UTF-8,
 * {@code jsonb} the version byte 1 and the JSON text. Strings must already be free of NUL
 * ({@link dev.logquery.common.codec.TextSanitizer}); an unpaired surrogate is written as U+FFFD, never as invalid
 * UTF-8. Attributes go into the {@code jsonb} column as a JSON object of strings, NULL when none.
 */
final class CopyEncoder {

    /** The columns of a row, in the order {@link #row} writes them. */
    static final String COLUMNS = "ts, service, level, namespace, pod, container, message, attributes, content_hash,"
            + " kafka_partition, kafka_offset";

    /** Rows straight into {@code logs} ({@link #row}). */
    static final String COPY_SQL = "COPY logs (" + COLUMNS + ") FROM STDIN (FORMAT binary)";

    /** The signature, flags (no OIDs) and header-extension length that start every binary COPY. */
    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0,
            0, 0, 0, 0, 0, 0, 0, 0};
    private static final short FIELDS = 11;
    /** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since 1970. */
    private static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;
    private static final byte JSONB_VERSION = 1;

    private static final int CAPACITY = 64 * 1024;

    private final CopyIn copy;
    private final byte[] buf = new byte[CAPACITY];
    private int pos;

    CopyEncoder(CopyIn copy) {
        this.copy = copy;
        System.arraycopy(HEADER, 0, buf, 0, HEADER.length);
        pos = HEADER.length;
    }

    /** A row of {@link #COPY_SQL}. */
    void row(LogEntry e, long contentHash, int kafkaPartition, long offset) throws SQLException {
        room(2 + 4 + 8); // field count; the timestamp's length and value
        putShort(FIELDS);
        putInt(8);
        putLong(micros(e.timestamp()));
        text(e.service());
        room(4 + 2);
        putInt(2);
        putShort(e.level().code());
        text(e.namespace());
        text(e.pod());
        text(e.container());
        text(e.message());
        attributes(e.attributes());
        room((4 + 8) + (4 + 4) + (4 + 8)); // content hash, Kafka partition, offset: each a length and a value
        putInt(8);
        putLong(contentHash);
        putInt(4);
        putInt(kafkaPartition);
        putInt(8);
        putLong(offset);
    }

    /** Ends the COPY (the trailer, then what is buffered); returns the rows the server stored. */
    long finish() throws SQLException {
        room(2);
        putShort((short) -1);
        flush();
        return copy.endCopy();
    }

    /** PostgreSQL's {@code timestamptz}: microseconds since its epoch (timestamps are whole microseconds). */
    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000)
                - POSTGRES_EPOCH_MICROS;
    }

    /** NULL for no attributes, else {@code jsonb}: its version byte and the JSON object's text. */
    private void attributes(Map<String, String> attributes) throws SQLException {
        if (attributes.isEmpty()) {
            room(4);
            putInt(-1);
            return;
        }
        utf8(json(attributes), true);
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

    /** A {@code text} field: its UTF-8 length and bytes; NULL for null. */
    private void text(String s) throws SQLException {
        if (s == null) {
            room(4);
            putInt(-1);
        } else {
            utf8(s, false);
        }
    }

    /**
     * A field of {@code s}'s UTF-8 bytes, after the {@code jsonb} version byte when {@code jsonb}. The length goes
     * first, so the bytes are written after a 4-byte hole that is filled once they are counted; a string that could
     * need more than the buffer (3 bytes per char at most) is encoded on its own first.
     */
    private void utf8(String s, boolean jsonb) throws SQLException {
        int prefix = jsonb ? 1 : 0;
        int most = 3 * s.length() + prefix;
        if (4 + most > CAPACITY) {
            byte[] bytes = new byte[most];
            int n = prefix;
            if (jsonb) {
                bytes[0] = JSONB_VERSION;
            }
            n = encode(s, bytes, n);
            room(4);
            putInt(n);
            for (int done = 0; done < n; ) {
                room(1);
                int chunk = Math.min(n - done, CAPACITY - pos);
                System.arraycopy(bytes, done, buf, pos, chunk);
                pos += chunk;
                done += chunk;
            }
            return;
        }
        room(4 + most);
        int lengthAt = pos;
        pos += 4;
        int from = pos;
        if (jsonb) {
            buf[pos++] = JSONB_VERSION;
        }
        pos = encode(s, buf, pos);
        int length = pos - from;
        buf[lengthAt] = (byte) (length >>> 24);
        buf[lengthAt + 1] = (byte) (length >>> 16);
        buf[lengthAt + 2] = (byte) (length >>> 8);
        buf[lengthAt + 3] = (byte) length;
    }

    /** Writes {@code s} as UTF-8 into {@code out} from {@code at} (room for 3 bytes per char); returns the end. */
    private static int encode(String s, byte[] out, int at) {
        int p = at;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
            } else if (c < 0x800) {
                out[p++] = (byte) (0xC0 | (c >> 6));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[p++] = (byte) (0xF0 | (cp >> 18));
                out[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                out[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                if (Character.isSurrogate(c)) {
                    c = '\uFFFD'; // unpaired: never produce invalid UTF-8
                }
                out[p++] = (byte) (0xE0 | (c >> 12));
                out[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    /** Makes room for {@code n} bytes ({@code n <= CAPACITY}) by sending what is buffered if needed. */
    private void room(int n) throws SQLException {
        if (CAPACITY - pos < n) {
            flush();
        }
    }

    private void putShort(short v) {
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(int v) {
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putLong(long v) {
        putInt((int) (v >>> 32));
        putInt((int) v);
    }

    private void flush() throws SQLException {
        if (pos > 0) {
            copy.writeToCopy(buf, 0, pos);
            pos = 0;
        }
    }
}
