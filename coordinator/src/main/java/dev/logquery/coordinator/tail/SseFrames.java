package dev.logquery.coordinator.tail;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.api.ResponseJson;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The server-sent events of {@code GET /api/tail}, as bytes:
 *
 * <pre>
 * : connected                      once, when the viewer is registered (lines sent after it are its to see)
 * id: 4:118812                     a line: Kafka partition and offset, then the entry in the query API's shape
 * data: {"timestamp":"...","service":"...","level":"ERROR",...,"partition":1}
 * event: dropped                   the viewer read too slowly and lost this many lines here
 * data: {"dropped":17}
 * event: replayed                  after a {@code since} replay: how many lines it sent, whether a shard failed
 * data: {"lines":100,"partial":false}
 * : heartbeat                      at a fixed interval
 * </pre>
 *
 * Each event ends with a blank line. The JSON of an entry never holds a raw line break.
 */
public final class SseFrames {

    public static final byte[] CONNECTED = ascii(": connected\n\n");
    public static final byte[] HEARTBEAT = ascii(": heartbeat\n\n");

    private SseFrames() {
    }

    /** A line: {@code id: <kafkaPartition>:<offset>} and {@code data: <entry JSON>}. */
    public static byte[] line(StoredLogEntry row) {
        byte[] json = ResponseJson.logLine(row); // ends with '\n'
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 40);
        out.writeBytes(ascii("id: " + row.kafkaPartition() + ":" + row.offset() + "\ndata: "));
        out.writeBytes(json);
        out.write('\n');
        return out.toByteArray();
    }

    public static byte[] dropped(long count) {
        return ascii("event: dropped\ndata: {\"dropped\":" + count + "}\n\n");
    }

    public static byte[] replayed(int lines, boolean partial) {
        return ascii("event: replayed\ndata: {\"lines\":" + lines + ",\"partial\":" + partial + "}\n\n");
    }

    /** The last event of a stream that could not be registered after all (the viewer limit was reached meanwhile). */
    public static byte[] tooManyViewers(int maxViewers) {
        return ascii("event: error\ndata: {\"status\":429,\"detail\":\"more than " + maxViewers
                + " viewers; retry later\"}\n\n");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
