package dev.logquery.benchmark;

import com.google.protobuf.Timestamp;
import dev.logquery.benchmark.QueryLoad.Run;
import dev.logquery.common.model.LogEntry;
import dev.logquery.gateway.loki.proto.EntryAdapter;
import dev.logquery.gateway.loki.proto.PushRequest;
import dev.logquery.gateway.loki.proto.StreamAdapter;
import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Deployment;
import dev.logquery.testkit.Jvm;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xerial.snappy.Snappy;
import tools.jackson.databind.node.ObjectNode;

/**
 * Push benchmark: Loki push requests (protobuf, snappy-compressed, as Promtail, Alloy and Vector send them) of
 * {@code --batch} lines through the ingest gateway (its own JVM, its runnable jar) into Kafka and three partition
 * nodes (their own JVMs) on real PostgreSQL servers. Three parts, one cluster:
 * <ol>
 * <li><b>throughput</b>: {@code --clients} closed-loop clients push {@code --lines} lines as fast as the gateway
 * answers; prints lines/s from the first push to the last row stored (counted in the nodes' databases) and the push
 * latency (request to 204) percentiles;</li>
 * <li><b>latency at a rate</b>: pushes paced at {@code --rate} lines/s for {@code --seconds}, open loop (a late
 * answer does not delay the next push); prints the push latency percentiles, and whether storing kept up;</li>
 * <li><b>direct to Kafka</b>, the same number of lines written by the synthetic producer straight into the topic,
 * stored by the same nodes: the path without the gateway, in the same run, for comparison.</li>
 * </ol>
 * A warm-up of {@code --warmup-lines} pushed the same way comes first, not measured (the gateway's JIT compilers
 * need it, as in the query benchmark). Request bodies are encoded before each part starts, so the client's encoding does not compete with the gateway
 * for the two cores while measuring. Figures also go to {@code benchmark/target/results/push.json}.
 */
public final class PushBenchmark {

    record Options(long lines, int batch, int clients, int rate, int seconds, int services, String nodeHeap,
                   String gatewayHeap, long warmupLines, int leadInSeconds) {

        static Options parse(String[] args) {
            long lines = 2_000_000;
            int batch = 1_000;
            int clients = 4;
            int rate = 50_000;
            int seconds = 30;
            int services = 50;
            String nodeHeap = "512m";
            String gatewayHeap = "256m";
            long warmup = 500_000;
            int leadIn = 10;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--lines" -> lines = Long.parseLong(args[++i]);
                    case "--batch" -> batch = Integer.parseInt(args[++i]);
                    case "--clients" -> clients = Integer.parseInt(args[++i]);
                    case "--rate" -> rate = Integer.parseInt(args[++i]);
                    case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                    case "--services" -> services = Integer.parseInt(args[++i]);
                    case "--node-heap" -> nodeHeap = args[++i];
                    case "--gateway-heap" -> gatewayHeap = args[++i];
                    case "--warmup-lines" -> warmup = Long.parseLong(args[++i]);
                    case "--lead-in-seconds" -> leadIn = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (options: --lines N"
                            + " --batch N --clients N --rate LINES_PER_S --seconds N --services N --node-heap 512m"
                            + " --gateway-heap 256m --warmup-lines 500000 --lead-in-seconds 10)");
                }
            }
            return new Options(lines, batch, clients, rate, seconds, services, nodeHeap, gatewayHeap, warmup, leadIn);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File logs = new File("benchmark/target/push-benchmark-services");
        System.out.printf(Locale.ROOT, "push benchmark %s: %d cores, %s; %,d-line pushes (Loki protobuf + snappy);"
                        + " gateway -Xmx%s, nodes -Xmx%s; logs in %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), o.batch, o.gatewayHeap,
                o.nodeHeap, logs);
        Deployment deployment = BenchmarkDeployment.deployment(BenchmarkDeployment.jvm("partition-node", o.nodeHeap),
                null, logs).gateways(Jvm.runnableJar(BenchmarkDeployment.runnableJar("ingest-gateway"), "-Xmx" + o.gatewayHeap,
                "-Xms" + o.gatewayHeap, "-XX:+UseG1GC",
                // its pauses, to set beside the slow pushes (uptime-stamped, as the run's seconds are)
                "-Xlog:gc:file=" + new File(logs, "gateway-gc.log").getAbsolutePath() + ":uptime,level"));
        BenchmarkJson json = new BenchmarkJson("push", o);
        List<String> report = new ArrayList<>();
        try (Cluster cluster = BenchmarkDeployment.cluster(3, deployment).gateway().start()) {
            URI push = URI.create(cluster.gateway().url() + "/loki/api/v1/push");
            SyntheticLogGenerator generator = new SyntheticLogGenerator(o.services, 7);
            long stored = 0;

            // 0. warm-up: the same load, not measured (a fresh JVM compiles its hot paths under load first)
            if (o.warmupLines >= o.batch) {
                List<byte[]> warm = bodies(generator, o.warmupLines, o.batch);
                Run w = closedLoop(push, warm, o.clients);
                stored = awaitStored(cluster, stored + (long) warm.size() * o.batch, Duration.ofMinutes(10));
                System.out.printf(Locale.ROOT, "warm-up: %,d lines pushed and stored (not measured; %d failed pushes)%n",
                        stored, w.errors());
            }

            // 1. throughput, closed loop
            List<byte[]> bodies = bodies(generator, o.lines, o.batch);
            long pushed = (long) bodies.size() * o.batch;
            long startNanos = System.nanoTime();
            Run run = closedLoop(push, bodies, o.clients);
            double pushSeconds = (System.nanoTime() - startNanos) / 1e9;
            stored = awaitStored(cluster, stored + pushed, Duration.ofMinutes(10));
            double e2eSeconds = (System.nanoTime() - startNanos) / 1e9;
            String line = String.format(Locale.ROOT, "throughput, %d clients: %,d lines pushed in %.1f s (%,.0f lines/s"
                            + " answered), stored after %.1f s: %,.0f lines/s end to end (target >= 50,000); push latency"
                            + " p50/p95/p99 %s ms; %d failed pushes", o.clients, pushed, pushSeconds,
                    pushed / pushSeconds, e2eSeconds, pushed / e2eSeconds, percentiles(run), run.errors());
            System.out.println(line);
            report.add(line);
            ObjectNode t = BenchmarkJson.run(run);
            t.put("clients", o.clients);
            t.put("lines", pushed);
            BenchmarkJson.num(t, "answeredLinesPerSecond", pushed / pushSeconds);
            BenchmarkJson.num(t, "endToEndLinesPerSecond", pushed / e2eSeconds);
            json.figures().set("throughput", t);

            // 2. latency at a fixed rate, open loop: a lead-in at the rate, then the measured seconds, one schedule
            int perSecond = Math.max(1, o.rate / o.batch);
            int leadPushes = perSecond * o.leadInSeconds;
            List<byte[]> paced = bodies(generator, (long) perSecond * (o.leadInSeconds + o.seconds) * o.batch, o.batch);
            long pacedLines = (long) paced.size() * o.batch;
            startNanos = System.nanoTime();
            long[] byIndex = openLoop(push, paced, perSecond);
            double pacedSeconds = (System.nanoTime() - startNanos) / 1e9;
            Run lead = Run.of(Arrays.copyOfRange(byIndex, 0, leadPushes), o.leadInSeconds);
            Run rated = Run.of(Arrays.copyOfRange(byIndex, leadPushes, byIndex.length), o.seconds);
            String slow = slowPushes(byIndex, perSecond, 100_000);
            System.out.println(slow);
            stored = awaitStored(cluster, stored + pacedLines, Duration.ofMinutes(10));
            double behind = (System.nanoTime() - startNanos) / 1e9 - pacedSeconds;
            line = String.format(Locale.ROOT, "at %,d lines/s (%d pushes/s) for %d s after a %d-s lead-in at the same"
                            + " rate: push latency p50/p95/p99 %s ms (target p99 < 100 ms); %d failed pushes; the last row"
                            + " was stored %.1f s after the last push was answered; the lead-in, right after part 1's"
                            + " burst: p50/p95/p99 %s ms, %d failed", perSecond * o.batch, perSecond, o.seconds,
                    o.leadInSeconds, percentiles(rated), rated.errors(), behind, percentiles(lead), lead.errors());
            System.out.println(line);
            report.add(line);
            report.add(slow);
            ObjectNode r = BenchmarkJson.run(rated);
            r.put("linesPerSecond", perSecond * o.batch);
            r.put("leadInSeconds", o.leadInSeconds);
            r.set("leadIn", BenchmarkJson.run(lead));
            r.put("slowPushes", slow);
            BenchmarkJson.num(r, "storedSecondsAfterLastAnswer", behind);
            json.figures().set("atRate", r);

            // 3. the same lines straight into Kafka, stored by the same nodes
            startNanos = System.nanoTime();
            BackfillResult direct = BackfillRunner.backfill(PublisherSettings.of(cluster.kafka().bootstrapServers(),
                    BenchmarkDeployment.TOPIC), new SyntheticLogGenerator(o.services, 8), pushed, Duration.ofHours(1));
            stored = awaitStored(cluster, stored + direct.sent(), Duration.ofMinutes(10));
            double directSeconds = (System.nanoTime() - startNanos) / 1e9;
            line = String.format(Locale.ROOT, "direct to Kafka (no gateway), same nodes: %,d lines stored at %,.0f"
                    + " lines/s end to end (producer %,.0f lines/s)", direct.sent(), direct.sent() / directSeconds,
                    direct.linesPerSecond());
            System.out.println(line);
            report.add(line);
            ObjectNode d = json.figures().putObject("directToKafka");
            d.put("lines", direct.sent());
            BenchmarkJson.num(d, "endToEndLinesPerSecond", direct.sent() / directSeconds);
        }
        System.out.println();
        System.out.println("=== results ===");
        report.forEach(System.out::println);
        json.write();
    }

    /** {@code lines} synthetic lines of the last minutes as Loki push bodies of {@code batch} lines each. */
    static List<byte[]> bodies(SyntheticLogGenerator generator, long lines, int batch) throws IOException {
        List<byte[]> bodies = new ArrayList<>((int) (lines / batch) + 1);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (long done = 0; done + batch <= lines; done += batch) {
            Map<String, StreamAdapter.Builder> streams = new LinkedHashMap<>();
            for (int i = 0; i < batch; i++) {
                LogEntry e = generator.next(now.minusNanos(1_000L * (lines - done - i)));
                String labels = "{service_name=\"" + e.service() + "\", namespace=\"" + e.namespace() + "\", pod=\""
                        + e.pod() + "\", container=\"" + e.container() + "\", level=\""
                        + e.level().name().toLowerCase(Locale.ROOT) + "\"}";
                streams.computeIfAbsent(labels, l -> StreamAdapter.newBuilder().setLabels(l))
                        .addEntries(EntryAdapter.newBuilder()
                                .setTimestamp(Timestamp.newBuilder().setSeconds(e.timestamp().getEpochSecond())
                                        .setNanos(e.timestamp().getNano()))
                                .setLine(e.message()));
            }
            PushRequest.Builder request = PushRequest.newBuilder();
            streams.values().forEach(request::addStreams);
            bodies.add(Snappy.compress(request.build().toByteArray()));
        }
        return bodies;
    }

    /** Pushes one body; the latency in microseconds, or -1 when the gateway did not answer 204. */
    static long push(URI uri, byte[] body) {
        long start = System.nanoTime();
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-protobuf")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 204 ? (System.nanoTime() - start) / 1000 : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static Run closedLoop(URI uri, List<byte[]> bodies, int clients) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        record(push(uri, bodies.get(i)), latencies, errors);
                    }
                }));
            }
            for (Future<?> f : running) {
                f.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        return new Run(latencies.stream().mapToLong(Long::longValue).toArray(), (System.nanoTime() - start) / 1e9, 0,
                errors.get());
    }

    /**
     * Starts push {@code i} at {@code i / perSecond} seconds, whether or not earlier ones were answered; returns
     * each push's latency in microseconds by its index (-1: failed), for the runs and the slow pushes' timeline.
     */
    static long[] openLoop(URI uri, List<byte[]> bodies, int perSecond) throws Exception {
        long[] byIndex = new long[bodies.size()];
        // enough threads that a slow answer does not hold up the schedule; bounded all the same
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(4, perSecond));
        long start = System.nanoTime();
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < bodies.size(); i++) {
                long due = start + (long) (i * 1e9 / perSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a condition
                }
                byte[] body = bodies.get(i);
                int index = i;
                sent.add(pool.submit(() -> byIndex[index] = push(uri, body)));
            }
            for (Future<?> f : sent) {
                f.get(5, TimeUnit.MINUTES); // also what makes every byIndex write visible here
            }
        } finally {
            pool.shutdownNow();
        }
        return byIndex;
    }

    /**
     * Where the slow pushes of a paced run were: how many took longer than {@code thresholdMicros}, and the
     * seconds of the run (by when they were sent) that held them, worst first — a few seconds holding them all
     * is a stall of something every push waits for; slow pushes spread over the run is a machine short of CPU.
     */
    static String slowPushes(long[] byIndex, int perSecond, long thresholdMicros) {
        Map<Integer, long[]> bySecond = new java.util.TreeMap<>(); // second -> {slow pushes, max micros}
        int slow = 0;
        for (int i = 0; i < byIndex.length; i++) {
            if (byIndex[i] > thresholdMicros) {
                slow++;
                long[] s = bySecond.computeIfAbsent(i / perSecond, k -> new long[2]);
                s[0]++;
                s[1] = Math.max(s[1], byIndex[i]);
            }
        }
        String seconds = bySecond.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(12)
                .map(e -> String.format(Locale.ROOT, "s%d: %d (max %.0f ms)", e.getKey(), e.getValue()[0],
                        e.getValue()[1] / 1000.0))
                .collect(java.util.stream.Collectors.joining(", "));
        return String.format(Locale.ROOT, "  pushes over %d ms: %d of %d, in %d of the run's seconds (the lead-in's first)%s",
                thresholdMicros / 1000, slow, byIndex.length, bySecond.size(), slow == 0 ? "" : "; worst: " + seconds);
    }

    private static void record(long micros, ConcurrentLinkedQueue<Long> latencies, AtomicInteger errors) {
        if (micros < 0) {
            errors.incrementAndGet();
        } else {
            latencies.add(micros);
        }
    }

    private static String percentiles(Run r) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", r.percentileMs(0.5), r.percentileMs(0.95),
                r.percentileMs(0.99));
    }

    /**
     * Waits until the three nodes report {@code total} lines stored ({@code ingest_lines_total}, counted in the
     * transaction that stores them; cheaper to ask than {@code count(*)} while measuring); returns the count.
     */
    static long awaitStored(Cluster cluster, long total, Duration timeout) throws Exception {
        return Await.until(timeout, "lines stored by the three nodes", () -> {
            long sum = 0;
            for (int s = 0; s < 3; s++) {
                sum += (long) PrometheusText.scrape(cluster.node(s).url()).sum("ingest_lines_total");
            }
            return sum;
        }, sum -> sum >= total);
    }
}
