package dev.logquery.gateway.loki;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.logquery.common.query.JsonSupport;
import dev.logquery.gateway.ingest.PushFailure;
import dev.logquery.gateway.ingest.RawLine;
import dev.logquery.gateway.ingest.LabelSetParser;
import dev.logquery.gateway.loki.proto.EntryAdapter;
import dev.logquery.gateway.loki.proto.LabelPairAdapter;
import dev.logquery.gateway.loki.proto.PushRequest;
import dev.logquery.gateway.loki.proto.StreamAdapter;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads Loki's push request, {@code POST /loki/api/v1/push}: JSON
 * {@code {"streams":[{"stream":{"label":"value"},"values":[["<unix ns>","<line>",{"key":"value"}]]}]}} (the third
 * element, structured metadata, is optional) or the protobuf {@code PushRequest} (its snappy already undone).
 * Anything malformed: a 400 {@link PushFailure} naming where ({@code streams[2].values[5][0]}) and what.
 */
public final class LokiPushDecoder {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LokiPushDecoder() {
    }

    public static List<RawLine> json(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw PushFailure.badRequest("the body is not valid JSON: " + JsonSupport.firstLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw PushFailure.badRequest("the body must be a JSON object with \"streams\"");
        }
        JsonNode streams = root.get("streams");
        if (streams == null || streams.isNull()) {
            throw PushFailure.badRequest("streams is missing");
        }
        if (!streams.isArray()) {
            throw PushFailure.badRequest("streams must be an array");
        }
        List<RawLine> lines = new ArrayList<>();
        for (int s = 0; s < streams.size(); s++) {
            JsonNode stream = streams.get(s);
            String where = "streams[" + s + "]";
            if (!stream.isObject()) {
                throw PushFailure.badRequest(where + " must be an object");
            }
            Map<String, String> labels = strings(stream.get("stream"), where + ".stream");
            JsonNode values = stream.get("values");
            if (values == null || !values.isArray()) {
                throw PushFailure.badRequest(where + ".values must be an array");
            }
            for (int v = 0; v < values.size(); v++) {
                JsonNode value = values.get(v);
                String at = where + ".values[" + v + "]";
                if (!value.isArray() || value.size() < 2 || value.size() > 3) {
                    throw PushFailure.badRequest(at + " must be an array [\"<unix ns>\", \"<line>\"] with an"
                            + " optional object of structured metadata");
                }
                Instant ts = nanos(value.get(0), at + "[0]");
                JsonNode line = value.get(1);
                if (!line.isString()) {
                    throw PushFailure.badRequest(at + "[1], the line, must be a string");
                }
                Map<String, String> metadata = value.size() == 3
                        ? strings(value.get(2), at + "[2]") : Collections.emptyMap();
                lines.add(RawLine.loki(ts, line.asString(), labels, metadata));
            }
        }
        return lines;
    }

    public static List<RawLine> protobuf(byte[] uncompressed) {
        PushRequest request;
        try {
            request = PushRequest.parseFrom(uncompressed);
        } catch (InvalidProtocolBufferException e) {
            throw PushFailure.badRequest("the body is not a Loki PushRequest (protobuf): " + e.getMessage());
        }
        List<RawLine> lines = new ArrayList<>();
        for (int s = 0; s < request.getStreamsCount(); s++) {
            StreamAdapter stream = request.getStreams(s);
            Map<String, String> labels;
            try {
                labels = LabelSetParser.parse(stream.getLabels());
            } catch (IllegalArgumentException e) {
                throw PushFailure.badRequest("streams[" + s + "].labels: " + e.getMessage());
            }
            for (int e = 0; e < stream.getEntriesCount(); e++) {
                EntryAdapter entry = stream.getEntries(e);
                Instant ts;
                try {
                    ts = Instant.ofEpochSecond(entry.getTimestamp().getSeconds(), entry.getTimestamp().getNanos());
                } catch (DateTimeException | ArithmeticException x) {
                    throw PushFailure.badRequest("streams[" + s + "].entries[" + e + "].timestamp is out of range");
                }
                Map<String, String> metadata = Collections.emptyMap();
                if (entry.getStructuredMetadataCount() > 0) {
                    metadata = new LinkedHashMap<>();
                    for (LabelPairAdapter pair : entry.getStructuredMetadataList()) {
                        metadata.putIfAbsent(pair.getName(), pair.getValue());
                    }
                }
                lines.add(RawLine.loki(ts, entry.getLine(), labels, metadata));
            }
        }
        return lines;
    }

    /** An object whose values are strings. */
    private static Map<String, String> strings(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Collections.emptyMap();
        }
        if (!node.isObject()) {
            throw PushFailure.badRequest(where + " must be an object of strings");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                throw PushFailure.badRequest(where + "." + e.getKey() + " must be a string");
            }
            m.put(e.getKey(), e.getValue().asString());
        }
        return m;
    }

    /** Unix nanoseconds, as a string of digits (what Loki's clients send) or an integer. */
    private static Instant nanos(JsonNode node, String where) {
        long ns;
        if (node.isString()) {
            try {
                ns = Long.parseLong(node.asString().strip());
            } catch (NumberFormatException e) {
                throw PushFailure.badRequest(where + ", the timestamp, must be Unix nanoseconds as a string of digits,"
                        + " is \"" + JsonSupport.abbreviate(node.asString()) + "\"");
            }
        } else if (node.isIntegralNumber() && node.canConvertToLong()) {
            ns = node.asLong();
        } else {
            throw PushFailure.badRequest(where + ", the timestamp, must be Unix nanoseconds as a string of digits");
        }
        return Instant.ofEpochSecond(0, ns);
    }
}
