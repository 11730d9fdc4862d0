package dev.logquery.benchmark;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.producer.publish.TopicInitializer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import reactor.core.Disposable;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The live tail under many viewers: a KRaft broker in this JVM, three partition nodes on three PostgreSQL
 * servers and the coordinator as separate JVMs (free ports only), a producer writing lines at a steady rate
 * over many services, and thousands of concurrent {@code GET /api/tail?service=...} viewers held by one
 * event-loop client (two threads, not one per viewer). For each viewer count it prints the coordinator's
 * threads before and while the viewers watch, the Kafka-to-viewer delay measured at the client (receive time
 * minus the entry's timestamp, which the producer sets when it sends), lines delivered and dropped, and query
 * latency p50/p99 without and with the viewers.
 *
 * <pre>./benchmark.sh tail [--viewers 2000,10000] [--rate 1000] [--services 200] [--seconds 30]
 *                    [--query-clients 4] [--coordinator-heap 512m]</pre>
 */
public final class TailBenchmark {

    record Options(List<Integer> viewers, int rate, int services, int seconds, int queryClients, String coordinatorHeap) {
        static Options parse(String[] args) {
            List<Integer> viewers = List.of(2_000, 10_000);
            int rate = 1_000;
            int services = 200;
            int seconds = 30;
            int queryClients = 4;
            String heap = "512m";
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--viewers" -> viewers = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                    case "--rate" -> rate = Integer.parseInt(args[++i]);
                    case "--services" -> services = Integer.parseInt(args[++i]);
                    case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                    case "--query-clients" -> queryClients = Integer.parseInt(args[++i]);
                    case "--coordinator-heap" -> heap = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--viewers 2000,10000"
                            + " --rate N --services N --seconds N --query-clients N --coordinator-heap 512m)");
                }
            }
            return new Options(viewers, rate, services, seconds, queryClients, heap);
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File log = new File("benchmark/target/tail-benchmark-services.log");
        log.getParentFile().mkdirs();
        System.out.printf(Locale.ROOT, "tail benchmark %s: %d cores, %s, JDK %s; %,d lines/s over %d services;"
                        + " logs of nodes and coordinator in %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("java.version"), o.rate, o.services, log);
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 6);
        kafka.afterPropertiesSet();
        String bootstrap = kafka.getBrokersAsString();
        String topic = "pod-logs";
        TopicInitializer.ensureTopic(bootstrap, topic, 6, (short) 1, Duration.ofSeconds(30));
        List<EmbeddedPostgres> dbs = new ArrayList<>();
        List<NodeProcess> nodes = new ArrayList<>();
        NodeProcess coordinator = null;
        ScheduledExecutorService producerClock = Executors.newSingleThreadScheduledExecutor();
        LoopResources loops = LoopResources.create("tail-viewers", 2, true);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            for (int s = 0; s < 3; s++) {
                dbs.add(IngestBenchmark.postgres());
                nodes.add(NodeProcess.start(s, 3, topic, dbs.get(s).getJdbcUrl("postgres", "postgres"), bootstrap, "256m",
                        List.of(), log));
            }
            int maxViewers = o.viewers.stream().mapToInt(Integer::intValue).max().orElse(1);
            List<String> coordinatorArgs = new ArrayList<>(List.of(
                    "--logquery.coordinator.tail.bootstrap-servers=" + bootstrap,
                    "--logquery.coordinator.redis-url=",
                    "--logquery.coordinator.tail.topic=" + topic,
                    "--logquery.coordinator.tail.max-viewers=" + (maxViewers + 100),
                    // every viewer comes from this one address: no per-client share applies
                    "--logquery.coordinator.max-viewers-per-client=" + (maxViewers + 100),
                    "--logquery.coordinator.max-queries-per-client=1000000"));
            for (int s = 0; s < 3; s++) {
                coordinatorArgs.add("--logquery.coordinator.shards[" + s + "].id=" + s);
                coordinatorArgs.add("--logquery.coordinator.shards[" + s + "].url=" + nodes.get(s).baseUrl);
            }
            coordinator = NodeProcess.startCoordinator(coordinatorArgs, o.coordinatorHeap, log);
            String url = coordinator.baseUrl;

            AtomicLong produced = new AtomicLong();
            startProducing(producer, topic, o, producerClock, produced);
            System.out.printf(Locale.ROOT, "producing %,d lines/s; warming up 30 s (nodes store, JIT compiles)%n", o.rate);
            Thread.sleep(30_000);
            queries(url, o, 10); // JIT warm-up of the query path

            for (int viewers : o.viewers) {
                System.out.printf(Locale.ROOT, "%n=== %,d viewers ===%n", viewers);
                double[] quiet = queries(url, o, o.seconds);
                int threadsBefore = coordinator.threads();
                System.out.printf(Locale.ROOT, "no viewers: coordinator threads %d; query p50 %.1f ms, p99 %.1f ms (%,d queries)%n",
                        threadsBefore, quiet[0], quiet[1], (long) quiet[2]);
                Viewers v = new Viewers(url, viewers, o.services, loops);
                v.connect(Duration.ofSeconds(300));
                System.out.printf(Locale.ROOT, "%,d viewers connected in %.1f s (%d refused or failed)%n", v.connected.get(),
                        v.connectSeconds, v.failed.get());
                Thread.sleep(5_000); // settle: first lines, JIT of the tail path
                ThreadSampler sampler = new ThreadSampler(coordinator);
                sampler.start();
                // Window 1: the viewers alone (production goes on); window 2: the same with the query load.
                v.reset();
                PrometheusText before = PrometheusText.scrape(url);
                long producedBefore = produced.get();
                Thread.sleep(o.seconds * 1_000L);
                report("viewers only", v, produced.get() - producedBefore, before, PrometheusText.scrape(url));
                v.reset();
                before = PrometheusText.scrape(url);
                producedBefore = produced.get();
                double[] busy = queries(url, o, o.seconds);
                report("viewers and queries", v, produced.get() - producedBefore, before, PrometheusText.scrape(url));
                sampler.stop();
                System.out.printf(Locale.ROOT, "with viewers: coordinator threads max %d (before %d, growth %+d);"
                                + " query p50 %.1f ms, p99 %.1f ms (%,d queries; p99 ratio to no viewers %.2f)%n",
                        sampler.max, threadsBefore, sampler.max - threadsBefore, busy[0], busy[1], (long) busy[2],
                        busy[1] / quiet[1]);
                v.close();
                awaitViewerGauge(url, 0, Duration.ofSeconds(60));
                Thread.sleep(3_000);
                System.out.printf(Locale.ROOT, "after disconnecting: tail_viewers 0, coordinator threads %d%n",
                        coordinator.threads());
            }
        } finally {
            producerClock.shutdownNow();
            if (coordinator != null) {
                coordinator.close();
            }
            for (NodeProcess n : nodes) {
                n.close();
            }
            for (EmbeddedPostgres pg : dbs) {
                pg.close();
            }
            loops.dispose();
            kafka.destroy();
        }
        System.exit(0);
    }

    static void report(String window, Viewers v, long producedLines, PrometheusText before, PrometheusText after) {
        System.out.printf(Locale.ROOT, "%s, %.0f s: produced %,d lines; viewers received %,d lines (%,.0f/s), announced"
                        + " %,d dropped; coordinator counted %,.0f delivered, %,.0f dropped; Kafka-to-viewer delay at the"
                        + " client p50 %d ms, p99 %d ms, max %d ms%n",
                window, v.seconds(), producedLines, v.lines.get(), v.lines.get() / v.seconds(), v.dropped.get(),
                after.sum("tail_lines_delivered_total") - before.sum("tail_lines_delivered_total"),
                after.sum("tail_lines_dropped_total") - before.sum("tail_lines_dropped_total"),
                v.delayPercentileMs(0.5), v.delayPercentileMs(0.99), v.delayPercentileMs(1.0));
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return new KafkaProducer<>(p);
    }

    /** Every 10 ms, a hundredth of a second's lines, round-robin over the services; timestamps are the send time. */
    static void startProducing(KafkaProducer<String, byte[]> producer, String topic, Options o,
                               ScheduledExecutorService clock, AtomicLong produced) {
        Random random = new Random(7);
        LogLevel[] levels = LogLevel.values();
        double perTick = o.rate / 100.0;
        double[] owed = {0};
        clock.scheduleAtFixedRate(() -> {
            owed[0] += perTick;
            while (owed[0] >= 1) {
                owed[0]--;
                long n = produced.getAndIncrement();
                String service = "svc-" + (n % o.services);
                LogEntry e = new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), service,
                        levels[random.nextInt(levels.length)], "ns-" + (n % 7), service + "-pod-" + (n % 3), "app",
                        "request " + n + " handled in " + random.nextInt(500) + " ms");
                producer.send(new ProducerRecord<>(topic, service, LogEntryCodec.encode(e)));
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** {@code queryClients} threads querying one service's last 100 lines of the last 10 minutes: {p50, p99, count}. */
    static double[] queries(String url, Options o, int seconds) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(o.queryClients);
        try {
            long until = System.nanoTime() + seconds * 1_000_000_000L;
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < o.queryClients; t++) {
                long seed = t;
                results.add(threads.submit(() -> {
                    Random r = new Random(seed);
                    long[] lat = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < until) {
                        Instant end = Instant.now();
                        String body = "{\"startTime\":\"" + Rfc3339.format(end.minus(Duration.ofMinutes(10)))
                                + "\",\"endTime\":\"" + Rfc3339.format(end) + "\",\"serviceName\":\"svc-"
                                + r.nextInt(o.services) + "\",\"limit\":100}";
                        long t0 = System.nanoTime();
                        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/query/logs"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - t0) / 1000;
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException("query answered " + response.statusCode() + ": " + response.body());
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = micros;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<long[]> f : results) {
                for (long l : f.get(seconds + 60L, TimeUnit.SECONDS)) {
                    all.add(l);
                }
            }
            long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
            return new double[] {percentile(sorted, 0.5) / 1000.0, percentile(sorted, 0.99) / 1000.0, sorted.length};
        } finally {
            threads.shutdownNow();
        }
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }

    static void awaitViewerGauge(String url, int expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        double last = -1;
        while (System.nanoTime() < deadline) {
            last = PrometheusText.scrape(url).sum("tail_viewers");
            if (last == expected) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("tail_viewers is " + last + ", expected " + expected + " after " + timeout);
    }

    /** The coordinator's thread count (from /proc), sampled every 100 ms; the maximum seen. */
    static final class ThreadSampler {
        private final NodeProcess process;
        private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        volatile int max;

        ThreadSampler(NodeProcess process) {
            this.process = process;
        }

        void start() {
            clock.scheduleAtFixedRate(() -> max = Math.max(max, process.threads()), 0, 100, TimeUnit.MILLISECONDS);
        }

        void stop() {
            clock.shutdownNow();
        }
    }

    /**
     * {@code count} SSE viewers on one Reactor Netty client with two event-loop threads and no connection pool.
     * Viewer {@code i} watches service {@code svc-(i % services)}. Delays are counted in 1 ms buckets up to 60 s.
     */
    static final class Viewers {
        private final String url;
        private final int count;
        private final int services;
        private final reactor.netty.http.client.HttpClient client;
        private final List<Disposable> streams = new ArrayList<>();
        final AtomicInteger connected = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicLong lines = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        private final AtomicLongArray delayBuckets = new AtomicLongArray(60_001);
        private volatile long measuringSince = System.nanoTime();
        double connectSeconds;

        Viewers(String url, int count, int services, LoopResources loops) {
            this.url = url;
            this.count = count;
            this.services = services;
            this.client = reactor.netty.http.client.HttpClient.create(ConnectionProvider.newConnection())
                    .runOn(loops);
        }

        void connect(Duration timeout) throws InterruptedException {
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String service = "svc-" + (i % services);
                StringBuilder pending = new StringBuilder();
                streams.add(client.get().uri(url + "/api/tail?service=" + service)
                        .responseContent().asString(StandardCharsets.UTF_8)
                        .subscribe(chunk -> receive(pending, chunk), e -> failed.incrementAndGet()));
                if (i % 200 == 199) {
                    Thread.sleep(50); // about 4,000 connections a second: a burst of SYNs would overflow the backlog
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (connected.get() + failed.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            connectSeconds = (System.nanoTime() - t0) / 1e9;
        }

        /** One viewer's chunk: complete events are counted (a viewer's chunks arrive on one event loop, in order). */
        private void receive(StringBuilder pending, String chunk) {
            long now = System.currentTimeMillis();
            pending.append(chunk);
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
                String event = pending.substring(0, end);
                pending.delete(0, end + 2);
                if (event.startsWith(": connected")) {
                    connected.incrementAndGet();
                } else if (event.startsWith("event: dropped")) {
                    dropped.addAndGet(Long.parseLong(event.replaceAll("(?s).*\"dropped\":(\\d+).*", "$1")));
                } else if (event.startsWith("id: ")) {
                    lines.incrementAndGet();
                    int at = event.indexOf("\"timestamp\":\"") + 13;
                    Instant ts = Instant.parse(event.substring(at, event.indexOf('"', at)));
                    int ms = (int) Math.max(0, Math.min(60_000, now - ts.toEpochMilli()));
                    delayBuckets.incrementAndGet(ms);
                }
            }
        }

        void reset() {
            lines.set(0);
            dropped.set(0);
            for (int i = 0; i < delayBuckets.length(); i++) {
                delayBuckets.set(i, 0);
            }
            measuringSince = System.nanoTime();
        }

        double seconds() {
            return (System.nanoTime() - measuringSince) / 1e9;
        }

        long delayPercentileMs(double q) {
            long total = 0;
            for (int i = 0; i < delayBuckets.length(); i++) {
                total += delayBuckets.get(i);
            }
            long rank = Math.max(1, (long) Math.ceil(q * total));
            long seen = 0;
            for (int i = 0; i < delayBuckets.length(); i++) {
                seen += delayBuckets.get(i);
                if (seen >= rank) {
                    return i;
                }
            }
            return -1;
        }

        void close() {
            streams.forEach(Disposable::dispose);
        }
    }

    private TailBenchmark() {
    }
}
