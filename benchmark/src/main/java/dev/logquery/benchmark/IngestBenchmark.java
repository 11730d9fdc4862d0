package dev.logquery.benchmark;

import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.producer.publish.TopicInitializer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Ingest benchmark: lines through a real KRaft broker into partition nodes (separate JVMs with a
 * 256 MiB heap) on real PostgreSQL servers. Two parts:
 * <ol>
 * <li><b>one node</b>: a backlog of N lines is written to Kafka first, then one node (shard 0 of 1)
 * drains it; run once per batch-size setting. Prints the node's lines/s, batch latency percentiles and
 * peak memory.</li>
 * <li><b>three nodes, end to end</b>: three nodes run while the producer backfills N lines; prints the
 * end-to-end lines/s (first send to last row stored) and each node's lines/s, batch latency and memory.</li>
 * </ol>
 * Everything shares this machine's cores, so the figures are for the whole pipeline on one box.
 */
public final class IngestBenchmark {

    record Options(long lines, long e2eLines, int services, List<Integer> batchSizes, String heap) {

        static Options parse(String[] args) {
            long lines = 1_000_000;
            long e2e = 2_000_000;
            int services = 50;
            List<Integer> batches = List.of(1_000, 10_000, 100_000);
            String heap = "256m";
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--lines" -> lines = Long.parseLong(args[++i]);
                    case "--e2e-lines" -> e2e = Long.parseLong(args[++i]);
                    case "--services" -> services = Integer.parseInt(args[++i]);
                    case "--batch-sizes" -> batches = List.of(args[++i].split(",")).stream().map(Integer::parseInt).toList();
                    case "--heap" -> heap = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (options: --lines N --e2e-lines N --services N --batch-sizes a,b,c --heap 256m)");
                }
            }
            return new Options(lines, e2e, services, batches, heap);
        }
    }

    /** What the sampler saw of one node. */
    static final class NodeStats {
        final NodeProcess node;
        volatile double firstLines = -1;
        volatile long firstAt;
        volatile double lines;
        volatile long lastChangeAt;
        volatile double maxHeapUsed;
        volatile double maxLiveData;
        volatile TreeMap<Double, Double> firstBuckets;
        volatile TreeMap<Double, Double> lastBuckets;

        NodeStats(NodeProcess node) {
            this.node = node;
        }

        void sample() {
            try {
                PrometheusText p = PrometheusText.scrape(node.baseUrl);
                long now = System.nanoTime();
                double l = p.sum("ingest_lines_total");
                if (firstLines < 0) {
                    firstLines = l;
                    firstAt = now;
                    firstBuckets = p.buckets("ingest_batch_duration_seconds");
                }
                if (l != lines) {
                    lines = l;
                    lastChangeAt = now;
                    lastBuckets = p.buckets("ingest_batch_duration_seconds");
                }
                maxHeapUsed = Math.max(maxHeapUsed, p.sum("jvm_memory_used_bytes", "area", "heap"));
                maxLiveData = Math.max(maxLiveData, p.sum("jvm_gc_live_data_size_bytes"));
            } catch (Exception e) {
                // a missed sample; the next one counts
            }
        }

        double linesPerSecond() {
            double seconds = (lastChangeAt - firstAt) / 1e9;
            return seconds <= 0 ? Double.NaN : (lines - firstLines) / seconds;
        }

        String latency() {
            if (firstBuckets == null || lastBuckets == null) {
                return "n/a";
            }
            return String.format(Locale.ROOT, "%.0f / %.0f / %.0f ms",
                    1000 * PrometheusText.quantile(0.50, firstBuckets, lastBuckets),
                    1000 * PrometheusText.quantile(0.95, firstBuckets, lastBuckets),
                    1000 * PrometheusText.quantile(0.99, firstBuckets, lastBuckets));
        }

        String memory() {
            String live = maxLiveData > 0 ? String.format(Locale.ROOT, "%.0f MiB", maxLiveData / (1 << 20))
                    : "none (no old-generation collection ran)";
            return String.format(Locale.ROOT, "heap used max %.0f MiB, live after GC max %s, peak RSS %.0f MiB",
                    maxHeapUsed / (1 << 20), live, node.peakRssBytes() / (double) (1 << 20));
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File log = new File("benchmark/target/ingest-benchmark-nodes.log");
        log.getParentFile().mkdirs();
        System.out.printf(Locale.ROOT, "ingest benchmark %s: %d cores, %s; node heap -Xmx%s; node logs in %s%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), o.heap, log);
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 6);
        kafka.afterPropertiesSet();
        String bootstrap = kafka.getBrokersAsString();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        List<String> report = new ArrayList<>();
        try {
            for (int batch : o.batchSizes) {
                report.add(singleNode(o, batch, bootstrap, log, sampler));
            }
            if (o.e2eLines > 0) {
                report.addAll(threeNodes(o, bootstrap, log, sampler));
            }
        } finally {
            sampler.shutdownNow();
            kafka.destroy();
        }
        System.out.println();
        System.out.println("=== results ===");
        report.forEach(System.out::println);
    }

    static String singleNode(Options o, int batch, String bootstrap, File log, ScheduledExecutorService sampler)
            throws Exception {
        String topic = "bench-single-" + batch;
        TopicInitializer.ensureTopic(bootstrap, topic, 6, (short) 1, Duration.ofSeconds(30));
        BackfillResult preload = BackfillRunner.backfill(PublisherSettings.of(bootstrap, topic),
                new SyntheticLogGenerator(o.services, batch), o.lines, Duration.ofDays(7));
        System.out.printf(Locale.ROOT, "preloaded %,d lines into %s at %,.0f lines/s%n", preload.sent(), topic,
                preload.linesPerSecond());
        try (EmbeddedPostgres pg = postgres();
             NodeProcess node = NodeProcess.start(0, 1, topic, pg.getJdbcUrl("postgres", "postgres"), bootstrap, o.heap,
                     List.of("--logquery.node.batch.max-records=" + batch), log)) {
            NodeStats stats = new NodeStats(node);
            var task = sampler.scheduleAtFixedRate(stats::sample, 0, 250, TimeUnit.MILLISECONDS);
            awaitLines(List.of(stats), o.lines, Duration.ofMinutes(10));
            task.cancel(false);
            stats.sample();
            String line = String.format(Locale.ROOT,
                    "one node, batch.max-records=%,d: %,.0f lines/s; batch latency p50/p95/p99 %s; %s",
                    batch, stats.linesPerSecond(), stats.latency(), stats.memory());
            System.out.println(line);
            return line;
        }
    }

    static List<String> threeNodes(Options o, String bootstrap, File log, ScheduledExecutorService sampler)
            throws Exception {
        String topic = "pod-logs";
        TopicInitializer.ensureTopic(bootstrap, topic, 6, (short) 1, Duration.ofSeconds(30));
        List<EmbeddedPostgres> dbs = new ArrayList<>();
        List<NodeStats> stats = new ArrayList<>();
        List<String> out = new ArrayList<>();
        try {
            for (int s = 0; s < 3; s++) {
                EmbeddedPostgres pg = postgres();
                dbs.add(pg);
                stats.add(new NodeStats(NodeProcess.start(s, 3, topic, pg.getJdbcUrl("postgres", "postgres"), bootstrap,
                        o.heap, List.of(), log)));
            }
            List<java.util.concurrent.ScheduledFuture<?>> tasks = new ArrayList<>();
            stats.forEach(st -> tasks.add(sampler.scheduleAtFixedRate(st::sample, 0, 250, TimeUnit.MILLISECONDS)));
            Thread.sleep(500);
            long start = System.nanoTime();
            BackfillResult sent = BackfillRunner.backfill(PublisherSettings.of(bootstrap, topic),
                    new SyntheticLogGenerator(o.services, 7), o.e2eLines, Duration.ofDays(7));
            awaitLines(stats, o.e2eLines, Duration.ofMinutes(10));
            double seconds = (System.nanoTime() - start) / 1e9;
            tasks.forEach(t -> t.cancel(false));
            stats.forEach(NodeStats::sample);
            out.add(String.format(Locale.ROOT, "three nodes, end to end: %,d lines in %.1f s = %,.0f lines/s"
                    + " (producer alone sent at %,.0f lines/s)", o.e2eLines, seconds, o.e2eLines / seconds,
                    sent.linesPerSecond()));
            for (NodeStats st : stats) {
                out.add(String.format(Locale.ROOT, "  node %d: %,.0f lines, %,.0f lines/s; batch latency p50/p95/p99 %s; %s",
                        st.node.shard, st.lines, st.linesPerSecond(), st.latency(), st.memory()));
            }
            out.forEach(System.out::println);
            return out;
        } finally {
            for (NodeStats st : stats) {
                st.node.close();
            }
            for (EmbeddedPostgres pg : dbs) {
                pg.close();
            }
        }
    }

    /**
     * A PostgreSQL server configured as we would run one: fsync on (zonky turns it off by default), a
     * larger buffer pool and WAL, and {@code synchronous_commit=off}, which is safe for this design: rows
     * and their Kafka offsets commit together, so a commit lost in an OS crash is simply consumed again.
     */
    static EmbeddedPostgres postgres() throws java.io.IOException {
        return EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("shared_buffers", "512MB")
                .setServerConfig("max_wal_size", "4GB")
                .setServerConfig("checkpoint_timeout", "15min")
                .start();
    }

    static void awaitLines(List<NodeStats> stats, long expected, Duration timeout) throws InterruptedException {
        ConcurrentHashMap<Integer, Double> last = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            double total = 0;
            for (NodeStats s : stats) {
                total += s.lines;
                last.put(s.node.shard, s.lines);
            }
            if (total >= expected) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("only " + last + " of " + expected + " lines stored after " + timeout);
    }

    private IngestBenchmark() {
    }
}
