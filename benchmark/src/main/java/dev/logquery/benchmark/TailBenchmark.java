package dev.logquery.benchmark;

import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Deployment;
import dev.logquery.testkit.LineWriter;
import java.io.File;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.node.ObjectNode;

/**
 * The live tail under many viewers: a KRaft broker in this JVM, three partition nodes on three PostgreSQL
 * servers and the coordinator as separate JVMs (free ports only; all started by the test kit's {@link Cluster}),
 * a producer writing lines at a steady rate over many services, and thousands of concurrent
 * {@code GET /api/tail?service=...} viewers held by one event-loop client (two threads, not one per viewer;
 * {@link TailViewers}). For each viewer count it prints the coordinator's threads before and while the viewers
 * watch, the Kafka-to-viewer delay measured at the client (receive time minus the entry's timestamp, which the
 * producer sets when it sends), lines delivered and dropped, and query latency p50/p99 without and with the
 * viewers ({@link TailLoad}). The same figures go to {@code benchmark/target/results/tail.json}
 * ({@link BenchmarkJson}), so runs can be compared without parsing these lines.
 *
 * <pre>./benchmark.sh tail [--viewers 2000,10000] [--rate 1000] [--services 200] [--seconds 30]
 *                    [--query-clients 4] [--coordinator-heap 768m]</pre>
 */
public final class TailBenchmark {

    public static void main(String[] args) throws Exception {
        TailOptions o = TailOptions.parse(args);
        File logs = new File("benchmark/target/tail-benchmark-services");
        System.out.printf(Locale.ROOT, "tail benchmark %s: %d cores, %s, JDK %s; %,d lines/s over %d services;"
                        + " logs of nodes and coordinator in %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("java.version"), o.rate(), o.services(), logs);
        Deployment deployment = BenchmarkDeployment.deployment(BenchmarkDeployment.jvm("partition-node", "256m"),
                BenchmarkDeployment.jvm("coordinator", o.coordinatorHeap()), logs);
        LoopResources loops = LoopResources.create("tail-viewers", 2, true);
        BenchmarkJson json = new BenchmarkJson("tail", o);
        try (Cluster cluster = BenchmarkDeployment.cluster(3, deployment).start();
             KafkaProducer<String, byte[]> producer = LineWriter.producer(cluster.kafka().bootstrapServers())) {
            run(o, cluster, producer, loops, json);
        } finally {
            loops.dispose();
        }
        json.write();
        System.exit(0);
    }

    private static void run(TailOptions o, Cluster cluster, KafkaProducer<String, byte[]> producer, LoopResources loops,
                            BenchmarkJson json) throws Exception {
        int maxViewers = o.viewers().stream().mapToInt(Integer::intValue).max().orElse(1);
        // The cluster has no Redis: the coordinator reads metadata from the nodes and caches no results.
        App coordinator = cluster.startCoordinator(
                "logquery.coordinator.tail.max-viewers", Integer.toString(maxViewers + 100),
                // every viewer comes from this one address: no per-client share applies
                "logquery.coordinator.max-viewers-per-client", Integer.toString(maxViewers + 100),
                "logquery.coordinator.max-queries-per-client", "1000000");
        String url = coordinator.url();

        ScheduledExecutorService producerClock = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicLong produced = new AtomicLong();
            TailLoad.startProducing(producer, cluster.topic(), o, producerClock, produced);
            System.out.printf(Locale.ROOT, "producing %,d lines/s; warming up 30 s (nodes store, JIT compiles)%n", o.rate());
            Await.until(Duration.ofSeconds(60), "every shard stores the produced lines", () -> {
                for (int s = 0; s < cluster.shards(); s++) {
                    if (cluster.database(s).storedLines() == 0) {
                        return false;
                    }
                }
                return true;
            });
            Thread.sleep(30_000); // holds the warm-up window: the JIT compilers work under the production load
            TailLoad.queries(url, o, 10); // JIT warm-up of the query path

            for (int viewers : o.viewers()) {
                watch(o, coordinator, viewers, produced, loops, json.figures().withArrayProperty("viewerCounts")
                        .addObject());
            }
        } finally {
            producerClock.shutdownNow();
        }
    }

    /** One viewer count: queries alone, then the viewers alone, then the viewers with the queries. */
    private static void watch(TailOptions o, App coordinator, int viewers, AtomicLong produced, LoopResources loops,
                              ObjectNode figures) throws Exception {
        String url = coordinator.url();
        System.out.printf(Locale.ROOT, "%n=== %,d viewers ===%n", viewers);
        double[] quiet = TailLoad.queries(url, o, o.seconds());
        int threadsBefore = ProcStatus.threads(coordinator);
        System.out.printf(Locale.ROOT, "no viewers: coordinator threads %d; query p50 %.1f ms, p99 %.1f ms (%,d queries)%n",
                threadsBefore, quiet[0], quiet[1], (long) quiet[2]);
        TailViewers v = new TailViewers(url, viewers, o.services(), loops);
        v.connect(Duration.ofSeconds(300));
        System.out.printf(Locale.ROOT, "%,d viewers connected in %.1f s (%d refused or failed)%n", v.connected.get(),
                v.connectSeconds, v.failed.get());
        v.failures.forEach((why, n) -> System.out.printf(Locale.ROOT, "  %,d viewers failed: %s%n", n, why));
        Await.upTo(Duration.ofSeconds(30), v.lines::get, n -> n > 0); // the first lines reach the viewers
        Thread.sleep(5_000); // holds a settling window: the tail path's JIT compiles under the viewers' load
        ThreadSampler sampler = new ThreadSampler(coordinator);
        sampler.start();
        // Window 1: the viewers alone (production goes on); window 2: the same with the query load.
        v.reset();
        PrometheusText before = PrometheusText.scrape(url);
        long producedBefore = produced.get();
        Thread.sleep(o.seconds() * 1_000L); // holds the measurement window of the viewers alone
        report("viewers only", v, produced.get() - producedBefore, before, PrometheusText.scrape(url),
                figures.putObject("viewersOnly"));
        v.reset();
        before = PrometheusText.scrape(url);
        producedBefore = produced.get();
        double[] busy = TailLoad.queries(url, o, o.seconds());
        report("viewers and queries", v, produced.get() - producedBefore, before, PrometheusText.scrape(url),
                figures.putObject("viewersAndQueries"));
        sampler.stop();
        System.out.printf(Locale.ROOT, "with viewers: coordinator threads max %d (before %d, growth %+d);"
                        + " query p50 %.1f ms, p99 %.1f ms (%,d queries; p99 ratio to no viewers %.2f)%n",
                sampler.max, threadsBefore, sampler.max - threadsBefore, busy[0], busy[1], (long) busy[2],
                busy[1] / quiet[1]);
        v.close();
        Await.until(Duration.ofSeconds(60), "the coordinator's tail_viewers gauge at 0",
                () -> PrometheusText.scrape(url).sum("tail_viewers"), n -> n == 0);
        // Threads the viewers needed end once idle; the count is reported when it is back to the count before,
        // or after 10 s as it is then.
        int threadsAfter = Await.upTo(Duration.ofSeconds(10), () -> ProcStatus.threads(coordinator),
                n -> n <= threadsBefore);
        System.out.printf(Locale.ROOT, "after disconnecting: tail_viewers 0, coordinator threads %d%n", threadsAfter);
        figures.put("viewers", viewers);
        figures.put("viewersConnected", v.connected.get());
        figures.put("viewersRefusedOrFailed", v.failed.get());
        BenchmarkJson.num(figures, "connectSeconds", v.connectSeconds);
        figures.put("coordinatorThreadsBefore", threadsBefore);
        figures.put("coordinatorThreadsMaxWithViewers", sampler.max);
        figures.put("coordinatorThreadsGrowth", sampler.max - threadsBefore);
        figures.put("coordinatorThreadsAfterDisconnecting", threadsAfter);
        queries(figures.putObject("queriesWithoutViewers"), quiet);
        queries(figures.putObject("queriesWithViewers"), busy);
        BenchmarkJson.num(figures, "queryP99RatioWithToWithoutViewers", busy[1] / quiet[1]);
    }

    /** {@link TailLoad#queries}'s figures: p50 ms, p99 ms, query count. */
    private static void queries(ObjectNode o, double[] q) {
        BenchmarkJson.num(o, "p50Ms", q[0]);
        BenchmarkJson.num(o, "p99Ms", q[1]);
        o.put("queries", (long) q[2]);
    }

    /**
     * Prints one window's figures and puts them under {@code figures}. The viewers keep receiving while this runs, so
     * every figure is read once and the same value is printed and written.
     */
    static void report(String window, TailViewers v, long producedLines, PrometheusText before, PrometheusText after,
                       ObjectNode figures) {
        double seconds = v.seconds();
        long received = v.lines.get();
        long announcedDropped = v.dropped.get();
        double delivered = after.sum("tail_lines_delivered_total") - before.sum("tail_lines_delivered_total");
        double dropped = after.sum("tail_lines_dropped_total") - before.sum("tail_lines_dropped_total");
        long p50 = v.delayPercentileMs(0.5);
        long p99 = v.delayPercentileMs(0.99);
        long max = v.delayPercentileMs(1.0);
        BenchmarkJson.num(figures, "seconds", seconds);
        figures.put("producedLines", producedLines);
        figures.put("viewerLinesReceived", received);
        BenchmarkJson.num(figures, "viewerLinesPerSecond", received / seconds);
        figures.put("viewerAnnouncedDropped", announcedDropped);
        BenchmarkJson.num(figures, "coordinatorDeliveredLines", delivered);
        BenchmarkJson.num(figures, "coordinatorDroppedLines", dropped);
        figures.put("delayP50Ms", p50);
        figures.put("delayP99Ms", p99);
        figures.put("delayMaxMs", max);
        System.out.printf(Locale.ROOT, "%s, %.0f s: produced %,d lines; viewers received %,d lines (%,.0f/s), announced"
                        + " %,d dropped; coordinator counted %,.0f delivered, %,.0f dropped; Kafka-to-viewer delay at the"
                        + " client p50 %d ms, p99 %d ms, max %d ms%n",
                window, seconds, producedLines, received, received / seconds, announcedDropped, delivered, dropped,
                p50, p99, max);
    }

    private TailBenchmark() {
    }
}
