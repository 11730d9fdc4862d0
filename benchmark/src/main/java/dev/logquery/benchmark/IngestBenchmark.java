package dev.logquery.benchmark;

import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Deployment;
import java.io.File;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Ingest benchmark: lines through a real KRaft broker into partition nodes (separate JVMs with a
 * 256 MiB heap) on real PostgreSQL servers, all started by the test kit ({@link Cluster}). Two parts:
 * <ol>
 * <li><b>one node</b>: a backlog of N lines is written to Kafka first, then one node (shard 0 of 1)
 * drains it; run once per batch-size setting. Prints the node's lines/s, batch latency percentiles and
 * peak memory.</li>
 * <li><b>three nodes, end to end</b>: three nodes run while the producer backfills N lines; prints the
 * end-to-end lines/s (first send to last row stored) and each node's lines/s, batch latency and memory.</li>
 * </ol>
 * Everything shares this machine's cores, so the figures are for the whole pipeline on one box. Each part
 * gets a cluster of its own (broker, databases, nodes), as each run needs fresh databases anyway. The printed
 * figures also go to {@code benchmark/target/results/ingest.json} ({@link BenchmarkJson}).
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
        final App node;
        final int shard;
        volatile double firstLines = -1;
        volatile long firstAt;
        volatile double lines;
        volatile long lastChangeAt;
        volatile double maxHeapUsed;
        volatile double maxLiveData;
        volatile TreeMap<Double, Double> firstBuckets;
        volatile TreeMap<Double, Double> lastBuckets;

        NodeStats(App node, int shard) {
            this.node = node;
            this.shard = shard;
        }

        void sample() {
            try {
                PrometheusText p = PrometheusText.scrape(node.url());
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

        /** The batch latency quantile {@code q} between the first and last sample, in ms; NaN without samples. */
        double latencyMs(double q) {
            if (firstBuckets == null || lastBuckets == null) {
                return Double.NaN;
            }
            return 1000 * PrometheusText.quantile(q, firstBuckets, lastBuckets);
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
                    maxHeapUsed / (1 << 20), live, ProcStatus.peakRssBytes(node) / (double) (1 << 20));
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File logs = new File("benchmark/target/ingest-benchmark-nodes");
        System.out.printf(Locale.ROOT, "ingest benchmark %s: %d cores, %s; node heap -Xmx%s; node logs in %s%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), o.heap, logs);
        Deployment deployment = BenchmarkDeployment.deployment(BenchmarkDeployment.jvm("partition-node", o.heap), null,
                logs);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        List<String> report = new ArrayList<>();
        BenchmarkJson json = new BenchmarkJson("ingest", o);
        try {
            for (int batch : o.batchSizes) {
                report.add(singleNode(o, batch, deployment, sampler, json));
            }
            if (o.e2eLines > 0) {
                report.addAll(threeNodes(o, deployment, sampler, json));
            }
        } finally {
            sampler.shutdownNow();
        }
        System.out.println();
        System.out.println("=== results ===");
        report.forEach(System.out::println);
        json.write();
    }

    /** A backlog written first, then one node (shard 0 of 1) started to drain it. */
    static String singleNode(Options o, int batch, Deployment deployment, ScheduledExecutorService sampler,
                             BenchmarkJson json) throws Exception {
        String topic = "bench-single-" + batch;
        try (Cluster cluster = BenchmarkDeployment.cluster(1, deployment).topic(topic)
                .node("logquery.node.batch.max-records", Integer.toString(batch)).nodesStartedByTest().start()) {
            String bootstrap = cluster.kafka().bootstrapServers();
            BackfillResult preload = BackfillRunner.backfill(PublisherSettings.of(bootstrap, topic),
                    new SyntheticLogGenerator(o.services, batch), o.lines, Duration.ofDays(7));
            System.out.printf(Locale.ROOT, "preloaded %,d lines into %s at %,.0f lines/s%n", preload.sent(), topic,
                    preload.linesPerSecond());
            NodeStats stats = new NodeStats(cluster.node(0).start(), 0);
            var task = sampler.scheduleAtFixedRate(stats::sample, 0, 250, TimeUnit.MILLISECONDS);
            awaitLines(List.of(stats), o.lines, Duration.ofMinutes(10));
            task.cancel(false);
            stats.sample();
            String line = String.format(Locale.ROOT,
                    "one node, batch.max-records=%,d: %,.0f lines/s; batch latency p50/p95/p99 %s; %s",
                    batch, stats.linesPerSecond(), stats.latency(), stats.memory());
            System.out.println(line);
            var figures = json.figures().withArrayProperty("oneNode").addObject();
            figures.put("batchMaxRecords", batch);
            BenchmarkJson.num(figures, "preloadLinesPerSecond", preload.linesPerSecond());
            figures.setAll(BenchmarkJson.node(stats));
            return line;
        }
    }

    /** Three nodes (shards 0-2 of 3) running while the producer backfills. */
    static List<String> threeNodes(Options o, Deployment deployment, ScheduledExecutorService sampler,
                                   BenchmarkJson json) throws Exception {
        String topic = BenchmarkDeployment.TOPIC;
        List<NodeStats> stats = new ArrayList<>();
        List<String> out = new ArrayList<>();
        try (Cluster cluster = BenchmarkDeployment.cluster(3, deployment).start()) {
            String bootstrap = cluster.kafka().bootstrapServers();
            for (int s = 0; s < 3; s++) {
                stats.add(new NodeStats(cluster.node(s), s));
            }
            List<ScheduledFuture<?>> tasks = new ArrayList<>();
            stats.forEach(st -> tasks.add(sampler.scheduleAtFixedRate(st::sample, 0, 250, TimeUnit.MILLISECONDS)));
            // Each node's counters before the first line: the figures are differences from this first sample.
            Await.until(Duration.ofSeconds(30), "a first metrics sample of every node",
                    () -> stats.stream().allMatch(st -> st.firstLines >= 0));
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
                        st.shard, st.lines, st.linesPerSecond(), st.latency(), st.memory()));
            }
            var figures = json.figures().putObject("threeNodesEndToEnd");
            figures.put("lines", o.e2eLines);
            BenchmarkJson.num(figures, "seconds", seconds);
            BenchmarkJson.num(figures, "linesPerSecond", o.e2eLines / seconds);
            BenchmarkJson.num(figures, "producerLinesPerSecond", sent.linesPerSecond());
            stats.forEach(st -> figures.withArrayProperty("nodes").add(BenchmarkJson.node(st)));
            out.forEach(System.out::println);
            return out;
        }
    }

    /** Waits until the nodes' sampled line counters add up to {@code expected}. */
    static void awaitLines(List<NodeStats> stats, long expected, Duration timeout) throws Exception {
        Await.until(timeout, expected + " lines stored (value: lines per shard)", () -> {
            Map<Integer, Double> lines = new LinkedHashMap<>();
            stats.forEach(s -> lines.put(s.shard, s.lines));
            return lines;
        }, lines -> lines.values().stream().mapToDouble(Double::doubleValue).sum() >= expected);
    }

    private IngestBenchmark() {
    }
}
