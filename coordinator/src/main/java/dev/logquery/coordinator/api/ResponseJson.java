package dev.logquery.coordinator.api;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.search.SearchSummary;
import java.io.ByteArrayOutputStream;
import java.util.List;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public answer of {@code POST /api/query/logs}, written field by field so that its shape is exactly
 * the contract's (every field present, nulls for absent optional ones):
 *
 * <pre>{@code
 * {"logs":[{"timestamp":"...","service":"...","level":"ERROR","namespace":"...","pod":"...",
 *           "container":"...","message":"...","attributes":{"cluster":"eu-1"},"partition":1}],
 *  "partitionsTotal":3,"partitionsQueried":1,"partitionsPruned":2,"partial":false,
 *  "failedPartitions":[{"partition":2,"reason":"timeout"}],"tookMs":12,"nextCursor":null}
 * }</pre>
 *
 * {@code attributes} is the one field left out when absent (a line without attributes).
 * The NDJSON form is one log object per line, then {@code {"summary":{...the other fields...}}}.
 */
public final class ResponseJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private ResponseJson() {
    }

    /** The whole JSON answer. */
    public static byte[] page(List<StoredLogEntry> rows, SearchSummary summary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayPropertyStart("logs");
            for (StoredLogEntry row : rows) {
                writeLog(g, row);
            }
            g.writeEndArray();
            writeSummaryFields(g, summary);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** One log object and a line break. */
    public static byte[] logLine(StoredLogEntry row) {
        return logLines(List.of(row));
    }

    /** One log object and a line break per row, written by one generator. */
    public static byte[] logLines(List<StoredLogEntry> rows) {
        return EntryJson.ndjson(rows, ResponseJson::writeLog);
    }

    /** {@code {"summary":{...}}} and a line break. */
    public static byte[] summaryLine(SearchSummary summary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeName("summary");
            g.writeStartObject();
            writeSummaryFields(g, summary);
            g.writeEndObject();
            g.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeLog(JsonGenerator g, StoredLogEntry row) {
        LogEntry e = row.entry();
        g.writeStartObject();
        g.writeStringProperty("timestamp", Rfc3339.format(e.timestamp()));
        g.writeStringProperty("service", e.service());
        g.writeStringProperty("level", e.level().name());
        g.writeStringProperty("namespace", e.namespace());
        g.writeStringProperty("pod", e.pod());
        g.writeStringProperty("container", e.container());
        g.writeStringProperty("message", e.message());
        if (!e.attributes().isEmpty()) {
            g.writeObjectPropertyStart("attributes");
            for (java.util.Map.Entry<String, String> a : e.attributes().entrySet()) {
                g.writeStringProperty(a.getKey(), a.getValue());
            }
            g.writeEndObject();
        }
        g.writeNumberProperty("partition", row.shard());
        g.writeEndObject();
    }

    private static void writeSummaryFields(JsonGenerator g, SearchSummary s) {
        g.writeNumberProperty("partitionsTotal", s.partitionsTotal());
        g.writeNumberProperty("partitionsQueried", s.partitionsQueried());
        g.writeNumberProperty("partitionsPruned", s.partitionsPruned());
        g.writeBooleanProperty("partial", s.partial());
        g.writeArrayPropertyStart("failedPartitions");
        for (ShardFailure f : s.failedPartitions()) {
            g.writeStartObject();
            g.writeNumberProperty("partition", f.partition());
            g.writeStringProperty("reason", f.reason());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberProperty("tookMs", s.tookMs());
        g.writeStringProperty("nextCursor", s.nextCursor());
    }
}
