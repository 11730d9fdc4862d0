package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.coordinator.tail.SseViewer;
import dev.logquery.coordinator.tail.TailFilter;
import dev.logquery.node.PartitionNodeApplication;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.TestLines;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import dev.logquery.common.codec.LogEntryCodec;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/tail} end to end: a KRaft broker, three partition nodes on three real PostgreSQL servers and
 * the coordinator in this JVM; lines go in through an ordinary Kafka producer, and viewers are real HTTP clients
 * on an event loop. Every test ends with no viewer registered (the {@code tail.viewers} gauge back at 0), and
 * BlockHound watches every event-loop thread for a blocking call during the whole class.
 */
class TailIT {

    static final String TOPIC = "pod-logs";
    static final int SHARDS = 3;
    static final int MAX_VIEWERS = 6;
    static final int VIEWER_BUFFER = 200;
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static EmbeddedKafkaKraftBroker kafka;
    static Databases databases;
    static final List<ConfigurableApplicationContext> nodes = new ArrayList<>();
    static ConfigurableApplicationContext coordinator;
    /**
     * A second coordinator with a short write timeout, started by the test that needs it and closed with the
     * others (closing a coordinator releases the JVM's shared Reactor Netty resources, so not before them).
     */
    static ConfigurableApplicationContext strictCoordinator;
    final List<SseViewer> viewers = new ArrayList<>();

    @BeforeAll
    static void startSystem() throws Exception {
        QueryPathIT.installBlockHound(); // any blocking call on an event loop is recorded
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
                    "--logquery.node.redis-url=", // publish to no Redis (a local stack may run one)
                    "--logquery.node.batch.max-wait=200ms",
                    "--server.shutdown=immediate"));
        }
        coordinator = startCoordinator(kafka.getBrokersAsString());
        Await.until(Duration.ofSeconds(60), "the tail reader to be assigned its partitions", TailIT::readerAssigned,
                ok -> ok);
    }

    /** The reader is assigned once a line sent now reaches a viewer. */
    static boolean readerAssigned() throws Exception {
        SseViewer probe = SseViewer.fast(url("service=probe"));
        try {
            Await.until(Duration.ofSeconds(10), "probe connected", probe::connected, ok -> ok);
            for (int attempt = 0; attempt < 100 && probe.lines().isEmpty(); attempt++) {
                TestLines.send(kafka.getBrokersAsString(), TOPIC, List.of(line("probe", LogLevel.INFO, "probe")));
                Thread.sleep(200);
            }
            return !probe.lines().isEmpty();
        } finally {
            probe.close();
            Await.until(Duration.ofSeconds(10), "probe released", TailIT::viewerGauge, n -> n == 0);
        }
    }

    static ConfigurableApplicationContext startCoordinator(String bootstrap, String... more) {
        List<String> args = new ArrayList<>(List.of(more));
        args.addAll(List.of("--server.port=0",
                "--spring.autoconfigure.exclude=" + QueryPathIT.EXCLUDED_AUTO_CONFIGURATION,
                "--logquery.coordinator.tail.bootstrap-servers=" + bootstrap,
                "--logquery.coordinator.redis-url=",
                "--logquery.coordinator.tail.max-viewers=" + MAX_VIEWERS,
                "--logquery.coordinator.tail.viewer-buffer=" + VIEWER_BUFFER,
                "--logquery.coordinator.tail.heartbeat=300ms"));
        for (int shard = 0; shard < SHARDS; shard++) {
            args.add("--logquery.coordinator.shards[" + shard + "].id=" + shard);
            args.add("--logquery.coordinator.shards[" + shard + "].url=http://localhost:" + port(nodes.get(shard)));
        }
        return new SpringApplicationBuilder(CoordinatorApplication.class).run(args.toArray(String[]::new));
    }

    @AfterEach
    void closeViewers() throws Exception {
        viewers.forEach(SseViewer::close);
        Await.until(Duration.ofSeconds(10), "every viewer released", TailIT::viewerGauge, n -> n == 0);
    }

    @AfterAll
    static void stopSystem() throws Exception {
        assertThat(QueryPathIT.blockingCalls).as("blocking calls on non-blocking threads").isEmpty();
        if (strictCoordinator != null) {
            strictCoordinator.close();
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

    // ------------------------------------------------------------------ helpers

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    static String url(String query) {
        return url(coordinator, query);
    }

    static String url(ConfigurableApplicationContext to, String query) {
        return "http://localhost:" + port(to) + "/api/tail" + (query.isEmpty() ? "" : "?" + query);
    }

    static MeterRegistry registry() {
        return coordinator.getBean(MeterRegistry.class);
    }

    static double viewerGauge() {
        return registry().get("tail.viewers").gauge().value();
    }

    static LogEntry line(String service, LogLevel level, String message) {
        return new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), service, level, "ns-" + service, service + "-pod",
                "app", message);
    }

    SseViewer open(String query) throws Exception {
        SseViewer viewer = SseViewer.fast(url(query));
        viewers.add(viewer);
        Await.until(Duration.ofSeconds(10), "viewer " + query + " connected",
                () -> viewer.connected() + " (" + viewer.describe() + ")", s -> viewer.connected());
        assertThat(viewer.status).isEqualTo(200);
        return viewer;
    }

    static String id(StoredLogEntry row) {
        return row.kafkaPartition() + ":" + row.offset();
    }

    /** The line of an event as the query API shows it (exactly its fields), for comparison with what was sent. */
    static String key(SseViewer.Event event) {
        JsonNode log = JSON.readTree(event.data());
        assertThat(log.propertyNames()).containsExactly("timestamp", "service", "level", "namespace", "pod",
                "container", "message", "partition");
        int kafkaPartition = Integer.parseInt(event.id().substring(0, event.id().indexOf(':')));
        assertThat(log.get("partition").asInt()).isEqualTo(kafkaPartition % SHARDS);
        return event.id() + "|" + log.get("timestamp").asString() + "|" + log.get("service").asString() + "|"
                + log.get("level").asString() + "|" + log.get("namespace").asString() + "|" + log.get("pod").asString()
                + "|" + log.get("container").asString() + "|" + log.get("message").asString();
    }

    static String key(StoredLogEntry row) {
        LogEntry e = row.entry();
        return id(row) + "|" + Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace()
                + "|" + e.pod() + "|" + e.container() + "|" + e.message();
    }

    /** Per Kafka partition, the offsets in the order given. */
    static Map<Integer, List<Long>> offsetsByPartition(Collection<String> ids) {
        Map<Integer, List<Long>> out = new TreeMap<>();
        for (String id : ids) {
            int colon = id.indexOf(':');
            out.computeIfAbsent(Integer.parseInt(id.substring(0, colon)), p -> new ArrayList<>())
                    .add(Long.parseLong(id.substring(colon + 1)));
        }
        return out;
    }

    static void assertLinesInKafkaOrder(List<SseViewer.Event> lines) {
        offsetsByPartition(lines.stream().map(SseViewer.Event::id).toList()).forEach((partition, offsets) ->
                assertThat(offsets).as("offsets of partition %d", partition).isSorted());
    }

    /**
     * Sends the lines as live traffic comes, 100 at a time (a burst of thousands at once could overflow a viewer's
     * buffer before its connection is written to, which is what the slow-viewer test is about, not this one).
     */
    static List<StoredLogEntry> sendPaced(List<LogEntry> lines) throws Exception {
        List<StoredLogEntry> sent = new ArrayList<>(lines.size());
        try (KafkaProducer<String, byte[]> producer = TestLines.producer(kafka.getBrokersAsString())) {
            for (int from = 0; from < lines.size(); from += 100) {
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                List<LogEntry> batch = lines.subList(from, Math.min(lines.size(), from + 100));
                for (LogEntry line : batch) {
                    acks.add(producer.send(new ProducerRecord<>(TOPIC, line.service(), LogEntryCodec.encode(line))));
                }
                for (int i = 0; i < batch.size(); i++) {
                    RecordMetadata m = acks.get(i).get(30, TimeUnit.SECONDS);
                    sent.add(new StoredLogEntry(batch.get(i), m.partition() % SHARDS, m.partition(), m.offset()));
                }
                Thread.sleep(50);
            }
        }
        return sent;
    }

    static long storedRows(String service) throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += databases.queryLong(s, "SELECT count(*) FROM logs WHERE service = ?", service);
        }
        return total;
    }

    /** Waits for a heartbeat after the current events: what was in flight before it has been written. */
    static void awaitQuiet(SseViewer viewer) throws Exception {
        int seen = viewer.events.size();
        Await.until(Duration.ofSeconds(10), "a heartbeat after the last line",
                () -> viewer.events.subList(seen, viewer.events.size()).stream()
                        .anyMatch(e -> e.equals(new SseViewer.Event("comment", null, "heartbeat"))), ok -> ok);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void viewersWithDifferentFiltersEachGetExactlyTheirLinesInKafkaOrder() throws Exception {
        Map<String, TailFilter> filters = new LinkedHashMap<>();
        filters.put("service=svc-1", new TailFilter("svc-1", null, null, null, null));
        filters.put("level=error", new TailFilter(null, LevelSet.of(List.of(LogLevel.ERROR)), null, null, null));
        filters.put("levels=WARN,FATAL&service=svc-2", new TailFilter("svc-2",
                LevelSet.of(List.of(LogLevel.WARN, LogLevel.FATAL)), null, null, null));
        filters.put("contains=" + URLEncoder.encode("timed OUT", StandardCharsets.UTF_8),
                new TailFilter(null, null, null, null, "timed OUT"));
        filters.put("namespace=ns-3&pod=svc-3-pod-1", new TailFilter(null, null, "ns-3", "svc-3-pod-1", null));
        filters.put("", TailFilter.ALL);
        Map<String, SseViewer> byQuery = new LinkedHashMap<>();
        for (String query : filters.keySet()) {
            byQuery.put(query, open(query));
        }
        assertThat(viewerGauge()).isEqualTo(filters.size());

        java.util.Random random = new java.util.Random(23);
        String[] messages = {"GET /api/orders 200", "java.net.SocketTimeoutException: Read TIMED OUT", "Read timed out!",
                "cache miss", "connection refused"};
        List<LogEntry> lines = IntStream.range(0, 3_000).mapToObj(i -> {
            int service = random.nextInt(6);
            return new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), "svc-" + service,
                    LogLevel.values()[random.nextInt(LogLevel.values().length)], "ns-" + service,
                    "svc-" + service + "-pod-" + random.nextInt(3), "app", messages[random.nextInt(messages.length)] + " #" + i);
        }).toList();
        List<StoredLogEntry> sent = sendPaced(lines);

        for (Map.Entry<String, TailFilter> f : filters.entrySet()) {
            SseViewer viewer = byQuery.get(f.getKey());
            List<String> expected = sent.stream().filter(row -> f.getValue().matches(row.entry())).map(TailIT::key).toList();
            assertThat(expected).as("lines for %s", f.getKey()).isNotEmpty();
            Await.until(Duration.ofSeconds(60), "the lines of " + f.getKey(), () -> viewer.lines().size(),
                    n -> n >= expected.size());
            awaitQuiet(viewer);
            List<SseViewer.Event> received = viewer.lines();
            assertThat(received.stream().map(TailIT::key).toList()).as("lines of %s", f.getKey())
                    .containsExactlyInAnyOrderElementsOf(expected);
            assertLinesInKafkaOrder(received);
            assertThat(viewer.named("dropped")).isEmpty();
        }
        assertThat(registry().get("tail.lines.delivered").counter().count()).isPositive();
        assertThat(registry().get("tail.delivery.delay").timer().count()).isPositive();
    }

    @Test
    void aSlowViewerIsToldHowManyLinesItLostWhileAFastViewerLosesNothing() throws Exception {
        String service = "slow-svc";
        SseViewer fast = open("service=" + service);
        SseViewer slow = SseViewer.slow(url("service=" + service));
        viewers.add(slow);
        Await.until(Duration.ofSeconds(10), "slow viewer connected", slow::connected, ok -> ok);
        double droppedBefore = registry().get("tail.lines.dropped").counter().count();

        String padding = "x".repeat(8 * 1024);
        List<LogEntry> lines = IntStream.range(0, 2_500)
                .mapToObj(i -> line(service, LogLevel.INFO, "line " + i + " " + padding)).toList();
        List<StoredLogEntry> sent = TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC, lines, SHARDS);
        List<String> expected = sent.stream().map(TailIT::id).toList();

        Await.until(Duration.ofSeconds(60), "the fast viewer's lines", () -> fast.lines().size(), n -> n >= expected.size());
        awaitQuiet(fast);
        assertThat(fast.lines().stream().map(SseViewer.Event::id).toList()).isEqualTo(expected);
        assertThat(fast.named("dropped")).isEmpty();
        assertThat(registry().get("tail.lines.dropped").counter().count()).isGreaterThan(droppedBefore);

        slow.readOn();
        Await.until(Duration.ofSeconds(60), "the slow viewer's lines and drops to add up to what was sent",
                () -> slow.lines().size() + slow.droppedTotal() + " (" + slow.describe() + ")",
                n -> slow.lines().size() + slow.droppedTotal() >= expected.size());
        awaitQuiet(slow);
        List<String> slowIds = slow.lines().stream().map(SseViewer.Event::id).toList();
        assertThat(slow.droppedTotal()).isPositive();
        assertThat(slowIds.size() + slow.droppedTotal()).isEqualTo(expected.size());
        assertThat(expected).containsSubsequence(slowIds);
        // Each announcement stands where lines are missing: right after the last line before the gap.
        List<SseViewer.Event> events = slow.events.stream().filter(e -> !e.name().equals("comment")).toList();
        int position = 0;
        for (SseViewer.Event e : events) {
            if (e.name().equals("dropped")) {
                position += Integer.parseInt(e.data().replaceAll("\\D", ""));
            } else {
                assertThat(e.id()).isEqualTo(expected.get(position));
                position++;
            }
        }
    }

    @Test
    void sinceReplaysStoredLinesThenContinuesLiveWithNoGapAndNoDuplicateAtTheSeam() throws Exception {
        String service = "seam-svc";
        List<StoredLogEntry> sent = new ArrayList<>(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC,
                IntStream.range(0, 300).mapToObj(i -> line(service, LogLevel.INFO, "before " + i)).toList(), SHARDS));
        Await.until(Duration.ofSeconds(30), "the first lines stored", () -> storedRows(service), n -> n == 300);

        // Lines keep coming while the viewer registers and its replay runs, so some are stored, some only in Kafka.
        CompletableFuture<List<StoredLogEntry>> during = CompletableFuture.supplyAsync(() -> {
            List<StoredLogEntry> out = new ArrayList<>();
            try {
                for (int batch = 0; batch < 60; batch++) {
                    int b = batch;
                    out.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC, IntStream.range(0, 10)
                            .mapToObj(i -> line(service, LogLevel.INFO, "during " + b + "/" + i)).toList(), SHARDS));
                    Thread.sleep(30);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return out;
        });
        Thread.sleep(300);
        SseViewer viewer = open("service=" + service + "&since=10m");
        sent.addAll(during.get(60, TimeUnit.SECONDS));
        Await.until(Duration.ofSeconds(30), "the replay to end", () -> viewer.named("replayed").size(), n -> n == 1);
        sent.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC,
                IntStream.range(0, 200).mapToObj(i -> line(service, LogLevel.INFO, "after " + i)).toList(), SHARDS));

        Await.until(Duration.ofSeconds(60), "every line", () -> viewer.lines().size(), n -> n >= sent.size());
        awaitQuiet(viewer);
        assertThat(viewer.named("dropped")).isEmpty();
        List<String> received = viewer.lines().stream().map(TailIT::key).toList();
        assertThat(received).doesNotHaveDuplicates();
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent.stream().map(TailIT::key).toList());

        // The replay comes first, in time order, and says how many lines it had; then the live lines, in Kafka order.
        int replayEnd = viewer.events.indexOf(viewer.named("replayed").get(0));
        List<SseViewer.Event> replayed = viewer.events.subList(0, replayEnd).stream()
                .filter(e -> e.name().equals("message")).toList();
        assertThat(viewer.named("replayed").get(0).data()).isEqualTo("{\"lines\":" + replayed.size() + ",\"partial\":false}");
        assertThat(replayed.size()).isGreaterThanOrEqualTo(300);
        Map<String, StoredLogEntry> byId = sent.stream().collect(Collectors.toMap(TailIT::id, row -> row));
        assertThat(replayed.stream().map(e -> byId.get(e.id())).toList()).isSortedAccordingTo(LogOrder.NEWEST_FIRST.reversed());
        List<SseViewer.Event> live = viewer.events.subList(replayEnd, viewer.events.size()).stream()
                .filter(e -> e.name().equals("message")).toList();
        assertThat(live).isNotEmpty();
        assertLinesInKafkaOrder(live);

        // since as a count: the newest lines, oldest first.
        Await.until(Duration.ofSeconds(30), "every line stored", () -> storedRows(service), n -> n == sent.size());
        SseViewer last = open("service=" + service + "&since=50");
        Await.until(Duration.ofSeconds(30), "the count replay", () -> last.named("replayed").size(), n -> n == 1);
        List<String> expectedLast = sent.stream().sorted(LogOrder.NEWEST_FIRST).limit(50)
                .sorted(LogOrder.NEWEST_FIRST.reversed()).map(TailIT::key).toList();
        assertThat(last.lines().stream().map(TailIT::key).toList()).isEqualTo(expectedLast);
    }

    @Test
    void aViewerThatReadsNothingLosesItsConnectionAfterTheWriteTimeout() throws Exception {
        if (strictCoordinator == null) {
            strictCoordinator = startCoordinator(kafka.getBrokersAsString(), "--logquery.coordinator.write-timeout=1s");
        }
        ConfigurableApplicationContext strict = strictCoordinator;
        MeterRegistry strictRegistry = strict.getBean(MeterRegistry.class);
        SseViewer stuck = SseViewer.slow(url(strict, "service=stuck-svc"));
        viewers.add(stuck);
        Await.until(Duration.ofSeconds(10), "the stuck viewer registered",
                () -> strictRegistry.get("tail.viewers").gauge().value(), n -> n == 1);
        String padding = "x".repeat(8 * 1024);
        // Lines for it until its socket buffers are full and a write waits longer than the timeout; sent in
        // rounds, since the new coordinator's reader starts at the end of the topic once it is assigned.
        AtomicInteger round = new AtomicInteger();
        Await.until(Duration.ofSeconds(90), "the stuck viewer's connection closed and its slot freed", () -> {
            int r = round.incrementAndGet();
            TestLines.send(kafka.getBrokersAsString(), TOPIC, IntStream.range(0, 400)
                    .mapToObj(i -> line("stuck-svc", LogLevel.INFO, "round " + r + " line " + i + " " + padding))
                    .toList());
            return strictRegistry.get("tail.viewers").gauge().value();
        }, n -> n == 0);
        stuck.readOn();
        Await.until(Duration.ofSeconds(10), "its stream ended", () -> stuck.ended || stuck.error != null, e -> e);
        assertThat(viewerGauge()).as("the other coordinator's viewers are not affected").isZero();
    }

    @Test
    void aDisconnectedViewerIsReleasedAtOnce() throws Exception {
        SseViewer a = open("service=a");
        open("level=ERROR");
        assertThat(viewerGauge()).isEqualTo(2);
        a.close();
        Await.until(Duration.ofSeconds(10), "the closed viewer released", TailIT::viewerGauge, n -> n == 1);
    }

    @Test
    void beyondTheMaximumViewersTheAnswerIs429WithRetryAfter() throws Exception {
        for (int i = 0; i < MAX_VIEWERS; i++) {
            open("service=many-" + i);
        }
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(url("service=one-too-many")))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(JSON.readTree(refused.body()).get("detail").asString()).contains("maximum of " + MAX_VIEWERS);
        viewers.remove(0).close();
        Await.until(Duration.ofSeconds(10), "a place freed", TailIT::viewerGauge, n -> n == MAX_VIEWERS - 1);
        open("service=now-there-is-room");
    }

    @Test
    void badParametersAreA400NamingTheParameter() throws Exception {
        Map<String, String> cases = Map.of(
                "level=LOUD", "level",
                "levels=ERROR,NOPE", "levels",
                "since=yesterday", "since",
                "since=0", "since",
                "service=" + "s".repeat(129), "service",
                "contains=" + "c".repeat(257), "contains",
                "sevrice=a", "sevrice",
                "service=a&service=b", "service");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url(c.getKey())))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.get("errors").get(0).get("field").asString()).as(c.getKey()).isEqualTo(c.getValue());
        }
        assertThat(viewerGauge()).isZero();
    }
}
