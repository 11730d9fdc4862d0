package dev.logquery.common.query;

import dev.logquery.common.codec.Rfc3339;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The opaque {@code nextCursor}: the position of the last row returned plus a fingerprint of the
 * query's filters, base64url-encoded. A cursor only decodes for the filters it was made for, so a
 * cursor sent with other filters is refused rather than silently paging something else. It is not a
 * secret and not signed: tampering yields at worst a valid position of the caller's own query.
 */
public final class CursorCodec {

    private static final int VERSION = 1;

    private CursorCodec() {
    }

    public static String encode(LogQuery query, LogQuery.Position last) {
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + 4 + 8 + 4);
        b.put((byte) VERSION);
        b.putLong(last.timestamp().getEpochSecond());
        b.putInt(last.timestamp().getNano());
        b.putInt(last.kafkaPartition());
        b.putLong(last.offset());
        b.putInt(fingerprint(query));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The position in {@code cursor}, or empty when it does not decode or belongs to other filters. */
    public static Optional<LogQuery.Position> decode(String cursor, LogQuery query) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (bytes.length != 29 || bytes[0] != VERSION) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, 28);
        long seconds = b.getLong();
        int nanos = b.getInt();
        int partition = b.getInt();
        long offset = b.getLong();
        int fingerprint = b.getInt();
        if (fingerprint != fingerprint(query) || nanos < 0 || nanos > 999_999_999 || partition < 0 || offset < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LogQuery.Position(Instant.ofEpochSecond(seconds, nanos), partition, offset));
        } catch (java.time.DateTimeException e) {
            return Optional.empty();
        }
    }

    /** A checksum of every filter (not the limit, not the position): pages of one query share it. */
    static int fingerprint(LogQuery q) {
        String filters = String.join("\u0000", Rfc3339.format(q.startTime()), Rfc3339.format(q.endTime()),
                Objects.toString(q.service(), "-"), q.levels() == null ? "-" : Integer.toString(q.levels().bits()),
                Objects.toString(q.namespace(), "-"), Objects.toString(q.pod(), "-"), Objects.toString(q.contains(), "-"));
        if (q.attributes() != null) { // appended only when filtered, so that earlier cursors still decode
            StringBuilder b = new StringBuilder(filters);
            q.attributes().forEach((k, v) -> b.append('\u0000').append(k.length()).append(':').append(k).append('=').append(v));
            filters = b.toString();
        }
        CRC32C crc = new CRC32C();
        crc.update(filters.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }
}
