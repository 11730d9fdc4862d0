package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.LogQuery;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.TestLines;
import dev.logquery.node.PartitionNodeApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingMethod;
import reactor.blockhound.BlockingOperationError;
import reactor.netty.http.HttpResources;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The query path end to end: a KRaft broker, three partition nodes on three real PostgreSQL servers and
 * the coordinator, all in this JVM. Known lines go in through an ordinary Kafka producer; answers of
 * {@code POST /api/query/logs} must equal what filtering, sorting ({@link LogOrder#NEWEST_FIRST}) and
 * cutting the generated lines in Java gives, line for line. A second coordinator with pruning switched off
 * answers the same queries, and BlockHound watches every event-loop thread (the coordinator's and the
 * nodes') for a blocking call during the whole class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QueryPathIT {

    static final String TOPIC = "pod-logs";
    static final int SHARDS = 3;
    static final int SERVICES = 12;
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The coordinator must not configure the nodes' DataSource and Flyway, which share its classpath here. */
    static final String EXCLUDED_AUTO_CONFIGURATION = String.join(",",
            "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
            "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration");

    static EmbeddedKafkaKraftBroker kafka;
    static Databases databases;
    static final List<ConfigurableApplicationContext> nodes = new ArrayList<>();
    static ConfigurableApplicationContext coordinator;
    /** The same shards, with {@code logquery.coordinator.pruning=false}. */
    static ConfigurableApplicationContext unprunedCoordinator;
    /** Blocking calls BlockHound saw on non-blocking threads: thread and method. */
    static final List<String> blockingCalls = new CopyOnWriteArrayList<>();
    static List<StoredLogEntry> truth;
    static Instant oldest;
    static Instant newest;

    /**
     * Installs BlockHound so that any blocking call on an event loop (the coordinator's, the nodes', the
     * clients') is recorded, and checks that it watches them.
     */
    static void installBlockHound() throws InterruptedException {
        // Netty loads zstd's native library once, when its first HTTP decoder asks whether zstd is available,
        // which happens on an event loop: a one-time cost at the first request, done here beforehand.
        io.netty.handler.codec.compression.Zstd.isAvailable();
        BlockHound.install(builder -> builder
                // Netty 4.2's adaptive allocator takes a StampedLock for a few instructions when it adds a
                // magazine: synchronization, not waiting (a known false positive, netty/netty#14564, line/armeria#6344).
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines")
                .allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free")
                // Cancelling a timer (a heartbeat, a timeout) takes the scheduler queue's lock to remove the task:
                // synchronization for a heap removal, not waiting (reactor/reactor-core#2004).
                .allowBlockingCallsInside("java.util.concurrent.ScheduledThreadPoolExecutor$DelayedWorkQueue", "remove")
                .blockingMethodCallback(QueryPathIT::recordBlockingCall));
        assertBlockHoundWatchesTheEventLoops();
    }

    @BeforeAll
    static void startSystem() throws Exception {
        installBlockHound();
        kafka = new EmbeddedKafkaKraftBroker(1, 6);
        kafka.afterPropertiesSet();
        kafka.addTopics(new NewTopic(TOPIC, 6, (short) 1));
        databases = Databases.start(SHARDS);
        for (int shard = 0; shard < SHARDS; shard++) {
            nodes.add(new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                    "--server.port=0",
                    "--spring.datasource.url=" + databases.jdbcUrl(shard),
                    "--logquery.node.shard=" + shard,
                    "--logquery.node.shard-count=" + SHARDS,
                    "--logquery.node.bootstrap-servers=" + kafka.getBrokersAsString(),
                    "--logquery.node.batch.max-records=5000",
                    "--logquery.node.batch.max-wait=200ms",
                    "--logquery.node.redis-url=", // no Redis here: nothing published
                    "--server.shutdown=immediate")); // a node whose server the test stopped never drains
        }
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--spring.autoconfigure.exclude=" + EXCLUDED_AUTO_CONFIGURATION,
                "--logquery.coordinator.tail.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--logquery.coordinator.shard-timeout=2s",
                "--logquery.coordinator.metadata-max-age=1s",
                "--logquery.coordinator.redis-url=")); // no Redis: metadata from the nodes, no results cache
        for (int shard = 0; shard < SHARDS; shard++) {
            args.add("--logquery.coordinator.shards[" + shard + "].id=" + shard);
            args.add("--logquery.coordinator.shards[" + shard + "].url=http://localhost:" + port(nodes.get(shard)));
        }
        coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(args.toArray(String[]::new));
        args.add("--logquery.coordinator.pruning=false");
        unprunedCoordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(args.toArray(String[]::new));

        Instant end = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<LogEntry> lines = TestLines.forQueries(11, 15_000, SERVICES, end, Duration.ofDays(2));
        truth = new ArrayList<>(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC, lines, SHARDS));
        oldest = lines.stream().map(LogEntry::timestamp).min(Comparator.naturalOrder()).orElseThrow();
        newest = lines.stream().map(LogEntry::timestamp).max(Comparator.naturalOrder()).orElseThrow();
        Await.until(Duration.ofSeconds(60), "all lines stored", QueryPathIT::storedRows, n -> n >= truth.size());
        assertThat(storedRows()).isEqualTo(truth.size());
        Thread.sleep(1_200); // metadata the coordinator fetched before the last batch is now stale: it refetches
    }

    /** Keeps the thread, method and stack of a blocking call for the last test, then fails the call. */
    static void recordBlockingCall(BlockingMethod method) {
        StringBuilder where = new StringBuilder(Thread.currentThread().getName() + ": " + method);
        Arrays.stream(new Throwable().getStackTrace()).skip(2).limit(40)
                .forEach(frame -> where.append("\n    at ").append(frame));
        blockingCalls.add(where.toString());
        throw new BlockingOperationError(method);
    }

    /** A sleep on a server event loop must be reported, or an empty report would prove nothing. */
    static void assertBlockHoundWatchesTheEventLoops() throws InterruptedException {
        CountDownLatch slept = new CountDownLatch(1);
        HttpResources.get().onServer(true).next().execute(() -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (BlockingOperationError expected) {
                // reported and recorded
            } finally {
                slept.countDown();
            }
        });
        assertThat(slept.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(blockingCalls).as("BlockHound's report of a sleep on an event loop").hasSize(1);
        assertThat(blockingCalls.get(0)).contains("sleep");
        blockingCalls.clear();
    }

    @AfterAll
    static void stopSystem() throws Exception {
        if (unprunedCoordinator != null) {
            unprunedCoordinator.close();
        }
        if (coordinator != null) {
            coordinator.close();
        }
        nodes.forEach(ConfigurableApplicationContext::close);
        if (databases != null) {
            databases.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    static long storedRows() throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += databases.queryLong(s, "SELECT count(*) FROM logs");
        }
        return total;
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    // ------------------------------------------------------------------ the truth, computed in Java

    static boolean matches(LogQuery q, StoredLogEntry row) {
        LogEntry e = row.entry();
        if (e.timestamp().isBefore(q.startTime()) || e.timestamp().isAfter(q.endTime())) {
            return false;
        }
        if (q.service() != null && !q.service().equals(e.service())) {
            return false;
        }
        if (q.levels() != null && !q.levels().contains(e.level())) {
            return false;
        }
        if (q.namespace() != null && !q.namespace().equals(e.namespace())) {
            return false;
        }
        if (q.pod() != null && !q.pod().equals(e.pod())) {
            return false;
        }
        return q.contains() == null
                || e.message().toLowerCase(Locale.ROOT).contains(q.contains().toLowerCase(Locale.ROOT));
    }

    static List<StoredLogEntry> everything(LogQuery q) {
        return truth.stream().filter(row -> matches(q, row)).sorted(LogOrder.NEWEST_FIRST).toList();
    }

    static List<StoredLogEntry> expected(LogQuery q) {
        return everything(q).stream().limit(q.limit()).toList();
    }

    /** A row as the public API shows it, one string per row for exact comparison. */
    static String key(StoredLogEntry row) {
        LogEntry e = row.entry();
        return String.join("|", Rfc3339.format(e.timestamp()), e.service(), e.level().name(), String.valueOf(e.namespace()),
                String.valueOf(e.pod()), String.valueOf(e.container()), e.message(), Integer.toString(row.shard()));
    }

    static String key(JsonNode log) {
        assertThat(log.propertyNames()).containsExactly("timestamp", "service", "level", "namespace", "pod",
                "container", "message", "partition");
        return String.join("|", text(log, "timestamp"), text(log, "service"), text(log, "level"),
                text(log, "namespace"), text(log, "pod"), text(log, "container"), text(log, "message"),
                Integer.toString(log.get("partition").asInt()));
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? "null" : v.asString();
    }

    static List<String> keys(List<StoredLogEntry> rows) {
        return rows.stream().map(QueryPathIT::key).toList();
    }

    // ------------------------------------------------------------------ requests

    /** The public request body for {@code q} (its cursor, if any, given separately). */
    static ObjectNode body(LogQuery q, String cursor) {
        ObjectNode b = JSON.createObjectNode();
        b.put("startTime", Rfc3339.format(q.startTime()));
        b.put("endTime", Rfc3339.format(q.endTime()));
        if (q.service() != null) {
            b.put("serviceName", q.service());
        }
        if (q.levels() != null) {
            List<LogLevel> levels = q.levels().levels();
            if (levels.size() == 1) {
                b.put("logLevel", levels.get(0).name().toLowerCase(Locale.ROOT));
            } else {
                ArrayNode array = b.putArray("levels");
                levels.forEach(level -> array.add(level.name()));
            }
        }
        if (q.namespace() != null) {
            b.put("namespace", q.namespace());
        }
        if (q.pod() != null) {
            b.put("pod", q.pod());
        }
        if (q.contains() != null) {
            b.put("contains", q.contains());
        }
        b.put("limit", q.limit());
        if (cursor != null) {
            b.put("cursor", cursor);
        }
        return b;
    }

    static HttpResponse<String> post(String body, String accept) throws Exception {
        return post(coordinator, body, accept);
    }

    static HttpResponse<String> post(ConfigurableApplicationContext to, String body, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port(to) + "/api/query/logs"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** The JSON answer to {@code q}, checked to be a complete 200 of the contract's shape. */
    static JsonNode query(LogQuery q, String cursor) throws Exception {
        return query(coordinator, q, cursor);
    }

    static JsonNode query(ConfigurableApplicationContext to, LogQuery q, String cursor) throws Exception {
        String body = body(q, cursor).toString();
        HttpResponse<String> response = post(to, body, null);
        assertThat(response.statusCode()).as("status of %s: %s", body, response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode page = JSON.readTree(response.body());
        assertThat(page.propertyNames()).containsExactly("logs", "partitionsTotal", "partitionsQueried",
                "partitionsPruned", "partial", "failedPartitions", "tookMs", "nextCursor");
        return page;
    }

    static List<String> logKeys(JsonNode page) {
        List<String> keys = new ArrayList<>();
        page.get("logs").forEach(log -> keys.add(key(log)));
        return keys;
    }

    static final List<String> CONTAINS = List.of("timeout", "TIMED OUT", "refused", "cache", "50%", "user_id", "_",
            "%", "C:\\temp", "\\", "é€", "#1", "#14999", "no such text");

    static LogQuery randomQuery(Random r) {
        long[] lengthsSeconds = {0, 1, 60, 600, 3_600, 3 * 3_600, 12 * 3_600, 86_400, 3 * 86_400};
        Duration length = Duration.ofSeconds(lengthsSeconds[r.nextInt(lengthsSeconds.length)]);
        Instant from = oldest.minus(Duration.ofHours(2));
        long spanMicros = ChronoUnit.MICROS.between(from, newest.plus(Duration.ofHours(2)));
        Instant start = from.plus((long) (r.nextDouble() * spanMicros), ChronoUnit.MICROS);
        int edge = r.nextInt(10);
        if (edge == 0) {
            start = randomRow(r).entry().timestamp(); // the start is inclusive: a row sits right on it
        } else if (edge == 1) {
            start = randomRow(r).entry().timestamp().minus(length); // so is the end
        } else if (edge == 2) {
            start = start.truncatedTo(ChronoUnit.HOURS);
        }
        Instant end = start.plus(length);
        StoredLogEntry sample = randomRow(r);
        String service = r.nextInt(10) < 4 ? "svc-" + r.nextInt(SERVICES) : r.nextInt(20) == 0 ? "svc-absent" : null;
        LevelSet levels = r.nextInt(10) < 4 ? new LevelSet(1 + r.nextInt(LevelSet.ALL.bits())) : null;
        String namespace = r.nextInt(10) < 2 ? sample.entry().namespace() : null;
        String pod = r.nextInt(10) == 0 ? sample.entry().pod() : null;
        String contains = r.nextInt(10) < 2 ? CONTAINS.get(r.nextInt(CONTAINS.size())) : null;
        return new LogQuery(start, end, service, levels, namespace, pod, contains, 1 + r.nextInt(400), null);
    }

    static StoredLogEntry randomRow(Random r) {
        return truth.get(r.nextInt(truth.size()));
    }

    static LogQuery all(int limit) {
        return new LogQuery(oldest.minusSeconds(1), newest.plusSeconds(1), null, null, null, null, null, limit, null);
    }

    // ------------------------------------------------------------------ tests

    @Test
    @Order(1)
    void randomQueriesAnswerExactlyTheTruthInOrder() throws Exception {
        Random r = new Random(42);
        int nonEmpty = 0;
        int cut = 0;
        int pruned = 0;
        for (int i = 0; i < 100; i++) {
            LogQuery q = randomQuery(r);
            List<StoredLogEntry> expected = expected(q);
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
    @Order(2)
    void aServiceQueryPrunesTheShardsThatDoNotHoldIt() throws Exception {
        for (int s = 0; s < SERVICES; s++) {
            String service = "svc-" + s;
            Set<Integer> holders = truth.stream().filter(row -> row.entry().service().equals(service))
                    .map(StoredLogEntry::shard).collect(Collectors.toSet());
            assertThat(holders).as("a service lives on one shard").hasSize(1);
            LogQuery q = new LogQuery(oldest, newest, service, null, null, null, null, 200, null);
            JsonNode page = query(q, null);
            assertThat(logKeys(page)).containsExactlyElementsOf(keys(expected(q)));
            assertThat(page.get("partitionsPruned").asInt()).as("shards pruned for %s", service).isGreaterThanOrEqualTo(1);
            page.get("logs").forEach(log -> assertThat(log.get("partition").asInt()).isIn(holders));
        }
    }

    @Test
    @Order(3)
    void cursorPagingReturnsEveryMatchingLineOnce() throws Exception {
        List<LogQuery> firstPages = List.of(
                new LogQuery(oldest, newest, null, LevelSet.of(List.of(LogLevel.ERROR, LogLevel.FATAL)), null, null,
                        null, 331, null),
                new LogQuery(oldest.plus(Duration.ofHours(10)), oldest.plus(Duration.ofHours(20)), null, null, "ns-1",
                        null, null, 57, null));
        for (LogQuery first : firstPages) {
            List<StoredLogEntry> all = everything(first);
            assertThat(all).as("a query worth paging").hasSizeGreaterThan(first.limit() * 3);
            List<String> walked = new ArrayList<>();
            String cursor = null;
            int pages = 0;
            do {
                JsonNode page = query(first, cursor);
                walked.addAll(logKeys(page));
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
                pages++;
                assertThat(pages).isLessThan(all.size() / first.limit() + 3);
            } while (cursor != null);
            assertThat(walked).as("paging %s", body(first, null)).containsExactlyElementsOf(keys(all));
        }
    }

    @Test
    @Order(4)
    void cursorPagingHasNoGapNorDuplicateWhileNewLinesArrive() throws Exception {
        Instant arrivalsEnd = newest.plus(Duration.ofHours(2));
        LogQuery first = new LogQuery(oldest.plus(Duration.ofHours(30)), arrivalsEnd, null,
                LevelSet.of(List.of(LogLevel.WARN, LogLevel.INFO)), null, null, null, 173, null);
        List<StoredLogEntry> before = everything(first);
        assertThat(before).hasSizeGreaterThan(first.limit() * 4);
        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = query(first, cursor);
            walked.addAll(logKeys(page));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
            if (++pages <= 3) {
                // Lines newer than everything stored, inside the query's window, arrive between the pages.
                List<LogEntry> arriving = TestLines.forQueries(100 + pages, 400, SERVICES, arrivalsEnd, Duration.ofHours(1));
                truth.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC, arriving, SHARDS));
                Await.until(Duration.ofSeconds(60), "arrivals stored", QueryPathIT::storedRows, n -> n >= truth.size());
            }
        } while (cursor != null);
        assertThat(walked).as("the walk that started before the arrivals").containsExactlyElementsOf(keys(before));

        Thread.sleep(1_200); // the coordinator's metadata now knows the arrivals
        List<StoredLogEntry> now = everything(first);
        assertThat(logKeys(query(first, null))).as("a new first page shows the arrivals")
                .containsExactlyElementsOf(keys(now.subList(0, first.limit())));
    }

    @Test
    @Order(5)
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
        assertThat(rows).containsExactlyElementsOf(keys(expected(q)));
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
    @Order(6)
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
    @Order(6)
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
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port(coordinator) + path))
                        .timeout(Duration.ofSeconds(30));
                if (path.equals("/api/query/logs")) {
                    request.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
                    if (!c[0].equals("Content-Type")) {
                        request.header("Content-Type", "application/json");
                    }
                }
                request.header(c[0], c[1]);
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
    @Order(7)
    void metricsAreExported() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port(coordinator) + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("query_execution_time_seconds_bucket", "query_partitions_queried_total",
                "query_partitions_pruned_total{", "pruner=\"service\"");
    }

    @Test
    @Order(8)
    void statsCountTheQueriesAboveAndShowEveryShardsMetadata() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port(coordinator) + "/api/query/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode stats = JSON.readTree(response.body());
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
            JsonNode metadata = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(
                    "http://localhost:" + port(nodes.get(shard)) + "/internal/metadata")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            JsonNode s = shards.get(shard);
            assertThat(s.get("id").asInt()).isEqualTo(shard);
            assertThat(s.get("replicas")).hasSize(1);
            assertThat(s.get("health").asString()).as("shard %d", shard).isEqualTo("UP");
            assertThat(s.get("rowCount").asLong()).as("shard %d", shard).isEqualTo(metadata.get("rowCount").asLong());
        }
    }

    @Test
    @Order(9)
    void aStoppedNodeGivesAPartialAnswerWithTheOtherShardsRows() throws Exception {
        int stopped = 2;
        // Only its web server: closing a whole node context here would also dispose Reactor Netty's global
        // event loops and connection pool, which the coordinator in this JVM shares.
        ((WebServerApplicationContext) nodes.get(stopped)).getWebServer().stop();
        LogQuery q = all(600);
        JsonNode page = query(q, null);
        assertThat(page.get("partial").asBoolean()).isTrue();
        assertThat(page.get("failedPartitions")).hasSize(1);
        assertThat(page.get("failedPartitions").get(0).get("partition").asInt()).isEqualTo(stopped);
        assertThat(page.get("failedPartitions").get(0).get("reason").asString()).isNotBlank();
        List<StoredLogEntry> others = truth.stream().filter(row -> row.shard() != stopped)
                .filter(row -> matches(q, row)).sorted(LogOrder.NEWEST_FIRST).limit(q.limit()).toList();
        assertThat(logKeys(page)).containsExactlyElementsOf(keys(others));

        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port(coordinator) + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("query_partition_failures_total{").contains("shard=\"" + stopped + "\"");
    }

    @Test
    @Order(100)
    void noEventLoopThreadBlockedDuringAnyOfTheAbove() {
        assertThat(blockingCalls).as("blocking calls on non-blocking threads").isEmpty();
    }
}
