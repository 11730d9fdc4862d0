package dev.logquery.coordinator;

import static dev.logquery.coordinator.CoordinatorApi.JSON;
import static dev.logquery.coordinator.CoordinatorApi.body;
import static dev.logquery.testkit.Truth.keys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.FreePorts;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Prometheus;
import dev.logquery.testkit.RandomQueries;
import dev.logquery.testkit.Truth;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The query path end to end: a KRaft broker, three partition nodes on three real PostgreSQL servers and
 * the coordinator, all in this JVM (the test kit's {@link Cluster}). Known lines go in through an ordinary Kafka
 * producer; answers of {@code POST /api/query/logs} must equal what the {@link Truth} gives (filtering, sorting
 * {@link LogOrder#NEWEST_FIRST} and cutting the written lines in Java), line for line. A second coordinator with
 * pruning switched off answers the same queries, and BlockHound watches every event-loop thread (the
 * coordinator's and the nodes') for a blocking call during each test. The tests run in any order: the one that
 * writes more lines adds them to the truth and waits until both coordinators' metadata covers them, the one
 * that stops a node brings it back before it ends.
 */
class QueryPathIT {

    static final int SHARDS = 3;
    static final int SERVICES = 12;
    static final Duration STORED = Duration.ofSeconds(60);

    static Cluster cluster;
    static App coordinator;
    /** The same shards, with {@code logquery.coordinator.pruning=false}. */
    static App unprunedCoordinator;
    /** The lines written before the tests, which the random queries draw their samples from. */
    static Truth written;
    /** Every line written so far: {@link #written} and the lines that arrive during a test. */
    static volatile Truth truth;
    static Instant oldest;
    static Instant newest;

    @BeforeAll
    static void startSystem() throws Exception {
        EventLoopWatch.install(); // any blocking call on an event loop is recorded
        // The lines are stamped up to the moment they are written, and the pruning checks ask windows ending at the
        // newest: with the default fresh span (a minute) those windows reach into "may hold rows the metadata does not
        // show yet" and no shard would be pruned. A span of 0 prunes every window that ends before the metadata was
        // made; SearchServiceTest covers the fresh span itself.
        cluster = Cluster.builder().shards(SHARDS).coordinator()
                .coordinator("logquery.coordinator.fresh-span", "0s").start();
        coordinator = cluster.coordinator();
        unprunedCoordinator = cluster.startCoordinator("logquery.coordinator.pruning", "false");

        Instant end = Instant.now().truncatedTo(ChronoUnit.MICROS);
        written = cluster.write(KnownLines.forQueries(11, 15_000, SERVICES, end, Duration.ofDays(2)));
        truth = written;
        oldest = written.oldest();
        newest = written.newest();
        cluster.awaitStored(truth, STORED);
        awaitMetadataCoversTheTruth();
        assertThat(EventLoopWatch.takeBlockingCalls()).as("blocking calls while the system started").isEmpty();
    }

    /** Both coordinators' metadata knows every line written: from then on, pruning cannot miss one. */
    static void awaitMetadataCoversTheTruth() throws Exception {
        cluster.awaitCatalog(coordinator, truth, Duration.ofSeconds(30));
        cluster.awaitCatalog(unprunedCoordinator, truth, Duration.ofSeconds(30));
    }

    @AfterEach
    void noEventLoopThreadBlocked() {
        assertThat(EventLoopWatch.takeBlockingCalls()).as("blocking calls on non-blocking threads").isEmpty();
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    // ------------------------------------------------------------------ requests

    static HttpResponse<String> post(String body, String accept) {
        return CoordinatorApi.post(coordinator, body, accept);
    }

    /** The JSON answer to {@code q}, checked to be a complete 200 of the contract's shape. */
    static JsonNode query(LogQuery q, String cursor) {
        return query(coordinator, q, cursor);
    }

    static JsonNode query(App to, LogQuery q, String cursor) {
        String body = body(q, cursor).toString();
        HttpResponse<String> response = CoordinatorApi.post(to, body, null);
        assertThat(response.statusCode()).as("status of %s: %s", body, response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.propertyNames()).containsExactly("logs", "partitionsTotal", "partitionsQueried",
                "partitionsPruned", "partial", "failedPartitions", "tookMs", "nextCursor");
        return page;
    }

    /** A row of an answer (JSON or NDJSON), checked to have exactly the contract's fields, as {@link Truth#key}. */
    static String key(JsonNode log) {
        assertThat(log.propertyNames()).containsExactly("timestamp", "service", "level", "namespace", "pod",
                "container", "message", "partition");
        return Truth.key(log);
    }

    static List<String> logKeys(JsonNode page) {
        List<String> keys = new ArrayList<>();
        page.get("logs").forEach(log -> keys.add(key(log)));
        return keys;
    }

    /** What runs between two pages of a walk ({@code page}: how many were read). */
    interface BetweenPages {
        void after(int page) throws Exception;
    }

    /**
     * Every page of {@code first}, following its cursors to the end, as row keys; fails if it takes more pages
     * than {@code matching} rows fill (plus two).
     */
    static List<String> walk(LogQuery first, int matching, BetweenPages betweenPages) throws Exception {
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = query(first, cursor);
            walked.addAll(logKeys(page));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
            pages++;
            assertThat(pages).isLessThan(matching / first.limit() + 3);
            betweenPages.after(pages);
        } while (cursor != null);
        return walked;
    }

    static LogQuery randomQuery(Random r) {
        return new RandomQueries(written, SERVICES, 400, Duration.ofDays(3)).next(r);
    }

    /** A row of the lines written before the tests: the same samples whatever ran before. */
    static StoredLogEntry randomRow(Random r) {
        return written.rows().get(r.nextInt(written.size()));
    }

    static LogQuery all(int limit) {
        return LogQueryBuilder.between(oldest.minusSeconds(1), newest.plusSeconds(1)).limit(limit).build();
    }

    /** A query for one service over every line written: the shards that do not hold it are pruned. */
    static LogQuery serviceQuery(String service, int limit) {
        return LogQueryBuilder.between(oldest, newest).service(service).limit(limit).build();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void randomQueriesAnswerExactlyTheTruthInOrder() throws Exception {
        Random r = new Random(42);
        int nonEmpty = 0;
        int cut = 0;
        int pruned = 0;
        for (int i = 0; i < 100; i++) {
            LogQuery q = randomQuery(r);
            List<StoredLogEntry> expected = truth.expected(q);
            JsonNode page = query(q, null);
            assertThat(logKeys(page)).as("query %d: %s", i, body(q, null)).containsExactlyElementsOf(keys(expected));
            assertThat(page.get("partitionsTotal").asInt()).isEqualTo(SHARDS);
            assertThat(page.get("partitionsQueried").asInt() + page.get("partitionsPruned").asInt()).isEqualTo(SHARDS);
            assertThat(page.get("partial").asBoolean()).isFalse();
            assertThat(page.get("failedPartitions").isEmpty()).isTrue();
            assertThat(page.get("tookMs").asLong()).isNotNegative();
            assertThat(page.get("nextCursor").isNull()).as("nextCursor of a page that is not full")
                    .isEqualTo(expected.size() < q.limit());
            nonEmpty += expected.isEmpty() ? 0 : 1;
            cut += expected.size() == q.limit() ? 1 : 0;
            pruned += page.get("partitionsPruned").asInt() > 0 ? 1 : 0;

            JsonNode unprunedPage = query(unprunedCoordinator, q, null);
            assertThat(logKeys(unprunedPage)).as("query %d without pruning", i).containsExactlyElementsOf(keys(expected));
            assertThat(unprunedPage.get("partitionsQueried").asInt()).isEqualTo(SHARDS);
            assertThat(unprunedPage.get("nextCursor").isNull()).isEqualTo(page.get("nextCursor").isNull());
        }
        assertThat(nonEmpty).isGreaterThan(40);
        assertThat(cut).isGreaterThan(10);
        assertThat(pruned).isGreaterThan(10);
    }

    @Test
    void aServiceQueryPrunesTheShardsThatDoNotHoldIt() throws Exception {
        Truth t = truth;
        for (int s = 0; s < SERVICES; s++) {
            String service = "svc-" + s;
            Set<Integer> holders = t.rows().stream().filter(row -> row.entry().service().equals(service))
                    .map(StoredLogEntry::shard).collect(Collectors.toSet());
            assertThat(holders).as("a service lives on one shard").hasSize(1);
            LogQuery q = serviceQuery(service, 200);
            JsonNode page = query(q, null);
            assertThat(logKeys(page)).containsExactlyElementsOf(keys(t.expected(q)));
            assertThat(page.get("partitionsPruned").asInt()).as("shards pruned for %s", service).isGreaterThanOrEqualTo(1);
            page.get("logs").forEach(log -> assertThat(log.get("partition").asInt()).isIn(holders));
        }
    }

    @Test
    void cursorPagingReturnsEveryMatchingLineOnce() throws Exception {
        List<LogQuery> firstPages = List.of(
                LogQueryBuilder.between(oldest, newest).levels(LogLevel.ERROR, LogLevel.FATAL).limit(331).build(),
                LogQueryBuilder.between(oldest.plus(Duration.ofHours(10)), oldest.plus(Duration.ofHours(20)))
                        .namespace("ns-1").limit(57).build());
        for (LogQuery first : firstPages) {
            List<StoredLogEntry> all = truth.everything(first);
            assertThat(all).as("a query worth paging").hasSizeGreaterThan(first.limit() * 3);
            List<String> walked = walk(first, all.size(), page -> { });
            assertThat(walked).as("paging %s", body(first, null)).containsExactlyElementsOf(keys(all));
        }
    }

    @Test
    void cursorPagingHasNoGapNorDuplicateWhileNewLinesArrive() throws Exception {
        Instant arrivalsEnd = newest.plus(Duration.ofHours(2));
        LogQuery first = LogQueryBuilder.between(oldest.plus(Duration.ofHours(30)), arrivalsEnd)
                .levels(LogLevel.WARN, LogLevel.INFO).limit(173).build();
        List<StoredLogEntry> before = truth.everything(first);
        assertThat(before).hasSizeGreaterThan(first.limit() * 4);
        List<String> walked = walk(first, before.size(), page -> {
            if (page <= 3) {
                // Lines newer than everything stored, inside the query's window, arrive between the pages.
                truth = truth.plus(cluster.write(
                        KnownLines.forQueries(100 + page, 400, SERVICES, arrivalsEnd, Duration.ofHours(1))));
                cluster.awaitStored(truth, STORED);
            }
        });
        assertThat(walked).as("the walk that started before the arrivals").containsExactlyElementsOf(keys(before));

        awaitMetadataCoversTheTruth(); // the other tests' queries may reach the arrivals' hours too
        List<StoredLogEntry> now = truth.everything(first);
        assertThat(logKeys(query(first, null))).as("a new first page shows the arrivals")
                .containsExactlyElementsOf(keys(now.subList(0, first.limit())));
    }

    @Test
    void ndjsonStreamsTheRowsThenOneSummaryLine() throws Exception {
        LogQuery q = all(750);
        HttpResponse<String> response = post(body(q, null).toString(), "application/x-ndjson");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/x-ndjson"));
        assertThat(response.body()).endsWith("\n");
        String[] lines = response.body().split("\n");
        assertThat(lines).hasSize(q.limit() + 1);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < lines.length - 1; i++) {
            rows.add(key(JSON.readTree(lines[i])));
        }
        assertThat(rows).containsExactlyElementsOf(keys(truth.expected(q)));
        JsonNode last = JSON.readTree(lines[lines.length - 1]);
        assertThat(last.propertyNames()).containsExactly("summary");
        JsonNode summary = last.get("summary");
        assertThat(summary.propertyNames()).containsExactly("partitionsTotal", "partitionsQueried", "partitionsPruned",
                "partial", "failedPartitions", "tookMs", "nextCursor");
        assertThat(summary.get("partitionsQueried").asInt()).isEqualTo(SHARDS);
        assertThat(summary.get("partial").asBoolean()).isFalse();
        assertThat(summary.get("nextCursor").isNull()).isFalse();
    }

    @Test
    void badBodiesAre400ProblemsNamingTheField() throws Exception {
        String[][] cases = {
                {"", "body"},
                {"{not json", "body"},
                {"[]", "body"},
                {"{\"endTime\":\"2026-03-02T00:00:00Z\"}", "startTime"},
                {"{\"startTime\":\"2026-03-02T00:00:00Z\",\"endTime\":\"2026-03-01T00:00:00Z\"}", "endTime"},
                {"{\"startTime\":\"2026-03-01T00:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\",\"logLevel\":\"LOUD\"}", "logLevel"},
                {"{\"startTime\":\"2026-03-01T00:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\",\"limit\":0}", "limit"},
                {"{\"startTime\":\"2026-03-01T00:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\",\"cursor\":\"nope\"}", "cursor"},
                {"{\"startTime\":\"0000-01-01T00:00:00Z\",\"endTime\":\"9999-12-31T23:59:59Z\"}", "endTime"},
        };
        for (String accept : new String[] {null, "application/x-ndjson"}) {
            // beyond the server's in-memory limit: 413, naming the body
            HttpResponse<String> tooLarge = post("{\"contains\":\"" + "x".repeat(1 << 20) + "\"}", accept);
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertThat(JSON.readTree(tooLarge.body()).get("errors").get(0).get("field").asString()).isEqualTo("body");
        }
        for (String[] c : cases) {
            for (String accept : new String[] {null, "application/x-ndjson"}) {
                HttpResponse<String> response = post(c[0], accept);
                assertThat(response.statusCode()).as("status of %s", c[0]).isEqualTo(400);
                JsonNode problem = JSON.readTree(response.body());
                assertThat(problem.get("status").asInt()).isEqualTo(400);
                assertThat(problem.get("errors").get(0).get("field").asString()).as("field of %s", c[0]).isEqualTo(c[1]);
            }
        }
    }

    @Test
    void malformedMediaTypeHeadersAre4xxProblemsNamingTheHeaderOnEveryPath() throws Exception {
        String body = "{\"startTime\":\"" + Rfc3339.format(oldest) + "\",\"endTime\":\"" + Rfc3339.format(newest)
                + "\",\"limit\":1}";
        // header, value, expected status
        String[][] cases = {
                {"Accept", "foo", "406"},
                {"Accept", "application/x-ndjson;q=abc", "406"},
                {"Accept", "application/json;charset=nope", "406"},
                {"Content-Type", "foo", "415"},
                {"Content-Type", "application/json; charset=nope", "415"},
                {"Content-Type", "application/json; charset=\"", "415"},
        };
        for (String path : List.of("/api/query/logs", "/api/query/stats", "/actuator/health", "/actuator/prometheus")) {
            for (String[] c : cases) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(coordinator.url() + path))
                        .timeout(Duration.ofSeconds(30));
                if (path.equals("/api/query/logs")) {
                    request.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
                    if (!c[0].equals("Content-Type")) {
                        request.header("Content-Type", "application/json");
                    }
                }
                request.header(c[0], c[1]);
                HttpResponse<String> response = Http.send(request.build());
                assertThat(response.statusCode()).as("%s %s: %s", path, c[0], c[1]).isEqualTo(Integer.parseInt(c[2]));
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        t -> assertThat(t).startsWith("application/problem+json"));
                JsonNode problem = JSON.readTree(response.body());
                assertThat(problem.get("header").asString()).isEqualTo(c[0]);
                assertThat(problem.get("detail").asString()).contains(c[0]);
            }
        }
        // The well-formed forms of the same headers still answer.
        assertThat(post(body, "application/x-ndjson;q=0.9, application/json;q=0.5").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsAreExported() throws Exception {
        assertThat(query(serviceQuery("svc-0", 10), null).get("partitionsPruned").asInt())
                .as("a query the service pruner prunes").isPositive();
        HttpResponse<String> response = Http.get(coordinator.url() + "/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("query_execution_time_seconds_bucket", "query_partitions_queried_total",
                "query_partitions_pruned_total{", "pruner=\"service\"");
    }

    @Test
    void statsCountTheQueriesAndShowEveryShardsMetadata() throws Exception {
        // What the stats count: a query the service pruner prunes (a shard's chunks read, the others' skipped),
        // and a bad request.
        assertThat(query(serviceQuery("svc-1", 10), null).get("partitionsPruned").asInt()).isPositive();
        assertThat(post("{}", null).statusCode()).isEqualTo(400);

        JsonNode stats = CoordinatorApi.stats(coordinator);
        assertThat(stats.get("queries").get("served").asLong()).isPositive();
        assertThat(stats.get("queries").get("badRequests").asLong()).isPositive();
        assertThat(stats.get("latencyMs").get("p99").asDouble()).isPositive();
        double ratio = stats.get("partitions").get("prunedRatio").asDouble();
        assertThat(ratio).isGreaterThan(0).isLessThanOrEqualTo(1);
        assertThat(stats.get("partitions").get("prunedBy").get("service").asLong()).isPositive();
        assertThat(stats.get("chunks").get("scanned").asLong()).isPositive();
        assertThat(stats.get("chunks").get("skippedRatio").asDouble()).isGreaterThan(0).isLessThan(1);
        JsonNode shards = stats.get("shards");
        assertThat(shards).hasSize(SHARDS);
        for (int shard = 0; shard < SHARDS; shard++) {
            JsonNode metadata = JSON.readTree(Http.get(cluster.node(shard).url() + "/internal/metadata").body());
            JsonNode s = shards.get(shard);
            assertThat(s.get("id").asInt()).isEqualTo(shard);
            assertThat(s.get("replicas")).hasSize(1);
            assertThat(s.get("health").asString()).as("shard %d", shard).isEqualTo("UP");
            assertThat(s.get("rowCount").asLong()).as("shard %d", shard).isEqualTo(metadata.get("rowCount").asLong());
        }
    }

    @Test
    void aStoppedNodesShardIsStillAnsweredFromItsDatabase() throws Exception {
        int stopped = 2;
        App node = cluster.node(stopped);
        double before = readsFromDatabase(coordinator);
        node.stopServer(); // its server only: the coordinator beside it shares Reactor Netty's global resources
        try {
            LogQuery q = all(600);
            JsonNode page = query(q, null);
            assertThat(page.get("partial").asBoolean()).as("the coordinator reads the shard's PostgreSQL").isFalse();
            List<StoredLogEntry> expected = truth.rows().stream().filter(row -> Truth.matches(q, row))
                    .sorted(LogOrder.NEWEST_FIRST).limit(q.limit()).toList();
            assertThat(expected.stream().anyMatch(row -> row.shard() == stopped)).isTrue();
            assertThat(logKeys(page)).containsExactlyElementsOf(keys(expected));
            assertThat(readsFromDatabase(coordinator)).isGreaterThanOrEqualTo(before + SHARDS);
            assertThat(Prometheus.value(Http.get(coordinator.url() + "/actuator/prometheus").body(),
                    "query_shard_direct_fallbacks_total", "")).isEqualTo(0.0);
        } finally {
            node.startServer();
        }
    }

    @Test
    void aShardWhoseDatabaseCannotBeReachedIsAskedThroughItsNodeAndAContainsQueryAlways() throws Exception {
        // Left running: closing an application in this JVM disposes Reactor Netty's loops the others serve on.
        App other = cluster.startCoordinator("logquery.coordinator.shards[1].databases[0]",
                "jdbc:postgresql://localhost:" + FreePorts.next() + "/postgres?user=postgres");
        LogQuery q = all(600);
        JsonNode page = query(other, q, null);
        assertThat(page.get("partial").asBoolean()).isFalse();
        List<StoredLogEntry> expected = truth.rows().stream().filter(row -> Truth.matches(q, row))
                .sorted(LogOrder.NEWEST_FIRST).limit(q.limit()).toList();
        assertThat(logKeys(page)).containsExactlyElementsOf(keys(expected));
        String metrics = Http.get(other.url() + "/actuator/prometheus").body();
        assertThat(Prometheus.value(metrics, "query_shard_direct_fallbacks_total", "")).isGreaterThanOrEqualTo(1);
        assertThat(Prometheus.sum(metrics, "query_shard_reads_total", "path=\"node\",shard=\"1\"")).isGreaterThanOrEqualTo(1);
        assertThat(Prometheus.sum(metrics, "query_shard_reads_total", "path=\"database\"")).isGreaterThanOrEqualTo(3);

        // contains: the node's text index narrows it, so it goes through the nodes, with the same answer.
        LogQuery text = LogQueryBuilder.between(q.startTime(), q.endTime()).contains("a").limit(600).build();
        List<StoredLogEntry> containing = truth.rows().stream().filter(row -> Truth.matches(text, row))
                .sorted(LogOrder.NEWEST_FIRST).limit(text.limit()).toList();
        double nodeReads = Prometheus.sum(metrics, "query_shard_reads_total", "path=\"node\"");
        assertThat(logKeys(query(other, text, null))).containsExactlyElementsOf(keys(containing));
        assertThat(Prometheus.sum(Http.get(other.url() + "/actuator/prometheus").body(), "query_shard_reads_total",
                "path=\"node\"")).isGreaterThanOrEqualTo(nodeReads + SHARDS);
    }

    private static double readsFromDatabase(App coordinator) throws Exception {
        return Prometheus.sum(Http.get(coordinator.url() + "/actuator/prometheus").body(), "query_shard_reads_total",
                "path=\"database\"");
    }

    @Test
    void blockHoundWatchesTheEventLoopsAndNoTestBlockedOne() throws Exception {
        // Each test's blocking calls fail it (noEventLoopThreadBlocked, after each); this proves they would be seen.
        EventLoopWatch.assertWatching();
    }
}
