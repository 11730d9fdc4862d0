package dev.logquery.gateway.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.logquery.common.query.JsonSupport;
import dev.logquery.gateway.ingest.PushFailure;
import dev.logquery.gateway.ingest.RawLine;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads OTLP/HTTP logs ({@code ExportLogsServiceRequest}) as protobuf or as OTLP's JSON mapping, and turns each
 * log record into a {@link RawLine}: the resource's attributes are the primary keys, the scope's attributes, the
 * scope's name ({@code scope_name}), the record's attributes and its trace and span ids ({@code trace_id},
 * {@code span_id}, lower-case hex) the secondary ones (a record's attribute over its scope's of the same key).
 * The timestamp is {@code timeUnixNano}, else {@code observedTimeUnixNano}, else the arrival; the line is the
 * body's string, or the JSON of any other body (a map, an array, a number...). Attribute values that are not
 * strings are kept as their JSON.
 *
 * <p>OTLP's JSON writes trace and span ids as hex, where protobuf's JSON mapping ({@link JsonFormat}) expects
 * base64: they are taken out of the JSON tree first, checked, and put back as what they mean.
 */
public final class OtlpLogsDecoder {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private OtlpLogsDecoder() {
    }

    public static ExportLogsServiceRequest parseProtobuf(byte[] body) {
        try {
            return ExportLogsServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw PushFailure.badRequest("the body is not an OTLP ExportLogsServiceRequest (protobuf): "
                    + e.getMessage());
        }
    }

    /** OTLP JSON: ids in hex are moved to base64 (what they are as bytes), then protobuf's JSON mapping reads it. */
    public static ExportLogsServiceRequest parseJson(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw PushFailure.badRequest("the body is not valid JSON: " + JsonSupport.firstLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw PushFailure.badRequest("the body must be a JSON object with \"resourceLogs\"");
        }
        JsonNode resourceLogs = field(root, "resourceLogs", "resource_logs");
        if (resourceLogs != null && resourceLogs.isArray()) {
            for (int r = 0; r < resourceLogs.size(); r++) {
                JsonNode scopeLogs = field(resourceLogs.get(r), "scopeLogs", "scope_logs");
                if (scopeLogs == null || !scopeLogs.isArray()) {
                    continue;
                }
                for (int s = 0; s < scopeLogs.size(); s++) {
                    JsonNode records = field(scopeLogs.get(s), "logRecords", "log_records");
                    if (records == null || !records.isArray()) {
                        continue;
                    }
                    for (int i = 0; i < records.size(); i++) {
                        if (records.get(i) instanceof ObjectNode record) {
                            String where = "resourceLogs[" + r + "].scopeLogs[" + s + "].logRecords[" + i + "]";
                            hexToBase64(record, "traceId", "trace_id", 16, where);
                            hexToBase64(record, "spanId", "span_id", 8, where);
                        }
                    }
                }
            }
        }
        ExportLogsServiceRequest.Builder builder = ExportLogsServiceRequest.newBuilder();
        try {
            PARSER.merge(JSON.writeValueAsString(root), builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw PushFailure.badRequest("the body is not an OTLP ExportLogsServiceRequest (JSON): "
                    + JsonSupport.firstLine(e.getMessage()));
        }
        return builder.build();
    }

    private static JsonNode field(JsonNode node, String camel, String snake) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode v = node.get(camel);
        return v != null ? v : node.get(snake);
    }

    /** Replaces the hex id under {@code camel} (or {@code snake}) by its base64, which {@link JsonFormat} reads. */
    private static void hexToBase64(ObjectNode record, String camel, String snake, int bytes, String where) {
        for (String name : new String[] {camel, snake}) {
            JsonNode v = record.get(name);
            if (v == null || v.isNull()) {
                continue;
            }
            if (!v.isString()) {
                throw PushFailure.badRequest(where + "." + camel + " must be a hex string");
            }
            String hex = v.asString();
            if (hex.isEmpty()) {
                record.remove(name);
                continue;
            }
            if (hex.length() != bytes * 2) {
                throw PushFailure.badRequest(where + "." + camel + " must be " + bytes * 2 + " hex digits, has "
                        + hex.length());
            }
            byte[] id;
            try {
                id = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw PushFailure.badRequest(where + "." + camel + " is not hex: " + JsonSupport.abbreviate(hex));
            }
            record.put(name, Base64.getEncoder().encodeToString(id));
        }
    }

    /** Every log record of {@code request} as a line; {@code arrival} stands for a record without any time. */
    public static List<RawLine> lines(ExportLogsServiceRequest request, Instant arrival) {
        List<RawLine> lines = new ArrayList<>();
        for (ResourceLogs rl : request.getResourceLogsList()) {
            Map<String, String> resource = attributes(rl.getResource().getAttributesList(), new LinkedHashMap<>());
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                Map<String, String> scope = new LinkedHashMap<>();
                if (!sl.getScope().getName().isEmpty()) {
                    scope.put("scope_name", sl.getScope().getName());
                }
                attributes(sl.getScope().getAttributesList(), scope);
                for (LogRecord record : sl.getLogRecordsList()) {
                    Map<String, String> secondary = attributes(record.getAttributesList(), new LinkedHashMap<>(scope));
                    if (!record.getTraceId().isEmpty()) {
                        secondary.put("trace_id", hex(record.getTraceId()));
                    }
                    if (!record.getSpanId().isEmpty()) {
                        secondary.put("span_id", hex(record.getSpanId()));
                    }
                    lines.add(new RawLine(timestamp(record, arrival), text(record.getBody()), resource, secondary,
                            record.getSeverityText().isEmpty() ? null : record.getSeverityText(),
                            record.getSeverityNumberValue()));
                }
            }
        }
        return lines;
    }

    static Instant timestamp(LogRecord record, Instant arrival) {
        long ns = record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
        if (ns == 0) {
            return arrival;
        }
        // fixed64: a value beyond 2^63 - 1 ns (year 2262) reads negative; it is far in the future.
        return ns < 0 ? Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000_000L) : Instant.ofEpochSecond(0, ns);
    }

    private static Map<String, String> attributes(List<KeyValue> attributes, Map<String, String> into) {
        for (KeyValue kv : attributes) {
            into.put(kv.getKey(), text(kv.getValue()));
        }
        return into;
    }

    private static String hex(ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }

    /** A string value as it is; any other as its JSON (bytes as base64); no value: empty. */
    static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case VALUE_NOT_SET -> "";
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> {
                java.io.StringWriter out = new java.io.StringWriter();
                try (JsonGenerator g = JSON.createGenerator(out)) {
                    write(g, value);
                }
                yield out.toString();
            }
        };
    }

    private static void write(JsonGenerator g, AnyValue value) {
        switch (value.getValueCase()) {
            case STRING_VALUE -> g.writeString(value.getStringValue());
            case BOOL_VALUE -> g.writeBoolean(value.getBoolValue());
            case INT_VALUE -> g.writeNumber(value.getIntValue());
            case DOUBLE_VALUE -> {
                double d = value.getDoubleValue();
                if (Double.isFinite(d)) {
                    g.writeNumber(d);
                } else {
                    g.writeString(Double.toString(d));
                }
            }
            case BYTES_VALUE -> g.writeString(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                g.writeStartArray();
                for (AnyValue v : value.getArrayValue().getValuesList()) {
                    write(g, v);
                }
                g.writeEndArray();
            }
            case KVLIST_VALUE -> {
                g.writeStartObject();
                for (KeyValue kv : value.getKvlistValue().getValuesList()) {
                    g.writeName(kv.getKey());
                    write(g, kv.getValue());
                }
                g.writeEndObject();
            }
            default -> g.writeNull();
        }
    }
}
