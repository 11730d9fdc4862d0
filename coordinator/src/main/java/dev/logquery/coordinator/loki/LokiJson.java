package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers in the shapes of Loki's HTTP API ({@code pkg/loghttp}): {@code {"status":"success","data":{"resultType":
 * ...,"result":[...],"stats":{"summary":{...}}}}} with {@code "warnings"} beside {@code data} when there are any;
 * stream values {@code ["<unix ns as a string>", "<line>"]}; matrix values {@code [<unix seconds>, "<value>"]}.
 */
final class LokiJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private LokiJson() {
    }

    /** What the {@code stats.summary} object reports. */
    record Summary(long linesProcessed, long bytesProcessed, long entriesReturned, long postFilterLines, long pages,
                   int shards, Duration took) {
    }

    static byte[] streams(List<LogQueries.Stream> streams, Summary summary, List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            start(g, warnings, "streams");
            for (LogQueries.Stream s : streams) {
                g.writeStartObject();
                labels(g, "stream", s.labels());
                g.writeArrayPropertyStart("values");
                for (StoredLogEntry row : s.entries()) {
                    g.writeStartArray();
                    g.writeString(Long.toString(MetricQueries.epochNanos(row.entry().timestamp())));
                    g.writeString(row.entry().message());
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            end(g, summary);
        }
        return out.toByteArray();
    }

    static byte[] matrix(List<MetricQueries.Series> series, MetricQueries.Steps steps, Summary summary,
                         List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            start(g, warnings, "matrix");
            for (MetricQueries.Series s : series) {
                if (!any(s.present())) {
                    continue;
                }
                g.writeStartObject();
                labels(g, "metric", s.labels());
                g.writeArrayPropertyStart("values");
                for (int k = 0; k < s.values().length; k++) {
                    if (s.present()[k]) {
                        sample(g, steps.nanos(k), s.values()[k]);
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            end(g, summary);
        }
        return out.toByteArray();
    }

    static byte[] vector(List<MetricQueries.Series> series, long timeNanos, Summary summary, List<String> warnings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            start(g, warnings, "vector");
            for (MetricQueries.Series s : series) {
                if (!s.present()[0]) {
                    continue;
                }
                g.writeStartObject();
                labels(g, "metric", s.labels());
                g.writeName("value");
                sample(g, timeNanos, s.values()[0]);
                g.writeEndObject();
            }
            end(g, summary);
        }
        return out.toByteArray();
    }

    static byte[] scalar(double value, long timeNanos, Summary summary) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("status", "success");
            g.writeObjectPropertyStart("data");
            g.writeStringProperty("resultType", "scalar");
            g.writeName("result");
            sample(g, timeNanos, value);
            stats(g, summary);
            g.writeEndObject();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * {@code {"status":"success","data":[...names or values...]}}, with {@code "warnings"} beside {@code data} when
     * there are any.
     */
    static byte[] strings(Collection<String> data, List<String> warnings) {
        return successArray(warnings, g -> data.forEach(g::writeString));
    }

    /**
     * {@code {"status":"success","data":[{label set}, ...]}}, with {@code "warnings"} beside {@code data} when there
     * are any.
     */
    static byte[] series(Collection<? extends Map<String, String>> data, List<String> warnings) {
        return successArray(warnings, g -> {
            for (Map<String, String> labels : data) {
                g.writeStartObject();
                labels.forEach(g::writeStringProperty);
                g.writeEndObject();
            }
        });
    }

    /** {@code {"status":"success", "warnings":[...] when any, "data":[...what items writes...]}}. */
    private static byte[] successArray(List<String> warnings, java.util.function.Consumer<JsonGenerator> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("status", "success");
            warnings(g, warnings);
            g.writeArrayPropertyStart("data");
            items.accept(g);
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    static byte[] buildInfo(String version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("version", version);
            g.writeStringProperty("revision", "");
            g.writeStringProperty("branch", "");
            g.writeStringProperty("buildUser", "");
            g.writeStringProperty("buildDate", "");
            g.writeStringProperty("goVersion", "");
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void start(JsonGenerator g, List<String> warnings, String resultType) {
        g.writeStartObject();
        g.writeStringProperty("status", "success");
        warnings(g, warnings);
        g.writeObjectPropertyStart("data");
        g.writeStringProperty("resultType", resultType);
        g.writeArrayPropertyStart("result");
    }

    /**
     * A top-level {@code "warnings": [...]} property, written only when there are warnings (a complete answer has
     * none, as Loki's); also used by the answers without a {@code status}/{@code data} wrapper.
     */
    static void warnings(JsonGenerator g, List<String> warnings) {
        if (!warnings.isEmpty()) {
            g.writeArrayPropertyStart("warnings");
            for (String w : warnings) {
                g.writeString(w);
            }
            g.writeEndArray();
        }
    }

    private static void end(JsonGenerator g, Summary summary) {
        g.writeEndArray();
        stats(g, summary);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void stats(JsonGenerator g, Summary s) {
        double seconds = Math.max(s.took().toNanos() / 1e9, 1e-9);
        g.writeObjectPropertyStart("stats");
        g.writeObjectPropertyStart("summary");
        g.writeNumberProperty("bytesProcessedPerSecond", (long) (s.bytesProcessed() / seconds));
        g.writeNumberProperty("linesProcessedPerSecond", (long) (s.linesProcessed() / seconds));
        g.writeNumberProperty("totalBytesProcessed", s.bytesProcessed());
        g.writeNumberProperty("totalLinesProcessed", s.linesProcessed());
        g.writeNumberProperty("execTime", s.took().toNanos() / 1e9);
        g.writeNumberProperty("queueTime", 0.0);
        g.writeNumberProperty("subqueries", s.pages());
        g.writeNumberProperty("totalEntriesReturned", s.entriesReturned());
        g.writeNumberProperty("splits", 0);
        g.writeNumberProperty("shards", s.shards());
        g.writeNumberProperty("totalPostFilterLines", s.postFilterLines());
        g.writeNumberProperty("totalStructuredMetadataBytesProcessed", 0);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void labels(JsonGenerator g, String name, Map<String, String> labels) {
        g.writeObjectPropertyStart(name);
        labels.forEach(g::writeStringProperty);
        g.writeEndObject();
    }

    /** {@code [<unix seconds, millisecond precision>, "<value>"]}, as Prometheus writes a sample. */
    private static void sample(JsonGenerator g, long nanos, double value) {
        g.writeStartArray();
        g.writeNumber(BigDecimal.valueOf(Math.floorDiv(nanos, 1_000_000L), 3).stripTrailingZeros().toPlainString());
        g.writeString(Units.sample(value));
        g.writeEndArray();
    }

    private static boolean any(boolean[] present) {
        for (boolean p : present) {
            if (p) {
                return true;
            }
        }
        return false;
    }
}
