package dev.logquery.gateway.ingest;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.xerial.snappy.Snappy;

/**
 * Undoes a body's compression within a bound: {@code Content-Encoding: gzip} (streamed, counting, so that a gzip
 * bomb is never inflated beyond the limit) and the raw snappy block format of Loki's protobuf push (whose header
 * states the uncompressed length, checked before anything is inflated). Malformed input: 400 naming it; beyond the
 * limit: 413.
 */
public final class Bodies {

    private Bodies() {
    }

    /**
     * The body with its {@code Content-Encoding} undone: none, {@code identity} or {@code gzip} (also
     * {@code x-gzip}); anything else: 415.
     */
    public static byte[] decode(byte[] body, String contentEncoding, long maxUncompressed) {
        String encoding = contentEncoding == null ? "" : contentEncoding.strip().toLowerCase(Locale.ROOT);
        return switch (encoding) {
            case "", "identity" -> {
                if (body.length > maxUncompressed) {
                    throw tooLarge(maxUncompressed);
                }
                yield body;
            }
            case "gzip", "x-gzip" -> gunzip(body, maxUncompressed);
            default -> throw PushFailure.unsupported("Content-Encoding " + contentEncoding
                    + " is not supported: send gzip or no Content-Encoding");
        };
    }

    /** Inflates gzip {@code body}, never more than {@code max} bytes of it. */
    public static byte[] gunzip(byte[] body, long max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(max, Math.max(1024L, body.length * 4L)));
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body), 64 * 1024)) {
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                total += n;
                if (total > max) {
                    throw tooLarge(max);
                }
                out.write(chunk, 0, n);
            }
        } catch (ZipException | EOFException e) {
            throw PushFailure.badRequest("the gzip body is malformed: " + message(e));
        } catch (IOException e) {
            throw PushFailure.badRequest("the gzip body cannot be read: " + message(e));
        }
        return out.toByteArray();
    }

    /** Uncompresses a raw snappy block (no framing), checking its stated length against {@code max} first. */
    public static byte[] unsnappy(byte[] body, long max) {
        int length;
        try {
            length = Snappy.uncompressedLength(body);
        } catch (IOException | RuntimeException e) {
            throw PushFailure.badRequest("the body is not snappy-compressed (raw block format): " + message(e));
        }
        if (length < 0 || length > max) {
            throw tooLarge(max);
        }
        try {
            if (!Snappy.isValidCompressedBuffer(body)) {
                throw PushFailure.badRequest("the body is not valid snappy-compressed data (raw block format)");
            }
            return Snappy.uncompress(body);
        } catch (IOException e) {
            throw PushFailure.badRequest("the body is not valid snappy-compressed data (raw block format): "
                    + message(e));
        }
    }

    private static PushFailure tooLarge(long max) {
        return PushFailure.tooLarge("the uncompressed body exceeds " + max
                + " bytes (logquery.gateway.max-uncompressed-bytes)");
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
