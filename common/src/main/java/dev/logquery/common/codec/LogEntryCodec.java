package dev.logquery.common.codec;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a Kafka record value: an object with {@code timestamp} (RFC 3339), {@code service},
 * {@code level}, optional {@code namespace}, {@code pod}, {@code container}, and {@code message}.
 * Decoding validates every field and never throws: whatever a producer sends becomes either an entry
 * or a rejection with a reason.
 */
public final class LogEntryCodec {

    /** Messages above this many UTF-8 bytes are stored truncated, with a marker. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    public static final int MAX_SERVICE_CHARS = 128;
    /** Kubernetes object names are at most 253 characters. */
    public static final int MAX_IDENTITY_CHARS = 253;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private LogEntryCodec() {
    }

    public static DecodeResult decode(byte[] value) {
        if (value == null || value.length == 0) {
            return new DecodeResult.Rejected("empty record value");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(value);
        } catch (JacksonException e) {
            return new DecodeResult.Rejected("not JSON: " + firstLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            return new DecodeResult.Rejected("value is not a JSON object");
        }
        return decode(root);
    }

    private static DecodeResult decode(JsonNode root) {
        Field timestampText = requiredString(root, "timestamp");
        if (timestampText.problem != null) {
            return new DecodeResult.Rejected(timestampText.problem);
        }
        Optional<java.time.Instant> timestamp = Rfc3339.parse(timestampText.value);
        if (timestamp.isEmpty()) {
            return new DecodeResult.Rejected("timestamp is not an RFC 3339 date-time: " + abbreviate(timestampText.value));
        }
        Field service = requiredString(root, "service");
        if (service.problem != null) {
            return new DecodeResult.Rejected(service.problem);
        }
        String serviceName = TextSanitizer.clean(service.value.strip());
        if (serviceName.isEmpty() || serviceName.length() > MAX_SERVICE_CHARS) {
            return new DecodeResult.Rejected("service must have 1 to " + MAX_SERVICE_CHARS + " characters, has "
                    + serviceName.length());
        }
        Field levelText = requiredString(root, "level");
        if (levelText.problem != null) {
            return new DecodeResult.Rejected(levelText.problem);
        }
        Optional<LogLevel> level = LogLevel.parse(levelText.value);
        if (level.isEmpty()) {
            return new DecodeResult.Rejected("level is not one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL: "
                    + abbreviate(levelText.value));
        }
        Field message = requiredString(root, "message");
        if (message.problem != null) {
            return new DecodeResult.Rejected(message.problem);
        }
        Field namespace = optionalIdentity(root, "namespace");
        Field pod = optionalIdentity(root, "pod");
        Field container = optionalIdentity(root, "container");
        for (Field f : new Field[] {namespace, pod, container}) {
            if (f.problem != null) {
                return new DecodeResult.Rejected(f.problem);
            }
        }
        String cleanMessage = TextSanitizer.clean(message.value);
        String storedMessage = TextSanitizer.truncateUtf8(cleanMessage, MAX_MESSAGE_BYTES);
        LogEntry entry = new LogEntry(timestamp.get(), serviceName, level.get(),
                namespace.value, pod.value, container.value, storedMessage);
        return new DecodeResult.Accepted(entry, storedMessage != cleanMessage);
    }

    public static byte[] encode(LogEntry entry) {
        return MAPPER.writeValueAsBytes(toJson(entry));
    }

    public static ObjectNode toJson(LogEntry entry) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("timestamp", Rfc3339.format(entry.timestamp()));
        node.put("service", entry.service());
        node.put("level", entry.level().name());
        if (entry.namespace() != null) {
            node.put("namespace", entry.namespace());
        }
        if (entry.pod() != null) {
            node.put("pod", entry.pod());
        }
        if (entry.container() != null) {
            node.put("container", entry.container());
        }
        node.put("message", entry.message());
        return node;
    }

    private record Field(String value, String problem) {
    }

    private static Field requiredString(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return new Field(null, name + " is missing");
        }
        if (!node.isString()) {
            return new Field(null, name + " must be a string, is " + node.getNodeType().name().toLowerCase());
        }
        return new Field(node.stringValue(), null);
    }

    private static Field optionalIdentity(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return new Field(null, null);
        }
        if (!node.isString()) {
            return new Field(null, name + " must be a string, is " + node.getNodeType().name().toLowerCase());
        }
        String value = TextSanitizer.clean(node.stringValue().strip());
        if (value.length() > MAX_IDENTITY_CHARS) {
            return new Field(null, name + " must have at most " + MAX_IDENTITY_CHARS + " characters, has " + value.length());
        }
        return new Field(value.isEmpty() ? null : value, null);
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl < 0 ? s : s.substring(0, nl));
    }
}
