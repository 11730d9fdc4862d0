package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.query.QueryJson;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.query.QueryFailedException;
import dev.logquery.node.query.QueryMetrics;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Prometheus;
import dev.logquery.testkit.RandomQueries;
import dev.logquery.testkit.Truth;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /internal/query} against the truth: one node on a real PostgreSQL ingests known lines
 * from a real KRaft broker (three Kafka partitions, so ties in time are broken by partition and
 * offset), then random queries over HTTP must answer exactly what the {@link Truth} gives from the
 * generated lines (filtered, sorted {@link LogOrder#NEWEST_FIRST}, cut) — row for row, in order.
 */
class QueryIT {

    static final int SERVICES = 8;
    static final JsonMapper JSON = JsonMapper.builder().build();
    @AutoClose
    static Cluster cluster;
    static App node;
    /** Every line as the node stores it (shard 0 of 1), from the producer's acknowledgements. */
    static Truth truth;
    static Instant oldest;
    static Instant newest;

    @BeforeAll
    static void ingest() throws Exception {
        cluster = Cluster.builder().partitions(3).start();
        node = cluster.node(0);
        Instant end = Instant.now().truncatedTo(ChronoUnit.MICROS);
        truth = cluster.write(KnownLines.forQueries(7, 20_000, SERVICES, end, Duration.ofDays(3)));
        oldest = truth.oldest();
        newest = truth.newest();
        cluster.awaitStored(truth, Duration.ofSeconds(60));
    }

    // ------------------------------------------------------------------ HTTP

    static URI uri(String path) {
        return URI.create(node.url() + path);
    }

    static HttpResponse<byte[]> post(byte[] body) throws Exception {
        return Http.client().send(HttpRequest.newBuilder(uri("/internal/query")).timeout(Http.TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static List<StoredLogEntry> query(LogQuery q) throws Exception {
        HttpResponse<byte[]> response = post(QueryJson.toJson(q));
        assertThat(response.statusCode()).as("status of %s: %s", json(q), new String(response.body(),
                StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<StoredLogEntry> rows = new ArrayList<>();
        byte[] body = response.body();
        int start = 0;
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n') {
                if (i > start) { // a blank line is a keep-alive
                    rows.add(EntryJson.fromJson(body, start, i - start));
                }
                start = i + 1;
            }
        }
        assertThat(start).as("the body ends with a complete line").isEqualTo(body.length);
        return rows;
    }

    static String json(LogQuery q) {
        return new String(QueryJson.toJson(q), StandardCharsets.UTF_8);
    }

    static int activeConnections() {
        return node.bean(HikariDataSource.class).getHikariPoolMXBean().getActiveConnections();
    }

    // ------------------------------------------------------------------ random queries

    static LogQuery randomQuery(Random r) {
        return new RandomQueries(truth, SERVICES, 500, Duration.ofDays(4)).next(r);
    }

    static StoredLogEntry randomRow(Random r) {
        return truth.rows().get(r.nextInt(truth.size()));
    }

    @Test
    void randomQueriesAnswerExactlyTheTruthInOrder() throws Exception {
        Random r = new Random(42);
        int nonEmpty = 0;
        int cut = 0;
        for (int i = 0; i < 200; i++) {
            LogQuery q = randomQuery(r);
            List<StoredLogEntry> expected = truth.expected(q);
            List<StoredLogEntry> actual = query(q);
            assertThat(actual).as("query %d: %s", i, json(q)).containsExactlyElementsOf(expected);
            nonEmpty += expected.isEmpty() ? 0 : 1;
            cut += expected.size() == q.limit() ? 1 : 0;
        }
        // The random mix must exercise both empty and full answers, or it proves little.
        assertThat(nonEmpty).isGreaterThan(100);
        assertThat(cut).isGreaterThan(30);
        // Every query gave its connection back.
        Await.until(Duration.ofSeconds(5), "no connection held by queries", QueryIT::activeConnections, n -> n == 0);
    }

    @Test
    void pagingWithAfterWalksEveryMatchingLineOnceWithoutGaps() throws Exception {
        Instant from = oldest.minusSeconds(1);
        Instant to = newest.plusSeconds(1);
        List<LogQuery> firstPages = List.of(
                LogQueryBuilder.between(from, to).levels(LogLevel.ERROR, LogLevel.FATAL).limit(250).build(),
                LogQueryBuilder.between(from, to).service("svc-3").limit(97).build(),
                LogQueryBuilder.between(from, to).contains("timeout").limit(500).build(),
                LogQueryBuilder.between(oldest.plus(Duration.ofHours(20)), oldest.plus(Duration.ofHours(30)))
                        .namespace("ns-1").limit(7).build());
        for (LogQuery first : firstPages) {
            List<StoredLogEntry> all = truth.everything(first);
            assertThat(all).as("a query worth paging").hasSizeGreaterThan(first.limit() * 3);
            List<StoredLogEntry> walked = new ArrayList<>();
            LogQuery page = first;
            int pages = 0;
            while (true) {
                List<StoredLogEntry> rows = query(page);
                pages++;
                walked.addAll(rows);
                if (rows.size() < page.limit()) {
                    break;
                }
                StoredLogEntry last = rows.get(rows.size() - 1);
                page = page.withAfter(new LogQuery.Position(last.entry().timestamp(), last.kafkaPartition(), last.offset()));
                assertThat(pages).as("pages of %s", json(first)).isLessThan(all.size() + 2);
            }
            assertThat(walked).as("paging %s", json(first)).containsExactlyElementsOf(all);
        }
    }

    @Test
    void tiesInTimeAreOrderedByKafkaPartitionThenOffset() throws Exception {
        // The generator repeats timestamps; take the most crowded one and ask for exactly that instant.
        Instant crowded = truth.rows().stream()
                .collect(Collectors.groupingBy(s -> s.entry().timestamp(), Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        LogQuery q = LogQueryBuilder.between(crowded, crowded).limit(100).build();
        List<StoredLogEntry> rows = query(q);
        assertThat(rows).hasSizeGreaterThan(1).containsExactlyElementsOf(truth.expected(q));
        assertThat(rows).extracting(StoredLogEntry::kafkaPartition).isSortedAccordingTo(Comparator.reverseOrder());
    }

    @Test
    void aWindowWithoutChunksIsAnEmpty200() throws Exception {
        LogQuery past = LogQueryBuilder.between(Instant.parse("2001-01-01T00:00:00Z"),
                Instant.parse("2001-01-02T00:00:00Z")).limit(100).build();
        LogQuery future = LogQueryBuilder.between(newest.plus(Duration.ofDays(30)), newest.plus(Duration.ofDays(31)))
                .limit(100).build();
        assertThat(query(past)).isEmpty();
        assertThat(query(future)).isEmpty();
        HttpResponse<byte[]> response = post(QueryJson.toJson(past));
        assertThat(response.body()).isEmpty();
    }

    @Test
    void badBodiesAre400ProblemsNamingTheField() throws Exception {
        String window = "\"startTime\":\"2026-03-01T00:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\"";
        String[][] cases = {
                {"", "body"},
                {"{not json", "body"},
                {"{\"endTime\":\"2026-03-02T00:00:00Z\"}", "startTime"},
                {"{\"startTime\":\"2026-03-01 25:00:00Z\",\"endTime\":\"2026-03-02T00:00:00Z\"}", "startTime"},
                {"{\"startTime\":\"2026-03-02T00:00:00Z\",\"endTime\":\"2026-03-01T00:00:00Z\"}", "endTime"},
                {"{" + window + ",\"levels\":[\"LOUD\"]}", "levels"},
                {"{" + window + ",\"limit\":" + (LogQuery.HARD_MAX_LIMIT + 1) + "}", "limit"},
                {"{" + window + ",\"serviceName\":7}", "serviceName"},
                {"{" + window + ",\"after\":{\"timestamp\":\"2026-03-01T00:00:00Z\",\"kafkaPartition\":0,\"offset\":-1}}",
                        "after.offset"},
        };
        for (String[] c : cases) {
            HttpResponse<byte[]> response = post(c[0].getBytes(StandardCharsets.UTF_8));
            assertThat(response.statusCode()).as("status for %s", c[0]).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.path("field").asString()).as("field for %s", c[0]).isEqualTo(c[1]);
            assertThat(problem.path("detail").asString()).contains(c[1]);
            assertThat(problem.path("status").asInt()).isEqualTo(400);
        }
    }

    @Test
    void aClientThatStopsReadingReleasesItsConnection() throws Exception {
        LogQuery big = LogQueryBuilder.between(oldest, newest).limit(LogQuery.MAX_LIMIT).build();
        HttpResponse<InputStream> response = Http.client().send(HttpRequest.newBuilder(uri("/internal/query"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(QueryJson.toJson(big))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line = reader.readLine();
            while (line != null && line.isEmpty()) { // keep-alives while the scan starts
                line = reader.readLine();
            }
            StoredLogEntry first = EntryJson.fromJson(line);
            assertThat(first).isEqualTo(truth.expected(big).get(0));
        }
        Await.until(Duration.ofSeconds(10), "the abandoned query's connection back in the pool",
                QueryIT::activeConnections, n -> n == 0);
        // And the node answers the next query as usual.
        LogQuery small = LogQueryBuilder.between(oldest, newest).service("svc-1").limit(10).build();
        assertThat(query(small)).containsExactlyElementsOf(truth.expected(small));
    }

    @Test
    void chunkPruningIsCounted() throws Exception {
        LogQuery absent = LogQueryBuilder.between(oldest, newest).service("svc-absent").limit(10).build();
        assertThat(query(absent)).isEmpty();
        LogQuery oneHour = LogQueryBuilder.between(newest.minus(Duration.ofMinutes(30)), newest).service("svc-2").limit(10)
                .build();
        assertThat(query(oneHour)).containsExactlyElementsOf(truth.expected(oneHour));
        String metrics = Http.get(node.url() + "/actuator/prometheus").body();
        assertThat(Prometheus.value(metrics, "query_chunks_skipped_total", "pruner=\"service\"")).isPositive();
        assertThat(Prometheus.value(metrics, "query_chunks_skipped_total", "pruner=\"time\"")).isPositive();
        assertThat(Prometheus.value(metrics, "query_chunks_scanned_total", "")).isPositive();
    }

    @Test
    void rowsAreReadOnTheJdbcThreadsNeverTheCaller() {
        LogQuery q = LogQueryBuilder.between(oldest, newest).limit(1_000).build();
        List<String> threads = node.bean(QueryExecutor.class).execute(q)
                .map(row -> Thread.currentThread().getName()).collectList().block(Duration.ofSeconds(10));
        assertThat(threads).hasSize(1_000).allMatch(name -> name.startsWith("jdbc-"));
    }

    @Test
    void aStatementPastTheTimeoutFailsAsTimeoutAndReleasesItsConnection() throws Exception {
        NodeProperties p = node.bean(NodeProperties.class);
        NodeProperties strict = new NodeProperties(p.shard(), p.replica(), p.shardCount(), p.topic(), p.bootstrapServers(),
                p.redisUrl(), p.batch(),
                p.bloom(), p.storage(), p.accept(), new NodeProperties.Query(Duration.ofMillis(1), 500, 1, 4,
                Duration.ofSeconds(30), Duration.ofMillis(500), p.query().maxLimit()), p.retention(), p.retentionInterval(), NodeProperties.TextIndex.DEFAULT);
        Scheduler scheduler = Schedulers.newBoundedElastic(1, 4, "jdbc-strict");
        try {
            QueryExecutor executor = new QueryExecutor(node.bean(DataSource.class), node.bean(ChunkStore.class),
                    scheduler, strict, new QueryMetrics(new SimpleMeterRegistry()));
            // No row matches: the one statement reads all 20 000 rows, far longer than a millisecond.
            LogQuery slow = LogQueryBuilder.between(oldest, newest).contains("no such text").limit(10).build();
            assertThatThrownBy(() -> executor.execute(slow).blockLast(Duration.ofSeconds(10)))
                    .isInstanceOfSatisfying(QueryFailedException.class,
                            e -> assertThat(e.reason()).isEqualTo(QueryFailedException.Reason.TIMEOUT));
        } finally {
            scheduler.dispose();
        }
        Await.until(Duration.ofSeconds(5), "the timed-out query's connection back in the pool",
                QueryIT::activeConnections, n -> n == 0);
    }
}
