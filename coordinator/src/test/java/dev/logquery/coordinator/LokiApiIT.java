package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LineWriter;
import dev.logquery.testkit.Truth;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Loki-compatible API end to end (a KRaft broker, three partition nodes on real PostgreSQL, the coordinator,
 * all in this JVM: the test kit's {@link Cluster}), with requests as Grafana's Loki data source sends them ({@code pkg/tsdb/loki}: GET, times as
 * integer nanoseconds, {@code step} in milliseconds, {@code direction} always set): the health check, the label
 * browser, a log query with a line filter and a metric query, each compared with the truth computed from the lines
 * written.
 */
class LokiApiIT {

    static final int SHARDS = 3;
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Cluster cluster;
    static App coordinator;
    /** The lines written, as the nodes store them. */
    static List<StoredLogEntry> truth;
    static Instant end;
    static Instant start;

    @BeforeAll
    static void startSystem() throws Exception {
        // The lines are stamped up to the moment they are written, and the pruning checks ask windows ending at the
        // newest: with the default fresh span (a minute) those windows reach into "may hold rows the metadata does not
        // show yet" and no shard would be pruned. A span of 0 prunes every window that ends before the metadata was
        // made; SearchServiceTest covers the fresh span itself.
        cluster = Cluster.builder().shards(SHARDS).coordinator()
                .coordinator("logquery.coordinator.fresh-span", "0s").start();
        coordinator = cluster.coordinator();

        end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        start = end.minus(Duration.ofHours(3));
        List<LogEntry> lines = new ArrayList<>(KnownLines.forQueries(15, 6_000, 8, end.minusSeconds(1), Duration.ofHours(4)));
        lines.addAll(structuredLines(end.minusSeconds(30)));
        Truth written = cluster.write(lines);
        truth = written.rows();
        cluster.awaitStored(written, Duration.ofSeconds(60));
        cluster.awaitCatalog(coordinator, written, Duration.ofSeconds(30));
    }

    /** Lines of service "svc-json" with JSON and logfmt messages, for detected_fields. */
    static List<LogEntry> structuredLines(Instant last) {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Instant ts = last.minusSeconds(60L * i);
            String message = i % 2 == 0
                    ? "{\"status\": " + (200 + (i % 3) * 100) + ", \"latency\": \"" + (i % 4 + 1) + "ms\", \"path\": \"/p" + (i % 5)
                            + "\", \"ok\": " + (i % 3 == 0) + "}"
                    : "method=GET status=" + (200 + (i % 3) * 100) + " ratio=0." + (i % 7) + " path=/p" + (i % 5);
            out.add(new LogEntry(ts, "svc-json", i % 4 == 0 ? dev.logquery.common.model.LogLevel.ERROR
                    : dev.logquery.common.model.LogLevel.INFO, "ns-json", "svc-json-pod-" + (i % 2), "app", message));
        }
        return out;
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A GET as Grafana's Go client sends it: parameters form-encoded in the query string. */
    static HttpResponse<String> get(String path, String... kv) throws Exception {
        return get(coordinator, path, kv);
    }

    /** A GET as Grafana's Go client sends it, to the coordinator {@code to}. */
    static HttpResponse<String> get(App to, String path, String... kv) throws Exception {
        StringBuilder uri = new StringBuilder(to.url() + path);
        for (int i = 0; i < kv.length; i += 2) {
            uri.append(i == 0 ? '?' : '&').append(URLEncoder.encode(kv[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
        }
        return Http.get(uri.toString(), "User-Agent", "Grafana/12.0.0", "X-Query-Tags", "Source=grafana");
    }

    static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("status").asString()).isEqualTo("success");
        return body;
    }

    static String ns(Instant t) {
        return Long.toString(t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }

    static Map<String, String> labels(LogEntry e) {
        Map<String, String> labels = new TreeMap<>();
        labels.put("service_name", e.service());
        labels.put("level", e.level().name().toLowerCase(Locale.ROOT));
        labels.put("detected_level", e.level().name().toLowerCase(Locale.ROOT));
        if (e.namespace() != null) {
            labels.put("namespace", e.namespace());
        }
        labels.put("pod", e.pod());
        if (e.container() != null) {
            labels.put("container", e.container());
        }
        return labels;
    }

    static boolean inWindow(LogEntry e, Instant from, Instant to) {
        return !e.timestamp().isBefore(from) && !e.timestamp().isAfter(to);
    }

    /** Every entry of a streams answer as "labels|ns|line", in the answer's order within each stream. */
    static List<String> entries(JsonNode body) {
        assertThat(body.at("/data/resultType").asString()).isEqualTo("streams");
        return streamEntries(body.at("/data/result"));
    }

    /** Every entry of Loki's streams (each its labels and values) as "labels|ns|line", in order. */
    static List<String> streamEntries(JsonNode streams) {
        List<String> out = new ArrayList<>();
        for (JsonNode stream : streams) {
            Map<String, String> labels = new TreeMap<>();
            stream.get("stream").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            for (JsonNode value : stream.get("values")) {
                out.add(labels + "|" + value.get(0).asString() + "|" + value.get(1).asString());
            }
        }
        return out;
    }

    static List<String> expectedEntries(Predicate<LogEntry> filter, int limit, boolean forward) {
        List<StoredLogEntry> rows = truth.stream().filter(r -> filter.test(r.entry()))
                .sorted(forward ? LogOrder.NEWEST_FIRST.reversed() : LogOrder.NEWEST_FIRST).limit(limit).toList();
        return rows.stream().map(r -> labels(r.entry()) + "|" + ns(r.entry().timestamp()) + "|" + r.entry().message()).toList();
    }

    @Test
    void grafanasHealthCheck() throws Exception {
        // healthcheck.go: instant query vector(1)+vector(1), time = To (4 s) in nanoseconds
        JsonNode body = ok(get("/loki/api/v1/query", "direction", "backward", "query", "vector(1)+vector(1)",
                "time", "4000000000"));
        assertThat(body.at("/data/resultType").asString()).isEqualTo("vector");
        assertThat(body.at("/data/result")).hasSize(1);
        assertThat(body.at("/data/result/0/value/1").asString()).isEqualTo("2");
        assertThat(get("/ready").body().strip()).isEqualTo("ready");
        HttpResponse<String> buildInfo = get("/loki/api/v1/status/buildinfo");
        assertThat(buildInfo.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(buildInfo.body()).get("version").asString()).startsWith("logquery");
    }

    @Test
    void labelBrowser() throws Exception {
        JsonNode names = ok(get("/loki/api/v1/labels", "start", ns(start), "end", ns(end)));
        assertThat(names.get("data")).extracting(JsonNode::asString)
                .containsExactly("container", "detected_level", "level", "namespace", "pod", "service_name");

        Set<String> services = new TreeSet<>();
        Set<String> levels = new TreeSet<>();
        for (StoredLogEntry r : truth) {
            if (inWindow(r.entry(), start, end)) {
                services.add(r.entry().service());
                levels.add(r.entry().level().name().toLowerCase(Locale.ROOT));
            }
        }
        JsonNode serviceValues = ok(get("/loki/api/v1/label/service_name/values", "start", ns(start), "end", ns(end)));
        assertThat(serviceValues.get("data")).extracting(JsonNode::asString).containsExactlyElementsOf(services);
        JsonNode levelValues = ok(get("/loki/api/v1/label/level/values", "start", ns(start), "end", ns(end)));
        assertThat(levelValues.get("data")).extracting(JsonNode::asString).containsExactlyElementsOf(levels);

        // the label browser's values of one label for a chosen service
        Set<String> pods = new TreeSet<>();
        truth.stream().map(StoredLogEntry::entry).filter(e -> inWindow(e, start, end) && e.service().equals("svc-2"))
                .forEach(e -> pods.add(e.pod()));
        JsonNode podValues = ok(get("/loki/api/v1/label/pod/values", "start", ns(start), "end", ns(end),
                "query", "{service_name=\"svc-2\"}"));
        assertThat(podValues.get("data")).extracting(JsonNode::asString).containsExactlyElementsOf(pods);

        Set<Map<String, String>> series = new HashSet<>();
        truth.stream().map(StoredLogEntry::entry).filter(e -> inWindow(e, start, end) && e.service().equals("svc-2")
                && e.level().name().equals("ERROR")).forEach(e -> series.add(labels(e)));
        JsonNode seriesBody = ok(get("/loki/api/v1/series", "start", ns(start), "end", ns(end),
                "match[]", "{service_name=\"svc-2\", level=\"error\"}"));
        Set<Map<String, String>> answered = new HashSet<>();
        for (JsonNode s : seriesBody.get("data")) {
            Map<String, String> labels = new TreeMap<>();
            s.properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            answered.add(labels);
        }
        assertThat(answered).isEqualTo(series);
    }

    @Test
    void logQueriesWithLineFilters() throws Exception {
        // Explore's log query: range, backward, maxLines, step in ms
        JsonNode body = ok(get("/loki/api/v1/query_range", "direction", "backward", "limit", "100",
                "query", "{service_name=\"svc-3\"} |= \"timed out\"", "start", ns(start), "end", ns(end), "step", "43200ms"));
        List<String> expected = expectedEntries(e -> inWindow(e, start, end) && e.service().equals("svc-3")
                && e.message().contains("timed out"), 100, false);
        assertThat(expected).isNotEmpty();
        assertThat(entries(body)).containsExactlyInAnyOrderElementsOf(expected);

        // |= is case-sensitive although the nodes' contains is not
        JsonNode upper = ok(get("/loki/api/v1/query_range", "direction", "backward", "limit", "1000",
                "query", "{service_name=~\"svc-[0-3]\"} |= \"TIMEOUT\"", "start", ns(start), "end", ns(end)));
        List<String> upperExpected = expectedEntries(e -> inWindow(e, start, end) && e.service().matches("svc-[0-3]")
                && e.message().contains("TIMEOUT"), 1000, false);
        assertThat(upperExpected).isNotEmpty();
        assertThat(entries(upper)).containsExactlyInAnyOrderElementsOf(upperExpected);

        // forward: the oldest lines of the window, oldest first in each stream
        JsonNode forward = ok(get("/loki/api/v1/query_range", "direction", "forward", "limit", "10",
                "query", "{service_name=~\"svc-[12]\", level=\"error\"} |~ \"(?i)cache\" != \"Hit\"", "start", ns(start),
                "end", ns(end)));
        List<String> forwardExpected = expectedEntries(e -> inWindow(e, start, end) && e.service().matches("svc-[12]")
                && e.level().name().equals("ERROR") && e.message().toLowerCase(Locale.ROOT).contains("cache")
                && !e.message().contains("Hit"), 10, true);
        assertThat(forwardExpected).hasSize(10); // and more lines match: the limit cuts
        assertThat(entries(forward)).containsExactlyInAnyOrderElementsOf(forwardExpected);
    }

    @Test
    void metricQueries() throws Exception {
        // the volume histogram Grafana asks for: sum by (level) (count_over_time(...[step])) over the window
        Duration step = Duration.ofMinutes(5);
        JsonNode body = ok(get("/loki/api/v1/query_range", "direction", "backward",
                "query", "sum by (level) (count_over_time({service_name=\"svc-1\"}[5m]))",
                "start", ns(start), "end", ns(end), "step", step.toMillis() + "ms"));
        assertThat(body.at("/data/resultType").asString()).isEqualTo("matrix");
        Map<String, Map<Long, Long>> expected = new TreeMap<>();
        for (Instant t = start; !t.isAfter(end); t = t.plus(step)) {
            Instant from = t.minus(Duration.ofMinutes(5));
            for (StoredLogEntry r : truth) {
                LogEntry e = r.entry();
                if (e.service().equals("svc-1") && e.timestamp().isAfter(from) && !e.timestamp().isAfter(t)) {
                    expected.computeIfAbsent(e.level().name().toLowerCase(Locale.ROOT), k -> new TreeMap<>())
                            .merge(t.getEpochSecond(), 1L, Long::sum);
                }
            }
        }
        Map<String, Map<Long, Long>> answered = new TreeMap<>();
        for (JsonNode series : body.at("/data/result")) {
            assertThat(series.get("metric").propertyNames()).containsExactly("level");
            Map<Long, Long> points = new TreeMap<>();
            for (JsonNode v : series.get("values")) {
                points.put(v.get(0).asLong(), Long.parseLong(v.get(1).asString()));
            }
            answered.put(series.at("/metric/level").asString(), points);
        }
        assertThat(answered).isEqualTo(expected);

        // an instant query: one number per group
        JsonNode instant = ok(get("/loki/api/v1/query", "direction", "backward",
                "query", "sum(count_over_time({service_name=\"svc-1\"} |= \"GC\" [3h]))", "time", ns(end)));
        long count = truth.stream().map(StoredLogEntry::entry).filter(e -> e.service().equals("svc-1")
                && e.timestamp().isAfter(end.minus(Duration.ofHours(3))) && !e.timestamp().isAfter(end)
                && e.message().contains("GC")).count();
        assertThat(instant.at("/data/result/0/value/1").asString()).isEqualTo(Long.toString(count));
    }

    static long utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static List<LogEntry> linesIn(Instant from, Instant to) {
        return truth.stream().map(StoredLogEntry::entry).filter(e -> inWindow(e, from, to)).toList();
    }

    @Test
    void volumeAndIndexStats() throws Exception {
        // Drilldown's service list: {service_name=~".+"} by service_name, bytes, largest first
        JsonNode body = ok(get("/loki/api/v1/index/volume", "query", "{service_name=~\".+\"}", "start", ns(start),
                "end", ns(end), "limit", "1000", "targetLabels", "service_name", "aggregateBy", "series"));
        assertThat(body.at("/data/resultType").asString()).isEqualTo("vector");
        Map<String, Long> expected = new TreeMap<>();
        linesIn(start, end).forEach(e -> expected.merge(e.service(), utf8(e.message()), Long::sum));
        Map<String, Long> answered = new TreeMap<>();
        long previous = Long.MAX_VALUE;
        for (JsonNode v : body.at("/data/result")) {
            assertThat(v.get("metric").propertyNames()).containsExactly("service_name");
            long bytes = Long.parseLong(v.at("/value/1").asString());
            assertThat(bytes).isLessThanOrEqualTo(previous);
            previous = bytes;
            assertThat(v.at("/value/0").asDouble()).isEqualTo(end.getEpochSecond());
            answered.put(v.at("/metric/service_name").asString(), bytes);
        }
        assertThat(answered).isEqualTo(expected);

        // by level for one service, and limit keeps the largest
        JsonNode levels = ok(get("/loki/api/v1/index/volume", "query", "{service_name=\"svc-1\"}", "start", ns(start),
                "end", ns(end), "targetLabels", "level", "limit", "2"));
        Map<String, Long> byLevel = new TreeMap<>();
        linesIn(start, end).stream().filter(e -> e.service().equals("svc-1"))
                .forEach(e -> byLevel.merge(e.level().name().toLowerCase(Locale.ROOT), utf8(e.message()), Long::sum));
        List<Map.Entry<String, Long>> top = byLevel.entrySet().stream()
                .sorted((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey())
                        : Long.compare(b.getValue(), a.getValue())).limit(2).toList();
        assertThat(levels.at("/data/result")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            assertThat(levels.at("/data/result/" + i + "/metric/level").asString()).isEqualTo(top.get(i).getKey());
            assertThat(levels.at("/data/result/" + i + "/value/1").asString()).isEqualTo(top.get(i).getValue().toString());
        }

        // aggregateBy=labels: one result per label name, empty value
        JsonNode names = ok(get("/loki/api/v1/index/volume", "query", "{service_name=\"svc-2\"}", "start", ns(start),
                "end", ns(end), "aggregateBy", "labels"));
        Set<String> labelNames = new TreeSet<>();
        for (JsonNode v : names.at("/data/result")) {
            String name = v.get("metric").propertyNames().iterator().next();
            assertThat(v.at("/metric/" + name).asString()).isEmpty();
            labelNames.add(name);
        }
        assertThat(labelNames).contains("service_name", "level", "pod", "namespace");

        // volume_range: bytes per (t - step, t] and level
        Duration step = Duration.ofMinutes(10);
        JsonNode range = ok(get("/loki/api/v1/index/volume_range", "query", "{service_name=\"svc-2\", level=~\"error|warn\"}",
                "start", ns(start), "end", ns(end), "step", step.toMillis() + "ms", "targetLabels", "level", "limit", "100"));
        assertThat(range.at("/data/resultType").asString()).isEqualTo("matrix");
        Map<String, Map<Long, Long>> expectedRange = new TreeMap<>();
        for (Instant t = start; !t.isAfter(end); t = t.plus(step)) {
            for (StoredLogEntry r : truth) {
                LogEntry e = r.entry();
                if (e.service().equals("svc-2") && (e.level().name().equals("ERROR") || e.level().name().equals("WARN"))
                        && e.timestamp().isAfter(t.minus(step)) && !e.timestamp().isAfter(t)) {
                    expectedRange.computeIfAbsent(e.level().name().toLowerCase(Locale.ROOT), k -> new TreeMap<>())
                            .merge(t.getEpochSecond(), utf8(e.message()), Long::sum);
                }
            }
        }
        Map<String, Map<Long, Long>> answeredRange = new TreeMap<>();
        for (JsonNode series : range.at("/data/result")) {
            Map<Long, Long> points = new TreeMap<>();
            series.get("values").forEach(v -> points.put(v.get(0).asLong(), Long.parseLong(v.get(1).asString())));
            answeredRange.put(series.at("/metric/level").asString(), points);
        }
        assertThat(answeredRange).isEqualTo(expectedRange);

        // index/stats: streams, entries and bytes of the window
        JsonNode stats = JSON.readTree(get("/loki/api/v1/index/stats", "query", "{service_name=\"svc-3\"}",
                "start", ns(start), "end", ns(end)).body());
        List<LogEntry> svc3 = linesIn(start, end).stream().filter(e -> e.service().equals("svc-3")).toList();
        assertThat(stats.get("entries").asLong()).isEqualTo(svc3.size());
        assertThat(stats.get("bytes").asLong()).isEqualTo(svc3.stream().mapToLong(e -> utf8(e.message())).sum());
        assertThat(stats.get("streams").asLong()).isEqualTo(svc3.stream().map(LokiApiIT::labels).distinct().count());
        assertThat(stats.get("chunks").asLong()).isPositive();
    }

    @Test
    void metricQueriesCountedOnTheNodes() throws Exception {
        // rate by service over an instant's range, and count_over_time by pod with range == step
        JsonNode rate = ok(get("/loki/api/v1/query", "query",
                "sum by (service_name) (rate({namespace=\"ns-1\", level=\"error\"}[3h]))", "time", ns(end)));
        Map<String, Long> counts = new TreeMap<>();
        truth.stream().map(StoredLogEntry::entry).filter(e -> "ns-1".equals(e.namespace()) && e.level().name().equals("ERROR")
                && e.timestamp().isAfter(end.minus(Duration.ofHours(3))) && !e.timestamp().isAfter(end))
                .forEach(e -> counts.merge(e.service(), 1L, Long::sum));
        assertThat(counts).isNotEmpty();
        Map<String, Double> answered = new TreeMap<>();
        for (JsonNode v : rate.at("/data/result")) {
            answered.put(v.at("/metric/service_name").asString(), Double.parseDouble(v.at("/value/1").asString()));
        }
        assertThat(answered.keySet()).isEqualTo(counts.keySet());
        counts.forEach((svc, n) -> assertThat(answered.get(svc)).isCloseTo(n / 10800.0, org.assertj.core.data.Offset.offset(1e-12)));

        Duration step = Duration.ofMinutes(20);
        JsonNode byPod = ok(get("/loki/api/v1/query_range", "query",
                "count_over_time({service_name=\"svc-4\", pod=\"svc-4-pod-1\"}[20m])", "start", ns(start), "end", ns(end),
                "step", step.toMillis() + "ms"));
        Map<Map<String, String>, Map<Long, Long>> expected = new java.util.HashMap<>();
        for (Instant t = start; !t.isAfter(end); t = t.plus(step)) {
            for (StoredLogEntry r : truth) {
                LogEntry e = r.entry();
                if (e.service().equals("svc-4") && e.pod().equals("svc-4-pod-1") && e.timestamp().isAfter(t.minus(step))
                        && !e.timestamp().isAfter(t)) {
                    expected.computeIfAbsent(labels(e), k -> new TreeMap<>()).merge(t.getEpochSecond(), 1L, Long::sum);
                }
            }
        }
        Map<Map<String, String>, Map<Long, Long>> got = new java.util.HashMap<>();
        for (JsonNode series : byPod.at("/data/result")) {
            Map<String, String> labels = new TreeMap<>();
            series.get("metric").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            Map<Long, Long> points = new TreeMap<>();
            series.get("values").forEach(v -> points.put(v.get(0).asLong(), Long.parseLong(v.get(1).asString())));
            got.put(labels, points);
        }
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void detectedLabelsAndFields() throws Exception {
        JsonNode labels = JSON.readTree(get("/loki/api/v1/detected_labels", "query", "{service_name=\"svc-2\"}",
                "start", ns(start), "end", ns(end)).body());
        Map<String, Set<String>> values = new TreeMap<>();
        linesIn(start, end).stream().filter(e -> e.service().equals("svc-2")).forEach(e -> labels(e).forEach((k, v) ->
                values.computeIfAbsent(k, x -> new TreeSet<>()).add(v)));
        values.remove("service_name");
        values.remove("detected_level");
        Map<String, Integer> answered = new TreeMap<>();
        labels.get("detectedLabels").forEach(l -> answered.put(l.get("label").asString(), l.get("cardinality").asInt()));
        Map<String, Integer> expected = new TreeMap<>();
        values.forEach((k, v) -> expected.put(k, v.size()));
        assertThat(answered).isEqualTo(expected);

        JsonNode fields = JSON.readTree(get("/loki/api/v1/detected_fields", "query", "{service_name=\"svc-json\"}",
                "start", ns(start), "end", ns(end)).body());
        Map<String, String> types = new TreeMap<>();
        Map<String, Integer> cardinality = new TreeMap<>();
        Map<String, Set<String>> parsers = new TreeMap<>();
        for (JsonNode f : fields.get("fields")) {
            String name = f.get("label").asString();
            types.put(name, f.get("type").asString());
            cardinality.put(name, f.get("cardinality").asInt());
            Set<String> p = new TreeSet<>();
            f.get("parsers").forEach(x -> p.add(x.asString()));
            parsers.put(name, p);
        }
        assertThat(types).containsEntry("status", "int").containsEntry("latency", "duration").containsEntry("ok", "boolean")
                .containsEntry("ratio", "float").containsEntry("path", "string").containsEntry("method", "string");
        assertThat(cardinality).containsEntry("status", 3).containsEntry("path", 5).containsEntry("method", 1)
                .containsEntry("latency", 2).containsEntry("ok", 2);
        assertThat(parsers.get("status")).containsExactly("json", "logfmt");
        assertThat(parsers.get("latency")).containsExactly("json");
        assertThat(fields.get("limit").asInt()).isEqualTo(1000);
    }

    @Test
    void tailOverWebSocket() throws Exception {
        List<LogEntry> stored = truth.stream().map(StoredLogEntry::entry).filter(e -> e.service().equals("svc-json"))
                .sorted(java.util.Comparator.comparing(LogEntry::timestamp)).toList();
        java.util.concurrent.BlockingQueue<String> messages = new java.util.concurrent.LinkedBlockingQueue<>();
        URI uri = URI.create("ws://localhost:" + coordinator.port() + "/loki/api/v1/tail?query="
                + URLEncoder.encode("{service_name=\"svc-json\"} != \"never\"", StandardCharsets.UTF_8)
                + "&start=" + ns(end.minus(Duration.ofHours(4))) + "&limit=10&delay_for=0");
        org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient client =
                new org.springframework.web.reactive.socket.client.ReactorNettyWebSocketClient();
        reactor.core.Disposable session = client.execute(uri, s -> s.receive()
                .doOnNext(m -> messages.add(m.getPayloadAsText())).then()).subscribe();
        try {
            // first the newest 10 stored lines, by stream, oldest first in each
            List<String> replayed = tailEntries(messages.poll(30, java.util.concurrent.TimeUnit.SECONDS));
            Map<String, List<String>> perStream = new TreeMap<>();
            replayed.forEach(e -> perStream.computeIfAbsent(e.substring(0, e.indexOf('|')), k -> new ArrayList<>())
                    .add(e.split("\\|")[1]));
            perStream.values().forEach(times -> assertThat(times).isSorted());
            assertThat(replayed).containsExactlyInAnyOrderElementsOf(stored.subList(stored.size() - 10, stored.size()).stream()
                    .map(e -> labels(e) + "|" + ns(e.timestamp()) + "|" + e.message()).toList());

            // then live lines as they are written
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            List<LogEntry> live = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                live.add(new LogEntry(now.plusMillis(i), "svc-json", dev.logquery.common.model.LogLevel.INFO, "ns-json",
                        "svc-json-pod-0", "app", "live line " + i));
            }
            live.add(new LogEntry(now, "svc-json", dev.logquery.common.model.LogLevel.INFO, "ns-json", "svc-json-pod-0",
                    "app", "never shown"));
            live.add(new LogEntry(now, "svc-other", dev.logquery.common.model.LogLevel.INFO, "ns-json", "p", "app", "other"));
            LineWriter.send(cluster.kafka().bootstrapServers(), cluster.topic(), live);
            Set<String> expected = new TreeSet<>();
            live.subList(0, 20).forEach(e -> expected.add(labels(e) + "|" + ns(e.timestamp()) + "|" + e.message()));
            Set<String> received = new TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.size() < expected.size() && System.nanoTime() < deadline) {
                String m = messages.poll(1, java.util.concurrent.TimeUnit.SECONDS);
                if (m != null) {
                    received.addAll(tailEntries(m));
                }
            }
            assertThat(received).isEqualTo(expected);
        } finally {
            session.dispose();
        }
    }

    /** The entries of a tail message as "labels|ns|line", in order. */
    static List<String> tailEntries(String message) {
        assertThat(message).isNotNull();
        return streamEntries(JSON.readTree(message).get("streams"));
    }

    @Test
    void badAndUnsupportedQueriesAre400s() throws Exception {
        HttpResponse<String> bad = get("/loki/api/v1/query_range", "query", "{service_name=\"svc-1\"} | line_format \"{{.x}}\"",
                "start", ns(start), "end", ns(end));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("parse error at line 1, col ").contains("line_format is not supported");
        assertThat(get("/loki/api/v1/patterns", "query", "{service_name=\"svc-1\"}").statusCode()).isEqualTo(404);
    }

    /** A Loki request: its path and parameters, and whether its answer is empty on purpose. */
    record LokiRequest(String path, boolean empty, String... params) {
        @Override
        public String toString() {
            return path + " " + String.join(" ", params);
        }
    }

    static LokiRequest request(String path, String... params) {
        return new LokiRequest(path, false, params);
    }

    static LokiRequest nothing(String path, String... params) {
        return new LokiRequest(path, true, params);
    }

    /** An answer without its {@code data.stats} (timings, shards queried): what must not depend on pruning. */
    static JsonNode withoutStats(JsonNode body) {
        JsonNode copy = body.deepCopy();
        if (copy.get("data") instanceof ObjectNode data) {
            data.remove("stats");
        }
        return copy;
    }

    /** Whether an answer holds anything: a non-empty {@code data} array or {@code data.result}. */
    static boolean holdsSomething(JsonNode body) {
        JsonNode data = body.get("data");
        return data.isArray() ? !data.isEmpty() : !data.path("result").isEmpty();
    }

    static long prunedShards(App to) {
        return CoordinatorApi.stats(to).at("/partitions/pruned").asLong();
    }

    @Test
    void pruningOnAndOffGiveTheSameAnswers() throws Exception {
        App unpruned = cluster.startCoordinator("logquery.coordinator.pruning", "false");
        cluster.awaitCatalog(unpruned, new Truth(truth), Duration.ofSeconds(30));
        String from = ns(start);
        String to = ns(end);
        List<LokiRequest> requests = List.of(
                request("/loki/api/v1/query_range", "direction", "backward", "limit", "100",
                        "query", "{service_name=\"svc-1\"}", "start", from, "end", to),
                request("/loki/api/v1/query_range", "direction", "backward", "limit", "1000",
                        "query", "{namespace=\"ns-1\", level=\"error\"} |= \"timed out\"", "start", from, "end", to),
                request("/loki/api/v1/query_range", "direction", "forward", "limit", "500",
                        "query", "{service_name=\"svc-2\", pod=\"svc-2-pod-1\"} != \"cache\"", "start", from, "end", to),
                request("/loki/api/v1/query_range", "direction", "backward", "limit", "1000",
                        "query", "{service_name=~\"svc-[0-3]\", level=~\"warn|error\"} |~ \"(?i)timeout\"", "start", from,
                        "end", to),
                request("/loki/api/v1/query_range", "direction", "forward", "limit", "50",
                        "query", "{namespace=\"ns-2\"} !~ \"GC|progress\"", "start", from, "end", to),
                request("/loki/api/v1/query_range", "direction", "backward", "limit", "1000",
                        "query", "{service_name=\"svc-3\", level=\"info\"} |= \"GET\" != \"#1\"", "start", from, "end", to),
                nothing("/loki/api/v1/query_range", "direction", "backward", "limit", "100",
                        "query", "{service_name=\"svc-none\"}", "start", from, "end", to),
                nothing("/loki/api/v1/query_range", "direction", "backward", "limit", "100",
                        "query", "{service_name=\"svc-1\"}", "start", ns(end.minus(Duration.ofHours(12))),
                        "end", ns(end.minus(Duration.ofHours(6)))),
                request("/loki/api/v1/query_range", "direction", "backward",
                        "query", "sum by (level) (count_over_time({service_name=\"svc-1\"}[5m]))", "start", from, "end", to,
                        "step", "300000ms"),
                request("/loki/api/v1/query_range", "direction", "backward",
                        "query", "sum by (level) (count_over_time({service_name=\"svc-1\"} |= \"GC\" [5m]))", "start", from,
                        "end", to, "step", "300000ms"),
                request("/loki/api/v1/query_range", "direction", "backward",
                        "query", "sum by (pod) (count_over_time({namespace=\"ns-1\", level=\"error\"}[10m]))", "start", from,
                        "end", to, "step", "600000ms"),
                request("/loki/api/v1/index/volume", "query", "{service_name=~\".+\"}", "start", from, "end", to,
                        "limit", "1000", "targetLabels", "service_name", "aggregateBy", "series"),
                request("/loki/api/v1/index/volume", "query", "{service_name=\"svc-1\"}", "start", from, "end", to,
                        "targetLabels", "level"),
                request("/loki/api/v1/index/volume", "query", "{service_name=\"svc-2\"}", "start", from, "end", to,
                        "aggregateBy", "labels"),
                nothing("/loki/api/v1/index/volume", "query", "{service_name=\"svc-none\"}", "start", from, "end", to),
                request("/loki/api/v1/index/volume_range", "query", "{service_name=\"svc-2\", level=~\"error|warn\"}",
                        "start", from, "end", to, "step", "600000ms", "targetLabels", "level", "limit", "100"),
                request("/loki/api/v1/index/volume_range", "query", "{namespace=\"ns-0\"}", "start", from, "end", to,
                        "step", "900000ms", "targetLabels", "service_name"),
                request("/loki/api/v1/labels", "start", from, "end", to),
                request("/loki/api/v1/labels", "start", from, "end", to, "query", "{service_name=\"svc-4\"}"),
                request("/loki/api/v1/label/service_name/values", "start", from, "end", to),
                request("/loki/api/v1/label/level/values", "start", from, "end", to),
                request("/loki/api/v1/label/pod/values", "start", from, "end", to, "query", "{service_name=\"svc-2\"}"),
                request("/loki/api/v1/series", "start", from, "end", to, "match[]", "{service_name=\"svc-2\", level=\"error\"}"));

        long prunedBefore = prunedShards(coordinator);
        long unprunedBefore = prunedShards(unpruned);
        for (LokiRequest r : requests) {
            JsonNode pruned = ok(get(coordinator, r.path(), r.params()));
            JsonNode all = ok(get(unpruned, r.path(), r.params()));
            assertThat(withoutStats(all)).as("without pruning: %s", r).isEqualTo(withoutStats(pruned));
            assertThat(pruned.has("warnings")).as("warnings of %s", r).isFalse();
            assertThat(holdsSomething(pruned)).as("whether %s answers anything", r).isEqualTo(!r.empty());
        }
        // the comparison proves something only if the one coordinator pruned shards and the other did not
        assertThat(prunedShards(coordinator)).as("shards the pruning coordinator pruned").isGreaterThan(prunedBefore);
        assertThat(prunedShards(unpruned)).as("shards the coordinator without pruning pruned").isEqualTo(unprunedBefore);
    }

    /** Every row of the truth that {@code filter} selects, as Loki entries ("labels|ns|line"), cut as a log query does. */
    static List<String> expectedRows(Predicate<StoredLogEntry> filter, int limit) {
        return truth.stream().filter(filter).sorted(LogOrder.NEWEST_FIRST).limit(limit)
                .map(r -> labels(r.entry()) + "|" + ns(r.entry().timestamp()) + "|" + r.entry().message()).toList();
    }

    /** Per {@code by} and point {@code t} of {@code [start, end]} by {@code step}: the sum of {@code value} over {@code (t - step, t]}. */
    static Map<String, Map<Long, Long>> expectedPerStep(Predicate<StoredLogEntry> filter, Function<LogEntry, String> by,
                                                       ToLongFunction<LogEntry> value, Duration step) {
        Map<String, Map<Long, Long>> expected = new TreeMap<>();
        for (Instant t = start; !t.isAfter(end); t = t.plus(step)) {
            Instant from = t.minus(step);
            for (StoredLogEntry r : truth) {
                LogEntry e = r.entry();
                if (filter.test(r) && e.timestamp().isAfter(from) && !e.timestamp().isAfter(t)) {
                    expected.computeIfAbsent(by.apply(e), k -> new TreeMap<>()).merge(t.getEpochSecond(),
                            value.applyAsLong(e), Long::sum);
                }
            }
        }
        return expected;
    }

    /** A matrix answer as {@code label} value -> second -> value. */
    static Map<String, Map<Long, Long>> matrix(JsonNode body, String label) {
        assertThat(body.at("/data/resultType").asString()).isEqualTo("matrix");
        Map<String, Map<Long, Long>> answered = new TreeMap<>();
        for (JsonNode series : body.at("/data/result")) {
            assertThat(series.get("metric").propertyNames()).containsExactly(label);
            Map<Long, Long> points = new TreeMap<>();
            series.get("values").forEach(v -> points.put(v.get(0).asLong(), Long.parseLong(v.get(1).asString())));
            answered.put(series.at("/metric/" + label).asString(), points);
        }
        return answered;
    }

    /**
     * A partial answer as the Loki section of docs/api.md promises it: 200, {@code status: success}, and beside
     * {@code data} a {@code warnings} array naming the failed shard (and no other).
     */
    static JsonNode partialAnswer(HttpResponse<String> response, int failed) {
        ok(response);
        return partialMetadata(response, failed);
    }

    /**
     * A partial answer of an endpoint whose Loki shape has no {@code status}/{@code data} wrapper ({@code index/stats},
     * {@code detected_labels}, {@code detected_fields}): 200 and a top-level {@code warnings} array naming the failed
     * shard (and no other), as {@link #partialAnswer}.
     */
    static JsonNode partialMetadata(HttpResponse<String> response, int failed) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        String head = response.body().substring(0, Math.min(500, response.body().length()));
        assertThat(body.has("warnings")).as("warnings in %s", head).isTrue();
        List<String> warnings = new ArrayList<>();
        body.get("warnings").forEach(w -> warnings.add(w.asString()));
        assertThat(warnings).as("warnings in %s", head).hasSize(1);
        assertThat(warnings.get(0)).startsWith("partial answer").contains("shard " + failed + " (");
        for (int s = 0; s < SHARDS; s++) {
            if (s != failed) {
                assertThat(warnings.get(0)).doesNotContain("shard " + s + " (");
            }
        }
        return body;
    }

    /** Whether the coordinator answers a query over every shard completely (no warning). */
    static boolean completeAnswer() throws Exception {
        HttpResponse<String> r = get("/loki/api/v1/query_range", "direction", "backward", "limit", "1",
                "query", "{service_name=~\"svc-.+\"}", "start", ns(start), "end", ns(end));
        return r.statusCode() == 200 && !JSON.readTree(r.body()).has("warnings");
    }

    @Test
    void aFailedShardIsAWarningNeverASilentPartialAnswer() throws Exception {
        int failed = 2;
        Predicate<StoredLogEntry> onHealthyShard = r -> r.shard() != failed;
        Predicate<StoredLogEntry> healthy = onHealthyShard.and(r -> inWindow(r.entry(), start, end));
        Predicate<StoredLogEntry> timedOut = r -> r.entry().service().startsWith("svc-")
                && r.entry().message().contains("timed out");
        Predicate<StoredLogEntry> errorOrWarn = r -> r.entry().level().name().equals("ERROR")
                || r.entry().level().name().equals("WARN");
        Predicate<StoredLogEntry> gc = r -> r.entry().service().startsWith("svc-") && r.entry().message().contains("GC");
        // the failed shard holds lines of every request: without it, the answers really are partial
        for (Predicate<StoredLogEntry> p : List.of(timedOut, errorOrWarn, gc)) {
            assertThat(truth.stream().filter(r -> r.shard() == failed && inWindow(r.entry(), start, end)).anyMatch(p))
                    .isTrue();
        }
        Predicate<StoredLogEntry> error = r -> r.entry().level().name().equals("ERROR");
        Predicate<StoredLogEntry> svc = r -> r.entry().service().startsWith("svc-");
        for (Predicate<StoredLogEntry> p : List.of(error, svc, svc.and(r -> !r.entry().service().equals("svc-json")))) {
            assertThat(truth.stream().filter(r -> r.shard() == failed && inWindow(r.entry(), start, end)).anyMatch(p))
                    .isTrue();
        }
        // detected_fields reads fields out of the lines: the complete answer, to compare the partial one with
        JsonNode allFields = JSON.readTree(get("/loki/api/v1/detected_fields", "query", "{service_name=~\"svc-.+\"}",
                "start", ns(start), "end", ns(end)).body());
        Set<String> allFieldNames = new TreeSet<>();
        allFields.get("fields").forEach(f -> allFieldNames.add(f.get("label").asString()));
        App node = cluster.node(failed);
        node.stopServer(); // its server only: the coordinator beside it shares Reactor Netty's global resources
        try {
            // a log query whose regex selector prunes no shard: the healthy shards' lines, the failed one named
            JsonNode logs = partialAnswer(get("/loki/api/v1/query_range", "direction", "backward", "limit", "5000",
                    "query", "{service_name=~\"svc-.+\"} |= \"timed out\"", "start", ns(start), "end", ns(end)), failed);
            List<String> expectedLogs = expectedRows(healthy.and(timedOut), 5000);
            assertThat(expectedLogs).isNotEmpty().hasSizeLessThan(5000);
            assertThat(entries(logs)).containsExactlyInAnyOrderElementsOf(expectedLogs);

            // a metric query counted on the nodes (level matchers only, range == step)
            Duration tenMinutes = Duration.ofMinutes(10);
            JsonNode counted = partialAnswer(get("/loki/api/v1/query_range", "direction", "backward",
                    "query", "sum by (service_name) (count_over_time({level=~\"error|warn\"}[10m]))",
                    "start", ns(start), "end", ns(end), "step", tenMinutes.toMillis() + "ms"), failed);
            Map<String, Map<Long, Long>> expectedCounted = expectedPerStep(onHealthyShard.and(errorOrWarn),
                    LogEntry::service, e -> 1L, tenMinutes);
            assertThat(matrix(counted, "service_name")).isEqualTo(expectedCounted);
            // its summary is what the nodes counted, not zeros
            assertThat(counted.at("/data/stats/summary/totalLinesProcessed").asLong()).isEqualTo(expectedCounted.values()
                    .stream().flatMap(points -> points.values().stream()).mapToLong(Long::longValue).sum());
            assertThat(counted.at("/data/stats/summary/shards").asInt()).isPositive();

            // a metric query evaluated from rows (a line filter)
            Duration fiveMinutes = Duration.ofMinutes(5);
            JsonNode fromRows = partialAnswer(get("/loki/api/v1/query_range", "direction", "backward",
                    "query", "sum by (level) (count_over_time({service_name=~\"svc-.+\"} |= \"GC\" [5m]))",
                    "start", ns(start), "end", ns(end), "step", fiveMinutes.toMillis() + "ms"), failed);
            assertThat(matrix(fromRows, "level")).isEqualTo(expectedPerStep(onHealthyShard.and(gc),
                    e -> e.level().name().toLowerCase(Locale.ROOT), e -> 1L, fiveMinutes));

            // index/volume: bytes per service of the healthy shards
            JsonNode volume = partialAnswer(get("/loki/api/v1/index/volume", "query", "{service_name=~\".+\"}",
                    "start", ns(start), "end", ns(end), "limit", "1000", "targetLabels", "service_name"), failed);
            assertThat(volume.at("/data/resultType").asString()).isEqualTo("vector");
            Map<String, Long> answeredVolume = new TreeMap<>();
            volume.at("/data/result").forEach(v -> answeredVolume.put(v.at("/metric/service_name").asString(),
                    Long.parseLong(v.at("/value/1").asString())));
            Map<String, Long> expectedVolume = new TreeMap<>();
            truth.stream().filter(healthy).map(StoredLogEntry::entry)
                    .forEach(e -> expectedVolume.merge(e.service(), utf8(e.message()), Long::sum));
            assertThat(answeredVolume).isNotEmpty().isEqualTo(expectedVolume);

            // index/volume_range: bytes per service and (t - step, t] of the healthy shards
            JsonNode volumeRange = partialAnswer(get("/loki/api/v1/index/volume_range", "query", "{service_name=~\".+\"}",
                    "start", ns(start), "end", ns(end), "step", tenMinutes.toMillis() + "ms", "targetLabels", "service_name",
                    "limit", "100"), failed);
            assertThat(matrix(volumeRange, "service_name")).isNotEmpty().isEqualTo(expectedPerStep(onHealthyShard,
                    LogEntry::service, e -> utf8(e.message()), tenMinutes));

            // the metadata endpoints: the healthy shards' labels, series and counts, the failed shard named
            List<LogEntry> healthyLines = truth.stream().filter(healthy).map(StoredLogEntry::entry).toList();
            Set<String> expectedNames = new TreeSet<>();
            healthyLines.stream().filter(e -> e.service().startsWith("svc-"))
                    .forEach(e -> expectedNames.addAll(labels(e).keySet()));
            JsonNode names = partialAnswer(get("/loki/api/v1/labels", "query", "{service_name=~\"svc-.+\"}",
                    "start", ns(start), "end", ns(end)), failed);
            assertThat(names.get("data")).extracting(JsonNode::asString).isNotEmpty()
                    .containsExactlyElementsOf(expectedNames);

            Set<String> expectedServices = new TreeSet<>();
            healthyLines.forEach(e -> expectedServices.add(e.service()));
            JsonNode services = partialAnswer(get("/loki/api/v1/label/service_name/values",
                    "start", ns(start), "end", ns(end)), failed);
            assertThat(services.get("data")).extracting(JsonNode::asString).isNotEmpty()
                    .containsExactlyElementsOf(expectedServices);

            Set<Map<String, String>> expectedSeries = new HashSet<>();
            healthyLines.stream().filter(e -> e.level().name().equals("ERROR")).forEach(e -> expectedSeries.add(labels(e)));
            JsonNode seriesBody = partialAnswer(get("/loki/api/v1/series", "start", ns(start), "end", ns(end),
                    "match[]", "{level=\"error\"}"), failed);
            Set<Map<String, String>> answeredSeries = new HashSet<>();
            for (JsonNode s : seriesBody.get("data")) {
                Map<String, String> labels = new TreeMap<>();
                s.properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
                answeredSeries.add(labels);
            }
            assertThat(answeredSeries).isNotEmpty().isEqualTo(expectedSeries);

            // index/stats and detected_*: Loki's shapes without status/data, the same top-level warnings
            List<LogEntry> healthySvc = healthyLines.stream().filter(e -> e.service().startsWith("svc-")).toList();
            JsonNode stats = partialMetadata(get("/loki/api/v1/index/stats", "query", "{service_name=~\"svc-.+\"}",
                    "start", ns(start), "end", ns(end)), failed);
            assertThat(stats.get("entries").asLong()).isEqualTo(healthySvc.size());
            assertThat(stats.get("bytes").asLong()).isEqualTo(healthySvc.stream().mapToLong(e -> utf8(e.message())).sum());
            assertThat(stats.get("streams").asLong()).isEqualTo(healthySvc.stream().map(LokiApiIT::labels).distinct().count());

            JsonNode detectedLabels = partialMetadata(get("/loki/api/v1/detected_labels",
                    "query", "{service_name=~\"svc-.+\"}", "start", ns(start), "end", ns(end)), failed);
            Map<String, Set<String>> labelValues = new TreeMap<>();
            healthySvc.forEach(e -> labels(e).forEach((k, v) -> labelValues.computeIfAbsent(k, x -> new TreeSet<>()).add(v)));
            labelValues.remove("service_name");
            labelValues.remove("detected_level");
            Map<String, Integer> expectedCardinality = new TreeMap<>();
            labelValues.forEach((k, v) -> expectedCardinality.put(k, v.size()));
            Map<String, Integer> answeredCardinality = new TreeMap<>();
            detectedLabels.get("detectedLabels").forEach(l -> answeredCardinality.put(l.get("label").asString(),
                    l.get("cardinality").asInt()));
            assertThat(answeredCardinality).isNotEmpty().isEqualTo(expectedCardinality);

            JsonNode detectedFields = partialMetadata(get("/loki/api/v1/detected_fields",
                    "query", "{service_name=~\"svc-.+\"}", "start", ns(start), "end", ns(end)), failed);
            Set<String> fieldNames = new TreeSet<>();
            detectedFields.get("fields").forEach(f -> fieldNames.add(f.get("label").asString()));
            assertThat(fieldNames).isNotEmpty().isSubsetOf(allFieldNames);

            assertThat(Http.get(coordinator.url() + "/actuator/prometheus").body())
                    .contains("query_partition_failures_total{").contains("shard=\"" + failed + "\"");
        } finally {
            node.startServer();
            CoordinatorApi.awaitShardServes(coordinator, failed, Duration.ofSeconds(30), LokiApiIT::completeAnswer);
        }
    }
}
