package dev.logquery.benchmark;

import dev.logquery.benchmark.IngestBenchmark.NodeStats;
import dev.logquery.benchmark.QueryLoad.Run;
import java.io.File;
import java.time.Instant;
import java.time.LocalDate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The figures of one benchmark run as JSON, beside what it prints: {@code benchmark/target/results/<kind>.json}.
 * The project's standard is that every benchmark prints its figures <em>and</em> writes them in a form a script can
 * compare between runs without parsing the printed lines; the machine facts go with them, since a figure of a
 * 2-core machine says nothing without them. Units are part of each field's name ({@code p50Ms},
 * {@code linesPerSecond}, {@code heapUsedMaxMiB}); a figure that could not be measured is {@code null}, never
 * {@code NaN} (which is not JSON).
 */
final class BenchmarkJson {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private final String kind;
    private final ObjectNode root = JSON.createObjectNode();

    /** A document for a benchmark of {@code kind} ({@code ingest}, {@code query}, {@code tail}) run with {@code options}. */
    BenchmarkJson(String kind, Object options) {
        this.kind = kind;
        root.put("benchmark", kind);
        root.put("date", LocalDate.now().toString());
        root.put("startedAt", Instant.now().toString());
        ObjectNode machine = root.putObject("machine");
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("benchmarkMaxHeapBytes", Runtime.getRuntime().maxMemory());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        root.set("options", JSON.valueToTree(options));
    }

    /** The object under {@code figures} where the benchmark puts what it prints. */
    ObjectNode figures() {
        return root.has("figures") ? (ObjectNode) root.get("figures") : root.putObject("figures");
    }

    /** Puts {@code value} as a number, or {@code null} when it is not a finite number. */
    static ObjectNode num(ObjectNode o, String field, double value) {
        if (Double.isFinite(value)) {
            o.put(field, Math.round(value * 1000) / 1000.0);
        } else {
            o.putNull(field);
        }
        return o;
    }

    /**
     * The array {@code runs} at the top of the document: one object per measured cell in the compact form scripts
     * compare between runs ({@code kind}, {@code clients}, {@code coordinator} and {@code baseline} as
     * {@link #summary}), beside the detailed {@code figures}.
     */
    ArrayNode runs() {
        return root.has("runs") ? (ArrayNode) root.get("runs") : root.putArray("runs");
    }

    /** {@code {"p50_ms", "p95_ms", "p99_ms", "qps", "errors"}} of one load cell. */
    static ObjectNode summary(Run r) {
        ObjectNode o = JSON.createObjectNode();
        num(o, "p50_ms", r.percentileMs(0.5));
        num(o, "p95_ms", r.percentileMs(0.95));
        num(o, "p99_ms", r.percentileMs(0.99));
        num(o, "qps", r.perSecond());
        o.put("errors", r.errors());
        return o;
    }

    /** The figures of one load cell: latency percentiles, throughput, requests, errors and rows returned. */
    static ObjectNode run(Run r) {
        ObjectNode o = JSON.createObjectNode();
        num(o, "p50Ms", r.percentileMs(0.5));
        num(o, "p95Ms", r.percentileMs(0.95));
        num(o, "p99Ms", r.percentileMs(0.99));
        num(o, "queriesPerSecond", r.perSecond());
        o.put("measuredRequests", r.micros().length);
        o.put("errors", r.errors());
        o.put("rowsReturned", r.rows());
        num(o, "measuredSeconds", r.seconds());
        return o;
    }

    /** One node's ingest figures, as {@link NodeStats} prints them. */
    static ObjectNode node(NodeStats st) {
        ObjectNode o = JSON.createObjectNode();
        o.put("shard", st.shard);
        num(o, "lines", st.lines);
        num(o, "linesPerSecond", st.linesPerSecond());
        num(o, "batchLatencyP50Ms", st.latencyMs(0.50));
        num(o, "batchLatencyP95Ms", st.latencyMs(0.95));
        num(o, "batchLatencyP99Ms", st.latencyMs(0.99));
        num(o, "heapUsedMaxMiB", st.maxHeapUsed / (1 << 20));
        num(o, "liveAfterGcMaxMiB", st.maxLiveData > 0 ? st.maxLiveData / (1 << 20) : Double.NaN);
        num(o, "peakRssMiB", ProcStatus.peakRssBytes(st.node) / (double) (1 << 20));
        return o;
    }

    /** Writes the document to {@code benchmark/target/results/<kind>.json} and prints where. */
    File write() {
        root.put("finishedAt", Instant.now().toString());
        File file = new File("benchmark/target/results/" + kind + ".json");
        file.getAbsoluteFile().getParentFile().mkdirs();
        JSON.writerWithDefaultPrettyPrinter().writeValue(file, root);
        System.out.println("figures as JSON: " + file.getAbsolutePath());
        return file;
    }
}
