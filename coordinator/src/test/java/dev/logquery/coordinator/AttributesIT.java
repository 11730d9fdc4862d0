package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Truth;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Attributes end to end (a KRaft broker, three partition nodes on real PostgreSQL, the coordinator, all in this JVM):
 * lines written to Kafka with {@code attributes}, then the attribute filter of {@code POST /api/query/logs}, the
 * pruning of shards whose attribute blooms lack a queried pair, and attributes as Loki labels (selectors, the label
 * browser, a metric grouped by an attribute), each compared with the truth computed from the lines written.
 */
class AttributesIT {

    static final int SHARDS = 3;
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** A cluster value only lines of one service have: every shard but that service's has no such pair. */
    static final String RARE_CLUSTER = "ap-9";
    static final String RARE_SERVICE = "svc-0";

    static Cluster cluster;
    static App coordinator;
    static Truth truth;
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
        List<LogEntry> lines = new ArrayList<>(KnownLines.withAttributes(16,
                KnownLines.forQueries(16, 3_000, 6, end.minusSeconds(1), Duration.ofHours(2))));
        for (int i = 0; i < 40; i++) {
            lines.add(new LogEntry(end.minusSeconds(10L + 60L * i).truncatedTo(ChronoUnit.MICROS), RARE_SERVICE,
                    i % 3 == 0 ? LogLevel.ERROR : LogLevel.UNKNOWN, "ns-0", RARE_SERVICE + "-pod-0", "app",
                    "rare line " + i, Map.of("cluster", RARE_CLUSTER, "k8s_node_name", "node-" + (i % 2))));
        }
        Truth written = cluster.write(lines);
        truth = written;
        cluster.awaitStored(written, Duration.ofSeconds(60));
        cluster.awaitCatalog(coordinator, written, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------ POST /api/query/logs

    static JsonNode query(LogQuery q, String cursor) {
        String body = CoordinatorApi.body(q, cursor).toString();
        HttpResponse<String> response = CoordinatorApi.post(coordinator, body, null);
        assertThat(response.statusCode()).as("status of %s: %s", body, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    static List<String> keys(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("logs").forEach(log -> out.add(Truth.key(log)));
        return out;
    }

    @Test
    void theAttributeFilterAnswersExactlyTheTruth() {
        List<Map<String, String>> filters = List.of(Map.of("cluster", "eu-1"), Map.of("cluster", "eu-2", "zone", "a"),
                Map.of("cluster", "us-1"), Map.of("zone", "b"), Map.of("cluster", "nowhere"),
                Map.of("cluster", RARE_CLUSTER, "k8s_node_name", "node-1"));
        for (Map<String, String> filter : filters) {
            LogQuery q = LogQueryBuilder.between(start, end).attributes(filter).limit(2_000).build();
            List<String> expected = Truth.keys(truth.expected(q));
            assertThat(keys(query(q, null))).as("answer to %s", filter).containsExactlyElementsOf(expected);
            LogQuery withService = LogQueryBuilder.between(start, end).service("svc-1").levels(LogLevel.ERROR,
                    LogLevel.WARN).attributes(filter).limit(2_000).build();
            assertThat(keys(query(withService, null))).as("answer to svc-1 and %s", filter)
                    .containsExactlyElementsOf(Truth.keys(truth.expected(withService)));
        }
        // every returned line carries its attributes: lines without any come back without the field
        LogQuery all = LogQueryBuilder.between(start, end).service("svc-2").limit(500).build();
        assertThat(keys(query(all, null))).containsExactlyElementsOf(Truth.keys(truth.expected(all)));
        assertThat(truth.expected(all)).anyMatch(r -> r.entry().attributes().isEmpty())
                .anyMatch(r -> !r.entry().attributes().isEmpty());
    }

    @Test
    void pagesOfAnAttributeFilterFollowTheirCursor() {
        LogQuery q = LogQueryBuilder.between(start, end).attributes(Map.of("cluster", "eu-1")).limit(300).build();
        List<String> seen = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 100; page++) {
            JsonNode answer = query(q, cursor);
            seen.addAll(keys(answer));
            JsonNode next = answer.get("nextCursor");
            if (next == null || next.isNull()) {
                break;
            }
            cursor = next.asString();
        }
        assertThat(seen).containsExactlyElementsOf(Truth.keys(truth.everything(q)));
        // the cursor belongs to its attributes: the same cursor with another value is refused
        String first = query(q, null).get("nextCursor").asString();
        LogQuery other = LogQueryBuilder.between(start, end).attributes(Map.of("cluster", "eu-2")).limit(300).build();
        HttpResponse<String> refused = CoordinatorApi.post(coordinator, CoordinatorApi.body(other, first).toString(), null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("cursor");
    }

    @Test
    void badAttributesAreA400NamingTheField() {
        String body = "{\"startTime\": \"" + start + "\", \"endTime\": \"" + end + "\", \"attributes\": {\"cluster\": 5}}";
        HttpResponse<String> response = CoordinatorApi.post(coordinator, body, null);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(response.body()).contains("attributes.cluster");
    }

    @Test
    void shardsWhoseBloomsLackThePairArePruned() throws Exception {
        Set<Integer> holding = truth.rows().stream()
                .filter(r -> RARE_CLUSTER.equals(r.entry().attributes().get("cluster")))
                .map(StoredLogEntry::shard).collect(Collectors.toSet());
        assertThat(holding).hasSizeLessThan(SHARDS);
        LogQuery q = LogQueryBuilder.between(start, end).attributes(Map.of("cluster", RARE_CLUSTER)).limit(100).build();
        JsonNode answer = query(q, null);
        assertThat(keys(answer)).containsExactlyElementsOf(Truth.keys(truth.expected(q)));
        assertThat(answer.get("partitionsPruned").asInt()).as("shards pruned by their attribute blooms").isPositive();
        assertThat(answer.get("partitionsQueried").asInt()).isGreaterThanOrEqualTo(holding.size());
        HttpResponse<String> metrics = Http.get(coordinator.url() + "/actuator/prometheus");
        assertThat(metrics.body()).contains("pruner=\"attributes\"");
    }

    // ------------------------------------------------------------------ the Loki API

    static HttpResponse<String> get(String path, String... kv) {
        StringBuilder uri = new StringBuilder(coordinator.url() + path);
        for (int i = 0; i < kv.length; i += 2) {
            uri.append(i == 0 ? '?' : '&').append(URLEncoder.encode(kv[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(kv[i + 1], StandardCharsets.UTF_8));
        }
        return Http.get(uri.toString());
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

    /** A line's Loki stream labels: the built-in ones, then its attributes. */
    static Map<String, String> labels(LogEntry e) {
        Map<String, String> labels = new TreeMap<>(e.attributes());
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

    static boolean inWindow(LogEntry e) {
        return !e.timestamp().isBefore(start) && !e.timestamp().isAfter(end);
    }

    static List<String> entries(JsonNode body) {
        assertThat(body.at("/data/resultType").asString()).isEqualTo("streams");
        List<String> out = new ArrayList<>();
        for (JsonNode stream : body.at("/data/result")) {
            Map<String, String> labels = new TreeMap<>();
            stream.get("stream").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            for (JsonNode value : stream.get("values")) {
                out.add(labels + "|" + value.get(0).asString() + "|" + value.get(1).asString());
            }
        }
        return out;
    }

    static List<String> expected(Predicate<LogEntry> filter) {
        return truth.rows().stream().filter(r -> inWindow(r.entry()) && filter.test(r.entry()))
                .sorted(LogOrder.NEWEST_FIRST)
                .map(r -> labels(r.entry()) + "|" + ns(r.entry().timestamp()) + "|" + r.entry().message()).toList();
    }

    static JsonNode range(String query) {
        return ok(get("/loki/api/v1/query_range", "query", query, "start", ns(start), "end", ns(end), "limit", "5000",
                "direction", "backward"));
    }

    @Test
    void lokiSelectorsOnAttributes() {
        Predicate<LogEntry> svc1 = e -> e.service().equals("svc-1");
        assertThat(entries(range("{service_name=\"svc-1\", cluster=\"eu-1\"}"))).containsExactlyInAnyOrderElementsOf(
                expected(svc1.and(e -> "eu-1".equals(e.attributes().get("cluster")))));
        assertThat(entries(range("{service_name=\"svc-1\", cluster!=\"eu-1\"}"))).containsExactlyInAnyOrderElementsOf(
                expected(svc1.and(e -> !"eu-1".equals(e.attributes().get("cluster")))));
        assertThat(entries(range("{service_name=\"svc-1\", cluster=~\"eu-.*\", zone!~\"a\"}")))
                .containsExactlyInAnyOrderElementsOf(expected(svc1.and(e -> e.attributes().getOrDefault("cluster", "")
                        .startsWith("eu-") && !"a".equals(e.attributes().get("zone")))));
        assertThat(entries(range("{cluster=\"" + RARE_CLUSTER + "\", level=\"unknown\"}")))
                .containsExactlyInAnyOrderElementsOf(expected(e -> RARE_CLUSTER.equals(e.attributes().get("cluster"))
                        && e.level() == LogLevel.UNKNOWN)).isNotEmpty();
    }

    @Test
    void theLabelBrowserListsAttributes() {
        JsonNode names = ok(get("/loki/api/v1/labels", "start", ns(start), "end", ns(end)));
        assertThat(names.get("data")).extracting(JsonNode::asString).contains("cluster", "zone", "trace_id",
                "k8s_node_name", "service_name", "level");
        Set<String> clusters = new TreeSet<>();
        truth.rows().stream().map(StoredLogEntry::entry).filter(AttributesIT::inWindow)
                .map(e -> e.attributes().get("cluster")).filter(c -> c != null).forEach(clusters::add);
        JsonNode values = ok(get("/loki/api/v1/label/cluster/values", "start", ns(start), "end", ns(end)));
        assertThat(values.get("data")).extracting(JsonNode::asString).containsExactlyElementsOf(clusters);
        JsonNode narrowed = ok(get("/loki/api/v1/labels", "start", ns(start), "end", ns(end), "query",
                "{cluster=\"" + RARE_CLUSTER + "\"}"));
        assertThat(narrowed.get("data")).extracting(JsonNode::asString).contains("cluster", "k8s_node_name")
                .doesNotContain("zone");
        JsonNode series = ok(get("/loki/api/v1/series", "start", ns(start), "end", ns(end), "match[]",
                "{cluster=\"" + RARE_CLUSTER + "\"}"));
        Set<Map<String, String>> expectedSeries = new java.util.HashSet<>();
        truth.rows().stream().map(StoredLogEntry::entry)
                .filter(e -> inWindow(e) && RARE_CLUSTER.equals(e.attributes().get("cluster")))
                .forEach(e -> expectedSeries.add(labels(e)));
        Set<Map<String, String>> actualSeries = new java.util.HashSet<>();
        for (JsonNode s : series.get("data")) {
            Map<String, String> labels = new TreeMap<>();
            s.properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            actualSeries.add(labels);
        }
        assertThat(actualSeries).isEqualTo(expectedSeries);
    }

    /** An instant metric query over the whole window, as {labels} → value. */
    static Map<Map<String, String>, Long> instant(String query) {
        JsonNode body = ok(get("/loki/api/v1/query", "query", query, "time", ns(end)));
        Map<Map<String, String>, Long> out = new java.util.HashMap<>();
        for (JsonNode r : body.at("/data/result")) {
            Map<String, String> labels = new TreeMap<>();
            r.get("metric").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            out.put(labels, Long.parseLong(r.get("value").get(1).asString()));
        }
        return out;
    }

    @Test
    void metricsGroupedByAttributesAreExact() {
        String window = "[" + Duration.between(start, end).toSeconds() + "s]";
        // (time - range, time]: the window without its first instant
        Predicate<LogEntry> counted = e -> e.timestamp().isAfter(start) && !e.timestamp().isAfter(end)
                && e.service().equals("svc-2");
        Map<Map<String, String>, Long> byCluster = new java.util.HashMap<>();
        truth.rows().stream().map(StoredLogEntry::entry).filter(counted).forEach(e -> byCluster.merge(
                e.attributes().containsKey("cluster") ? Map.of("cluster", e.attributes().get("cluster")) : Map.of(),
                1L, Long::sum));
        assertThat(instant("sum by (cluster) (count_over_time({service_name=\"svc-2\"}" + window + "))"))
                .isEqualTo(byCluster);

        Map<Map<String, String>, Long> byLevel = new java.util.HashMap<>();
        truth.rows().stream().map(StoredLogEntry::entry)
                .filter(counted.and(e -> "eu-1".equals(e.attributes().get("cluster"))))
                .forEach(e -> byLevel.merge(Map.of("cluster", "eu-1", "level", e.level().name().toLowerCase(Locale.ROOT)),
                        1L, Long::sum));
        assertThat(instant("sum by (cluster, level) (count_over_time({service_name=\"svc-2\", cluster=\"eu-1\"}"
                + window + "))")).isEqualTo(byLevel);

        Map<Map<String, String>, Long> byStream = new java.util.HashMap<>();
        truth.rows().stream().map(StoredLogEntry::entry).filter(counted)
                .forEach(e -> byStream.merge(labels(e), 1L, Long::sum));
        assertThat(instant("count_over_time({service_name=\"svc-2\"}" + window + ")")).isEqualTo(byStream);
    }

    static long utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void volumesStatsAndDetectedLabelsSeeAttributes() {
        Predicate<LogEntry> svc3 = e -> inWindow(e) && e.service().equals("svc-3");
        List<LogEntry> lines = truth.rows().stream().map(StoredLogEntry::entry).filter(svc3).toList();

        Map<Map<String, String>, Long> bytesByCluster = new java.util.HashMap<>();
        lines.stream().filter(e -> e.attributes().containsKey("cluster")).forEach(e -> bytesByCluster.merge(
                Map.of("cluster", e.attributes().get("cluster")), utf8(e.message()), Long::sum));
        JsonNode volume = ok(get("/loki/api/v1/index/volume", "query", "{service_name=\"svc-3\"}", "targetLabels",
                "cluster", "start", ns(start), "end", ns(end)));
        Map<Map<String, String>, Long> actual = new java.util.HashMap<>();
        for (JsonNode r : volume.at("/data/result")) {
            Map<String, String> labels = new TreeMap<>();
            r.get("metric").properties().forEach(p -> labels.put(p.getKey(), p.getValue().asString()));
            actual.put(labels, Long.parseLong(r.get("value").get(1).asString()));
        }
        assertThat(actual).isEqualTo(bytesByCluster);

        HttpResponse<String> statsResponse = get("/loki/api/v1/index/stats", "query", "{service_name=\"svc-3\"}",
                "start", ns(start), "end", ns(end));
        assertThat(statsResponse.statusCode()).as(statsResponse.body()).isEqualTo(200);
        JsonNode stats = JSON.readTree(statsResponse.body());
        assertThat(stats.get("entries").asLong()).isEqualTo(lines.size());
        assertThat(stats.get("streams").asLong()).isEqualTo(lines.stream().map(AttributesIT::labels).distinct().count());

        HttpResponse<String> detectedResponse = get("/loki/api/v1/detected_labels", "query", "{service_name=\"svc-3\"}",
                "start", ns(start), "end", ns(end));
        assertThat(detectedResponse.statusCode()).as(detectedResponse.body()).isEqualTo(200);
        Map<String, Integer> cardinality = new TreeMap<>();
        JSON.readTree(detectedResponse.body()).get("detectedLabels").forEach(l -> cardinality.put(l.get("label").asString(),
                l.get("cardinality").asInt()));
        assertThat(cardinality).containsEntry("cluster", (int) lines.stream().map(e -> e.attributes().get("cluster"))
                .filter(c -> c != null).distinct().count())
                .containsEntry("zone", (int) lines.stream().map(e -> e.attributes().get("zone")).filter(c -> c != null)
                        .distinct().count())
                .containsKey("pod").doesNotContainKey("service_name");
    }
}
