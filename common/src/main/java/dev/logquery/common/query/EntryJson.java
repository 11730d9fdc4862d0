package dev.logquery.common.query;

import static dev.logquery.common.query.JsonSupport.MAPPER;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.function.BiConsumer;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectWriter;

/**
 * One result row as a line of NDJSON, the way partition nodes stream rows to the coordinator:
 *
 * <pre>{@code
 * {"timestamp":"2026-11-23T10:15:30.123456Z","service":"payment-service","level":"ERROR",
 *  "namespace":"payments","pod":"payment-service-7d9f8c6b5-x2k4p","container":"app",
 *  "message":"Read timed out","partition":1,"kafkaPartition":4,"offset":118812}
 * }</pre>
 *
 * (on one line). {@code partition} is the shard that stores the row; {@code kafkaPartition} and
 * {@code offset} identify the line across the system and break ties in the sort order. The optional
 * {@code namespace}, {@code pod}, {@code container} and {@code attributes} are left out when absent. A message's line breaks
 * are JSON escapes, so a row is always exactly one line.
 */
public final class EntryJson {

    /** Writes root values separated by line breaks (the last one gets its line break from the caller). */
    private static final ObjectWriter LINES = MAPPER.writer().withRootValueSeparator("\n");

    private EntryJson() {
    }

    /** The row as one JSON object followed by {@code '\n'}, UTF-8. */
    public static byte[] toNdjsonLine(StoredLogEntry row) {
        return toNdjson(List.of(row));
    }

    /**
     * The rows as NDJSON, one line each ({@link #toNdjsonLine} of each, concatenated), written by one
     * generator: per row, a generator of its own cost as much as the writing.
     */
    public static byte[] toNdjson(List<StoredLogEntry> rows) {
        return ndjson(rows, EntryJson::write);
    }

    /**
     * The rows as NDJSON with one generator, each row's object written by {@code writer} (one JSON object per
     * row) and followed by {@code '\n'}; for answers that write rows in another shape than this class.
     */
    public static byte[] ndjson(List<StoredLogEntry> rows, BiConsumer<JsonGenerator, StoredLogEntry> writer) {
        int size = 0;
        for (StoredLogEntry row : rows) {
            size += 256 + row.entry().message().length();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        try (JsonGenerator g = LINES.createGenerator(out)) {
            for (StoredLogEntry row : rows) {
                writer.accept(g, row);
            }
        }
        if (!rows.isEmpty()) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, StoredLogEntry row) {
        LogEntry e = row.entry();
        g.writeStartObject();
        LogEntryCodec.writeFields(g, e);
        g.writeNumberProperty("partition", row.shard());
        g.writeNumberProperty("kafkaPartition", row.kafkaPartition());
        g.writeNumberProperty("offset", row.offset());
        g.writeEndObject();
    }

    /** Reads one row; a trailing line break is fine. */
    public static StoredLogEntry fromJson(byte[] line) {
        return fromJson(line, 0, line.length);
    }

    /** Reads one row from {@code line[offset, offset + length)}, say one line of a larger buffer. */
    public static StoredLogEntry fromJson(byte[] line, int offset, int length) {
        Fields f = new Fields();
        try (JsonParser p = MAPPER.createParser(line, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidFieldException("body", "a row must be a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                p.nextToken();
                f.read(name, p);
            }
            if (p.nextToken() != null) {
                throw new InvalidFieldException("body", "a row has content after its object");
            }
        } catch (JacksonException e) {
            throw new InvalidFieldException("body", "row is not JSON: " + JsonSupport.firstLine(e.getOriginalMessage())
                    + " in " + JsonSupport.abbreviate(new String(line, offset, length, StandardCharsets.UTF_8)));
        }
        return f.build();
    }

    /** Convenience for text already decoded, such as a line read by a {@code BufferedReader}. */
    public static StoredLogEntry fromJson(String line) {
        return fromJson(line.getBytes(StandardCharsets.UTF_8));
    }

    private static final class Fields {
        private Instant timestamp;
        private String service;
        private LogLevel level;
        private String namespace;
        private String pod;
        private String container;
        private String message;
        private Long shard;
        private Long kafkaPartition;
        private Long offset;
        private java.util.Map<String, String> attributes;
        private int seen;

        void read(String name, JsonParser p) {
            int bit = switch (name) {
                case "timestamp" -> 1;
                case "service" -> 1 << 1;
                case "level" -> 1 << 2;
                case "namespace" -> 1 << 3;
                case "pod" -> 1 << 4;
                case "container" -> 1 << 5;
                case "message" -> 1 << 6;
                case "partition" -> 1 << 7;
                case "kafkaPartition" -> 1 << 8;
                case "offset" -> 1 << 9;
                case "attributes" -> 1 << 10;
                default -> 0;
            };
            if (bit == 0) {
                p.skipChildren(); // a field added by a newer node
                return;
            }
            if ((seen & bit) != 0) {
                throw new InvalidFieldException(name, name + " is given more than once");
            }
            seen |= bit;
            switch (name) {
                case "timestamp" -> {
                    String s = JsonSupport.stringOrNull(p, name);
                    timestamp = s == null ? null : Rfc3339.parse(s).orElseThrow(() -> new InvalidFieldException(name,
                            "timestamp is not an RFC 3339 date-time: " + JsonSupport.abbreviate(s)));
                }
                case "service" -> service = JsonSupport.stringOrNull(p, name);
                case "level" -> {
                    String s = JsonSupport.stringOrNull(p, name);
                    level = s == null ? null : LogLevel.parse(s).orElseThrow(() -> new InvalidFieldException(name,
                            "level is not one of " + LogLevel.NAMES + ": " + JsonSupport.abbreviate(s)));
                }
                case "namespace" -> namespace = JsonSupport.stringOrNull(p, name);
                case "pod" -> pod = JsonSupport.stringOrNull(p, name);
                case "container" -> container = JsonSupport.stringOrNull(p, name);
                case "message" -> message = JsonSupport.stringOrNull(p, name);
                case "partition" -> shard = JsonSupport.longInRangeOrNull(p, name, 0, Integer.MAX_VALUE);
                case "kafkaPartition" -> kafkaPartition = JsonSupport.longInRangeOrNull(p, name, 0, Integer.MAX_VALUE);
                case "offset" -> offset = JsonSupport.longInRangeOrNull(p, name, 0, Long.MAX_VALUE);
                case "attributes" -> attributes = JsonSupport.stringMapOrNull(p, name,
                        dev.logquery.common.model.Attributes.MAX_KEYS, dev.logquery.common.model.Attributes.MAX_VALUE_CHARS);
                default -> throw new IllegalStateException("unhandled field " + name);
            }
        }

        StoredLogEntry build() {
            require(timestamp, "timestamp");
            require(service, "service");
            require(level, "level");
            require(message, "message");
            require(shard, "partition");
            require(kafkaPartition, "kafkaPartition");
            require(offset, "offset");
            return new StoredLogEntry(new LogEntry(timestamp, service, level, namespace, pod, container, message,
                    attributes),
                    shard.intValue(), kafkaPartition.intValue(), offset);
        }

        private static void require(Object value, String field) {
            if (value == null) {
                throw new InvalidFieldException(field, field + " is missing");
            }
        }
    }
}
