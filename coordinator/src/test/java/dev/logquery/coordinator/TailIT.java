package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.coordinator.tail.SseViewer;
import dev.logquery.coordinator.tail.TailFilter;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.LineWriter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/tail} end to end: a KRaft broker, three partition nodes on three real PostgreSQL servers and
 * the coordinator in this JVM (the test kit's {@link Cluster}); lines go in through an ordinary Kafka producer,
 * and viewers are real HTTP clients on an event loop. Every test ends with no viewer registered (the
 * {@code tail.viewers} gauge back at 0), and BlockHound watches every event-loop thread for a blocking call
 * during each test.
 */
class TailIT {

    static final int SHARDS = 3;
    static final int MAX_VIEWERS = 7;
    static final int VIEWER_BUFFER = 200;
    static final JsonMapper JSON = JsonMapper.builder().build();

    static Cluster cluster;
    static App coordinator;
    /**
     * A second coordinator with a short write timeout, started by the test that needs it and closed with the
     * others when the cluster closes (closing a coordinator releases the JVM's shared Reactor Netty resources,
     * so not before them).
     */
    static App strictCoordinator;
    final List<SseViewer> viewers = new ArrayList<>();

    @BeforeAll
    static void startSystem() throws Exception {
        EventLoopWatch.install(); // any blocking call on an event loop is recorded
        cluster = Cluster.builder().shards(SHARDS).coordinator()
                .coordinator("logquery.coordinator.tail.max-viewers", Integer.toString(MAX_VIEWERS))
                .coordinator("logquery.coordinator.tail.viewer-buffer", Integer.toString(VIEWER_BUFFER))
                .coordinator("logquery.coordinator.tail.heartbeat", "300ms")
                .start();
        coordinator = cluster.coordinator();
        awaitReaderAssigned();
        assertThat(EventLoopWatch.takeBlockingCalls()).as("blocking calls while the system started").isEmpty();
    }

    /**
     * Waits until the tail reader is assigned its partitions: it starts at the end of each, so only a line sent
     * after that reaches a viewer. A probe line goes out at each look until one arrived.
     */
    static void awaitReaderAssigned() throws Exception {
        SseViewer probe = SseViewer.fast(url("service=probe"));
        try (KafkaProducer<String, byte[]> producer = LineWriter.producer(cluster.kafka().bootstrapServers())) {
            Await.until(Duration.ofSeconds(10), "probe connected", probe::connected);
            Await.until(Duration.ofSeconds(60), "a probe line reaches a viewer (the tail reader is assigned)", () -> {
                if (probe.lines().isEmpty()) {
                    LogEntry line = line("probe", LogLevel.INFO, "probe");
                    producer.send(new ProducerRecord<>(cluster.topic(), line.service(), LogEntryCodec.encode(line)))
                            .get(30, TimeUnit.SECONDS);
                }
                return !probe.lines().isEmpty();
            });
        } finally {
            probe.close();
            Await.until(Duration.ofSeconds(10), "probe released", TailIT::viewerGauge, n -> n == 0);
        }
    }

    @AfterEach
    void closeViewers() throws Exception {
        viewers.forEach(SseViewer::close);
        Await.until(Duration.ofSeconds(10), "every viewer released", TailIT::viewerGauge, n -> n == 0);
        assertThat(EventLoopWatch.takeBlockingCalls()).as("blocking calls on non-blocking threads").isEmpty();
    }

    @AfterAll
    static void stopSystem() throws Exception {
        try {
            assertThat(EventLoopWatch.takeBlockingCalls()).as("blocking calls on non-blocking threads").isEmpty();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static String url(String query) {
        return url(coordinator, query);
    }

    static String url(App to, String query) {
        return to.url() + "/api/tail" + (query.isEmpty() ? "" : "?" + query);
    }

    static MeterRegistry registry() {
        return coordinator.bean(MeterRegistry.class);
    }

    static double viewerGauge() {
        return registry().get("tail.viewers").gauge().value();
    }

    static LogEntry line(String service, LogLevel level, String message) {
        return new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), service, level, "ns-" + service, service + "-pod",
                "app", message);
    }

    /** Sends {@code lines} keyed by service, and returns them with the partition and offset each one got. */
    static List<StoredLogEntry> send(List<LogEntry> lines) throws Exception {
        return LineWriter.sendTracked(cluster.kafka().bootstrapServers(), cluster.topic(), lines, SHARDS);
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
        if (log.has("attributes")) {
            assertThat(log.propertyNames()).containsExactly("timestamp", "service", "level", "namespace", "pod",
                    "container", "message", "attributes", "partition");
        } else {
            assertThat(log.propertyNames()).containsExactly("timestamp", "service", "level", "namespace", "pod",
                    "container", "message", "partition");
        }
        int kafkaPartition = Integer.parseInt(event.id().substring(0, event.id().indexOf(':')));
        assertThat(log.get("partition").asInt()).isEqualTo(kafkaPartition % SHARDS);
        return event.id() + "|" + log.get("timestamp").asString() + "|" + log.get("service").asString() + "|"
                + log.get("level").asString() + "|" + log.get("namespace").asString() + "|" + log.get("pod").asString()
                + "|" + log.get("container").asString() + "|" + log.get("message").asString() + "|"
                + (log.has("attributes") ? new TreeMap<>(JSON.convertValue(log.get("attributes"), Map.class)) : Map.of());
    }

    static String key(StoredLogEntry row) {
        LogEntry e = row.entry();
        return id(row) + "|" + Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace()
                + "|" + e.pod() + "|" + e.container() + "|" + e.message() + "|" + e.attributes();
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
     * Sends the lines as live traffic comes, 100 at a time, each hundred once every viewer received its share of
     * the ones before (a burst of thousands at once could overflow a viewer's buffer before its connection is
     * written to, which is what the slow-viewer test is about, not this one).
     */
    static List<StoredLogEntry> sendInStepWith(Map<TailFilter, SseViewer> viewers, List<LogEntry> lines)
            throws Exception {
        List<StoredLogEntry> sent = new ArrayList<>(lines.size());
        for (int from = 0; from < lines.size(); from += 100) {
            sent.addAll(send(lines.subList(from, Math.min(lines.size(), from + 100))));
            for (Map.Entry<TailFilter, SseViewer> v : viewers.entrySet()) {
                long share = sent.stream().filter(row -> v.getKey().matches(row.entry())).count();
                Await.until(Duration.ofSeconds(30), share + " lines delivered to a viewer",
                        () -> v.getValue().lines().size(), n -> n >= share);
            }
        }
        return sent;
    }

    static long storedRows(String service) throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += cluster.database(s).queryLong("SELECT count(*) FROM logs WHERE service = ?", service);
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

    /** Whether {@code viewer} (null: none yet) has been told that its {@code since} replay ended. */
    static boolean replayEnded(SseViewer viewer) {
        return viewer != null && !viewer.named("replayed").isEmpty();
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
        filters.put("attribute.cluster=eu-1&service=svc-4", new TailFilter("svc-4", null, null, null, null,
                new java.util.TreeMap<>(Map.of("cluster", "eu-1"))));
        filters.put("", TailFilter.ALL);
        Map<String, SseViewer> byQuery = new LinkedHashMap<>();
        Map<TailFilter, SseViewer> byFilter = new LinkedHashMap<>();
        for (Map.Entry<String, TailFilter> f : filters.entrySet()) {
            byQuery.put(f.getKey(), open(f.getKey()));
            byFilter.put(f.getValue(), byQuery.get(f.getKey()));
        }
        assertThat(viewerGauge()).isEqualTo(filters.size());

        java.util.Random random = new java.util.Random(23);
        String[] messages = {"GET /api/orders 200", "java.net.SocketTimeoutException: Read TIMED OUT", "Read timed out!",
                "cache miss", "connection refused"};
        List<LogEntry> lines = IntStream.range(0, 3_000).mapToObj(i -> {
            int service = random.nextInt(6);
            return new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), "svc-" + service,
                    LogLevel.values()[random.nextInt(LogLevel.values().length)], "ns-" + service,
                    "svc-" + service + "-pod-" + random.nextInt(3), "app", messages[random.nextInt(messages.length)] + " #" + i,
                    i % 4 == 0 ? Map.of() : Map.of("cluster", "eu-" + (i % 4)));
        }).toList();
        List<StoredLogEntry> sent = sendInStepWith(byFilter, lines);

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
        List<StoredLogEntry> sent = send(lines);
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
        List<StoredLogEntry> sent = new ArrayList<>(send(
                IntStream.range(0, 300).mapToObj(i -> line(service, LogLevel.INFO, "before " + i)).toList()));
        Await.until(Duration.ofSeconds(30), "the first lines stored", () -> storedRows(service), n -> n == 300);

        // Lines keep coming while the viewer registers and its replay runs, so some are stored, some only in Kafka:
        // ten at a time, each ten once the ten before are stored, until the viewer's replay has ended.
        AtomicReference<SseViewer> registered = new AtomicReference<>();
        CompletableFuture<List<StoredLogEntry>> during = CompletableFuture.supplyAsync(() -> {
            List<StoredLogEntry> out = new ArrayList<>();
            try {
                for (int batch = 0; batch < 400 && !replayEnded(registered.get()); batch++) {
                    int b = batch;
                    out.addAll(send(IntStream.range(0, 10)
                            .mapToObj(i -> line(service, LogLevel.INFO, "during " + b + "/" + i)).toList()));
                    long stored = 300 + out.size();
                    Await.until(Duration.ofSeconds(30), "lines sent during the replay stored",
                            () -> storedRows(service), n -> n >= stored);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return out;
        });
        Await.until(Duration.ofSeconds(30), "lines sent meanwhile stored", () -> storedRows(service), n -> n > 300);
        SseViewer viewer = open("service=" + service + "&since=10m");
        registered.set(viewer);
        sent.addAll(during.get(120, TimeUnit.SECONDS));
        Await.until(Duration.ofSeconds(30), "the replay to end", () -> viewer.named("replayed").size(), n -> n == 1);
        sent.addAll(send(IntStream.range(0, 200).mapToObj(i -> line(service, LogLevel.INFO, "after " + i)).toList()));

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
            strictCoordinator = cluster.startCoordinator("logquery.coordinator.write-timeout", "1s");
        }
        App strict = strictCoordinator;
        MeterRegistry strictRegistry = strict.bean(MeterRegistry.class);
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
            LineWriter.send(cluster.kafka().bootstrapServers(), cluster.topic(), IntStream.range(0, 400)
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
        HttpResponse<String> refused = Http.get(url("service=one-too-many"));
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
            HttpResponse<String> response = Http.get(url(c.getKey()));
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            assertThat(problem.get("errors").get(0).get("field").asString()).as(c.getKey()).isEqualTo(c.getValue());
        }
        assertThat(viewerGauge()).isZero();
    }
}
