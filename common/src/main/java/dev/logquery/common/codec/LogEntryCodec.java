package dev.logquery.common.codec;

import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.JsonSupport;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON form of a Kafka record value: an object with {@code timestamp} (RFC 3339), {@code service},
 * {@code level}, optional {@code namespace}, {@code pod}, {@code container}, {@code message} and optional
 * {@code attributes} (an object of strings; bounded as {@link Attributes} says, cut rather than refused).
 * Decoding validates every field and never throws: whatever a producer sends becomes either an entry
 * or a rejection with a reason. It streams over the value (no tree), since every stored line passes here.
 */
public final class LogEntryCodec {

    /** Messages above this many UTF-8 bytes are stored truncated, with a marker. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;
    public static final int MAX_SERVICE_CHARS = 128;
    /** Kubernetes object names are at most 253 characters. */
    public static final int MAX_IDENTITY_CHARS = 253;

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private LogEntryCodec() {
    }

    public static DecodeResult decode(byte[] value) {
        if (value == null || value.length == 0) {
            return new DecodeResult.Rejected("empty record value");
        }
        Fields f = new Fields();
        try (JsonParser p = MAPPER.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new DecodeResult.Rejected("value is not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                p.nextToken();
                String problem = f.read(name, p);
                if (problem != null) {
                    return new DecodeResult.Rejected(problem);
                }
            }
            if (p.nextToken() != null) {
                return new DecodeResult.Rejected("not JSON: trailing content after the object");
            }
        } catch (JacksonException e) {
            return new DecodeResult.Rejected("not JSON: " + JsonSupport.firstLine(e.getOriginalMessage()));
        }
        return f.validate();
    }

    /** The known fields of one record as read by the streaming parser; unknown fields are skipped. */
    private static final class Fields {
        private static final List<String> NAMES =
                List.of("timestamp", "service", "level", "message", "namespace", "pod", "container");
        private final String[] values = new String[NAMES.size()];
        private final String[] typeProblems = new String[NAMES.size()];
        private int seen;
        private Map<String, String> attributes;
        private String attributesProblem;

        /**
         * Reads the value of {@code name} at the parser's current token. Returns a problem that makes the
         * whole value unreadable (a duplicate field); a wrong type is kept for {@link #validate}, which
         * reports problems in a fixed field order whatever the order of the keys.
         */
        String read(String name, JsonParser p) {
            if (name.equals("attributes")) {
                return readAttributes(p);
            }
            int i = NAMES.indexOf(name);
            if (i < 0) {
                p.skipChildren();
                return null;
            }
            if ((seen & (1 << i)) != 0) {
                return "not JSON: Duplicate field '" + name + "'";
            }
            seen |= 1 << i;
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING) {
                values[i] = p.getString();
                return null;
            }
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            typeProblems[i] = name + " must be a string, is " + typeName(t);
            p.skipChildren();
            return null;
        }

        /**
         * {@code attributes}: an object whose values are strings (numbers and booleans are kept as their text; a
         * null value is no attribute); null or absent: none.
         */
        private String readAttributes(JsonParser p) {
            if (attributes != null || attributesProblem != null) {
                return "not JSON: Duplicate field 'attributes'";
            }
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                attributes = Map.of();
                return null;
            }
            if (t != JsonToken.START_OBJECT) {
                attributesProblem = "attributes must be an object of strings, is " + typeName(t);
                p.skipChildren();
                return null;
            }
            Map<String, String> read = new LinkedHashMap<>();
            for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if (v.isScalarValue() && v != JsonToken.VALUE_NULL) { // numbers and booleans as their text
                    if (read.put(key, p.getString()) != null) {
                        return "not JSON: Duplicate field 'attributes." + JsonSupport.abbreviate(key) + "'";
                    }
                } else if (v != JsonToken.VALUE_NULL && attributesProblem == null) {
                    attributesProblem = "attributes." + JsonSupport.abbreviate(key) + " must be a string, is " + typeName(v);
                    p.skipChildren();
                } else {
                    p.skipChildren();
                }
            }
            attributes = read;
            return null;
        }

        /** The first problem of required field {@code i}: wrong type or missing; null when present. */
        private String required(int i) {
            if (typeProblems[i] != null) {
                return typeProblems[i];
            }
            return values[i] == null ? NAMES.get(i) + " is missing" : null;
        }

        DecodeResult validate() {
            if (required(0) != null) {
                return new DecodeResult.Rejected(required(0));
            }
            Optional<Instant> timestamp = Rfc3339.parse(values[0]);
            if (timestamp.isEmpty()) {
                return new DecodeResult.Rejected("timestamp is not an RFC 3339 date-time: " + JsonSupport.abbreviate(values[0]));
            }
            if (required(1) != null) {
                return new DecodeResult.Rejected(required(1));
            }
            String service = TextSanitizer.clean(values[1].strip());
            if (serviceProblem(service) != null) {
                return new DecodeResult.Rejected(serviceProblem(service));
            }
            if (required(2) != null) {
                return new DecodeResult.Rejected(required(2));
            }
            Optional<LogLevel> level = LogLevel.parse(values[2]);
            if (level.isEmpty()) {
                return new DecodeResult.Rejected("level is not one of " + LogLevel.NAMES + ": "
                        + JsonSupport.abbreviate(values[2]));
            }
            if (required(3) != null) {
                return new DecodeResult.Rejected(required(3));
            }
            String[] identity = new String[3];
            for (int i = 4; i < 7; i++) {
                if (typeProblems[i] != null) {
                    return new DecodeResult.Rejected(typeProblems[i]);
                }
                if (values[i] != null) {
                    String v = TextSanitizer.clean(values[i].strip());
                    if (identityProblem(NAMES.get(i), v) != null) {
                        return new DecodeResult.Rejected(identityProblem(NAMES.get(i), v));
                    }
                    identity[i - 4] = v.isEmpty() ? null : v;
                }
            }
            if (attributesProblem != null) {
                return new DecodeResult.Rejected(attributesProblem);
            }
            Attributes.Bounded bounded = Attributes.bound(attributes);
            String cleanMessage = TextSanitizer.clean(values[3]);
            String storedMessage = TextSanitizer.truncateUtf8(cleanMessage, MAX_MESSAGE_BYTES);
            LogEntry entry = new LogEntry(timestamp.get(), service, level.get(), identity[0], identity[1], identity[2],
                    storedMessage, bounded.attributes());
            return new DecodeResult.Accepted(entry, storedMessage != cleanMessage, bounded.cut());
        }

        private static String typeName(JsonToken t) {
            return switch (t) {
                case START_OBJECT -> "object";
                case START_ARRAY -> "array";
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
                case VALUE_TRUE, VALUE_FALSE -> "boolean";
                default -> t.name().toLowerCase(java.util.Locale.ROOT);
            };
        }
    }

    private static String serviceProblem(String cleanService) {
        return cleanService.isEmpty() || cleanService.length() > MAX_SERVICE_CHARS
                ? "service must have 1 to " + MAX_SERVICE_CHARS + " characters, has " + cleanService.length() : null;
    }

    private static String identityProblem(String field, String cleanValue) {
        return cleanValue.length() > MAX_IDENTITY_CHARS
                ? field + " must have at most " + MAX_IDENTITY_CHARS + " characters, has " + cleanValue.length() : null;
    }

    /**
     * An entry made by other means than this format (the ingest gateway maps pushed lines into one) as
     * {@link #decode} would give it back from {@link #encode}: the same rules, without the JSON round trip —
     * text cleaned, service and identity stripped and bounded (a violation: {@link DecodeResult.Rejected}),
     * empty identity absent, the message cut at {@link #MAX_MESSAGE_BYTES}, the timestamp cut to microseconds.
     */
    public static DecodeResult check(LogEntry entry) {
        String service = TextSanitizer.clean(entry.service().strip());
        if (serviceProblem(service) != null) {
            return new DecodeResult.Rejected(serviceProblem(service));
        }
        String[] given = {entry.namespace(), entry.pod(), entry.container()};
        String[] identity = new String[3];
        for (int i = 0; i < 3; i++) {
            if (given[i] != null) {
                String v = TextSanitizer.clean(given[i].strip());
                if (identityProblem(Fields.NAMES.get(i + 4), v) != null) {
                    return new DecodeResult.Rejected(identityProblem(Fields.NAMES.get(i + 4), v));
                }
                identity[i] = v.isEmpty() ? null : v;
            }
        }
        String cleanMessage = TextSanitizer.clean(entry.message());
        String storedMessage = TextSanitizer.truncateUtf8(cleanMessage, MAX_MESSAGE_BYTES);
        LogEntry checked = new LogEntry(entry.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MICROS), service,
                entry.level(), identity[0], identity[1], identity[2], storedMessage, entry.attributes());
        return new DecodeResult.Accepted(checked, storedMessage != cleanMessage, 0);
    }

    public static byte[] encode(LogEntry entry) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + entry.message().length());
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            writeFields(g, entry);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * The line's fields as this format has them, into an object the caller started: the one place that writes a
     * {@link LogEntry} as JSON, also for the rows nodes stream (which add their position after these fields).
     * The optional {@code namespace}, {@code pod} and {@code container} are left out when absent, and so are
     * {@code attributes} when there are none.
     */
    public static void writeFields(JsonGenerator g, LogEntry entry) {
        g.writeStringProperty("timestamp", Rfc3339.format(entry.timestamp()));
        g.writeStringProperty("service", entry.service());
        g.writeStringProperty("level", entry.level().name());
        if (entry.namespace() != null) {
            g.writeStringProperty("namespace", entry.namespace());
        }
        if (entry.pod() != null) {
            g.writeStringProperty("pod", entry.pod());
        }
        if (entry.container() != null) {
            g.writeStringProperty("container", entry.container());
        }
        g.writeStringProperty("message", entry.message());
        if (!entry.attributes().isEmpty()) {
            g.writeObjectPropertyStart("attributes");
            for (Map.Entry<String, String> a : entry.attributes().entrySet()) {
                g.writeStringProperty(a.getKey(), a.getValue());
            }
            g.writeEndObject();
        }
    }
}
