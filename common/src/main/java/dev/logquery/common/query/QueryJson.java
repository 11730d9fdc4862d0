package dev.logquery.common.query;

import static dev.logquery.common.query.JsonSupport.MAPPER;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The JSON form of a {@link LogQuery} between coordinator and partition nodes ({@code POST /internal/query}):
 *
 * <pre>{@code
 * {"startTime": "2024-12-01T00:00:00Z", "endTime": "2024-12-01T23:59:59.999999Z",
 *  "serviceName": "payment-service", "levels": ["ERROR", "FATAL"], "namespace": "payments",
 *  "pod": "payment-service-7d9f8c6b5-x2k4p", "contains": "timeout", "attributes": {"cluster": "eu-1"}, "limit": 100,
 *  "after": {"timestamp": "2024-12-01T10:15:30.123456Z", "kafkaPartition": 3, "offset": 8812}}
 * }</pre>
 *
 * <p>{@code startTime} and {@code endTime} (RFC 3339, inclusive) are required; every other field is
 * optional, and absent or {@code null} means "no such filter" ({@code limit} then is
 * {@link LogQuery#DEFAULT_LIMIT}). Level names are case-insensitive. Unknown fields are ignored, so that
 * either side can be upgraded first; a field given twice is an error. Reading never fails with anything
 * but an {@link InvalidFieldException} that names the field.
 */
public final class QueryJson {

    /** Longest {@code contains} text: a filter, not a document. */
    public static final int MAX_CONTAINS_CHARS = 1024;

    private QueryJson() {
    }

    public static byte[] toJson(LogQuery q) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("startTime", Rfc3339.format(q.startTime()));
            g.writeStringProperty("endTime", Rfc3339.format(q.endTime()));
            if (q.service() != null) {
                g.writeStringProperty("serviceName", q.service());
            }
            if (q.levels() != null) {
                g.writeArrayPropertyStart("levels");
                for (LogLevel level : q.levels().levels()) {
                    g.writeString(level.name());
                }
                g.writeEndArray();
            }
            if (q.namespace() != null) {
                g.writeStringProperty("namespace", q.namespace());
            }
            if (q.pod() != null) {
                g.writeStringProperty("pod", q.pod());
            }
            if (q.contains() != null) {
                g.writeStringProperty("contains", q.contains());
            }
            if (q.attributes() != null) {
                g.writeObjectPropertyStart("attributes");
                for (java.util.Map.Entry<String, String> a : q.attributes().entrySet()) {
                    g.writeStringProperty(a.getKey(), a.getValue());
                }
                g.writeEndObject();
            }
            g.writeNumberProperty("limit", q.limit());
            if (q.after() != null) {
                g.writeObjectPropertyStart("after");
                g.writeStringProperty("timestamp", Rfc3339.format(q.after().timestamp()));
                g.writeNumberProperty("kafkaPartition", q.after().kafkaPartition());
                g.writeNumberProperty("offset", q.after().offset());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * Reads and validates a query.
     *
     * @throws InvalidFieldException naming the first field found wrong ({@code body} when the document is
     *                               not a JSON object)
     */
    public static LogQuery fromJson(byte[] json) {
        if (json == null || json.length == 0) {
            throw new InvalidFieldException("body", "body is empty: a JSON query object is expected");
        }
        Reader r = new Reader();
        try (JsonParser p = MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidFieldException("body", "body must be a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                r.reading = name;
                p.nextToken();
                r.read(name, p);
                r.reading = "body";
            }
            if (p.nextToken() != null) {
                throw new InvalidFieldException("body", "body has content after the query object");
            }
        } catch (JacksonException e) {
            throw new InvalidFieldException(r.reading, r.reading + ": not JSON: " + JsonSupport.firstLine(e.getOriginalMessage()));
        }
        return r.build();
    }

    /** The fields of one query document as read; validated one by one, assembled by {@link #build}. */
    private static final class Reader {
        /** The top-level field being read: a parse error inside its value is blamed on it. */
        String reading = "body";
        private final Set<String> seen = new HashSet<>();
        private Instant startTime;
        private Instant endTime;
        private String service;
        private LevelSet levels;
        private String namespace;
        private String pod;
        private String contains;
        private Long limit;
        private LogQuery.Position after;
        private java.util.Map<String, String> attributes;

        void read(String name, JsonParser p) {
            if (!known(name)) {
                p.skipChildren();
                return;
            }
            if (!seen.add(name)) {
                throw new InvalidFieldException(name, name + " is given more than once");
            }
            switch (name) {
                case "startTime" -> startTime = time(p, name);
                case "endTime" -> endTime = time(p, name);
                case "serviceName" -> service = JsonSupport.boundedStringOrNull(p, name, LogEntryCodec.MAX_SERVICE_CHARS);
                case "levels" -> levels = levels(p);
                case "namespace" -> namespace = JsonSupport.boundedStringOrNull(p, name, LogEntryCodec.MAX_IDENTITY_CHARS);
                case "pod" -> pod = JsonSupport.boundedStringOrNull(p, name, LogEntryCodec.MAX_IDENTITY_CHARS);
                case "contains" -> contains = JsonSupport.boundedStringOrNull(p, name, MAX_CONTAINS_CHARS);
                case "limit" -> limit = JsonSupport.longInRangeOrNull(p, name, 1, LogQuery.HARD_MAX_LIMIT);
                case "after" -> after = position(p);
                case "attributes" -> attributes = JsonSupport.stringMapOrNull(p, name,
                        dev.logquery.common.model.Attributes.MAX_KEYS, dev.logquery.common.model.Attributes.MAX_VALUE_CHARS);
                default -> throw new IllegalStateException("unhandled known field " + name);
            }
        }

        private static boolean known(String name) {
            return switch (name) {
                case "startTime", "endTime", "serviceName", "levels", "namespace", "pod", "contains", "limit",
                     "after", "attributes" -> true;
                default -> false;
            };
        }

        LogQuery build() {
            if (startTime == null) {
                throw new InvalidFieldException("startTime", "startTime is missing");
            }
            if (endTime == null) {
                throw new InvalidFieldException("endTime", "endTime is missing");
            }
            if (endTime.isBefore(startTime)) {
                throw new InvalidFieldException("endTime", "endTime " + Rfc3339.format(endTime)
                        + " is before startTime " + Rfc3339.format(startTime));
            }
            int lim = limit == null ? LogQuery.DEFAULT_LIMIT : limit.intValue();
            return new LogQuery(startTime, endTime, service, levels, namespace, pod, contains, lim, after, attributes);
        }

        /** A required RFC 3339 time; JSON null counts as missing. */
        private static Instant time(JsonParser p, String field) {
            String s = JsonSupport.stringOrNull(p, field);
            if (s == null) {
                return null;
            }
            return Rfc3339.parse(s).orElseThrow(() -> new InvalidFieldException(field,
                    field + " is not an RFC 3339 date-time: " + JsonSupport.abbreviate(s)));
        }

        private static LevelSet levels(JsonParser p) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t != JsonToken.START_ARRAY) {
                throw new InvalidFieldException("levels", "levels must be an array of level names, is "
                        + JsonSupport.typeName(t));
            }
            int bits = 0;
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                if (e != JsonToken.VALUE_STRING) {
                    throw new InvalidFieldException("levels", "levels must hold level names, holds "
                            + JsonSupport.typeName(e));
                }
                String name = p.getString();
                bits |= LogLevel.parse(name).orElseThrow(() -> new InvalidFieldException("levels",
                        "levels: not one of " + LogLevel.NAMES + ": " + JsonSupport.abbreviate(name)))
                        .bit();
            }
            if (bits == 0) {
                throw new InvalidFieldException("levels", "levels must not be empty (omit it for any level)");
            }
            return new LevelSet(bits);
        }

        /** {@code {"timestamp": ..., "kafkaPartition": ..., "offset": ...}} or null. */
        private static LogQuery.Position position(JsonParser p) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t != JsonToken.START_OBJECT) {
                throw new InvalidFieldException("after", "after must be an object or null, is " + JsonSupport.typeName(t));
            }
            Instant timestamp = null;
            Long partition = null;
            Long offset = null;
            Set<String> seen = new HashSet<>();
            for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                String name = p.currentName();
                String field = "after." + name;
                p.nextToken();
                boolean known = name.equals("timestamp") || name.equals("kafkaPartition") || name.equals("offset");
                if (known && !seen.add(name)) {
                    throw new InvalidFieldException(field, field + " is given more than once");
                }
                switch (name) {
                    case "timestamp" -> timestamp = time(p, field);
                    case "kafkaPartition" -> partition = JsonSupport.longInRangeOrNull(p, field, 0, Integer.MAX_VALUE);
                    case "offset" -> offset = JsonSupport.longInRangeOrNull(p, field, 0, Long.MAX_VALUE);
                    default -> p.skipChildren();
                }
            }
            if (timestamp == null) {
                throw new InvalidFieldException("after.timestamp", "after.timestamp is missing");
            }
            if (partition == null) {
                throw new InvalidFieldException("after.kafkaPartition", "after.kafkaPartition is missing");
            }
            if (offset == null) {
                throw new InvalidFieldException("after.offset", "after.offset is missing");
            }
            return new LogQuery.Position(timestamp, partition.intValue(), offset);
        }
    }
}
