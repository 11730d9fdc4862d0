package dev.logquery.benchmark;

import dev.logquery.benchmark.IngestBenchmark.NodeStats;
import dev.logquery.benchmark.QueryLoad.Client;
import dev.logquery.benchmark.QueryLoad.Run;
import dev.logquery.benchmark.QueryMix.Kind;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.producer.generate.ServiceSpec;
import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Deployment;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.services.Postgres;
import dev.logquery.testkit.services.ServiceFactory;
import java.io.File;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Query benchmark: N synthetic lines (default 10 million over 7 days, 50 services) go through a real KRaft
 * broker into three partition nodes (each with its own PostgreSQL) and, from the same topic, into a fourth
 * node that is alone on its shard: the <em>baseline</em>, one PostgreSQL with every line, the same schema
 * and indexes. Then a fixed mix of queries ({@link QueryMix}) runs at several client concurrencies, once through
 * the coordinator ({@code POST /api/query/logs}, separate JVM) and once straight against the baseline database
 * with the nodes' own SQL over the query's whole window ({@link RangeSql}, {@link ScanPlan#unpruned}), and
 * their latency percentiles and throughput print side by side ({@link QueryLoad}). Last, one NDJSON answer of a
 * million lines streams through a coordinator with a 256 MiB heap whose heap use is sampled meanwhile
 * ({@link NdjsonExport}). Beside the native cells, the same run measures the Loki-compatible read API Grafana uses
 * ({@link LokiCells}). Every printed figure also goes to {@code benchmark/target/results/query.json}
 * ({@link BenchmarkJson}). The test kit starts every service: the three shards as a {@link Cluster}, the baseline's
 * PostgreSQL from {@link ServiceFactory#chosen()}.
 */
public final class QueryBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static void main(String[] args) throws Exception {
        QueryOptions o = QueryOptions.parse(args);
        File logs = new File("benchmark/target/query-benchmark-services");
        System.out.printf(Locale.ROOT, "query benchmark %s: %d cores, %s; %,d lines over %d days, %d services;"
                        + " logs of nodes and coordinator in %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), o.lines(), o.days(),
                o.services(), logs);
        Deployment deployment = BenchmarkDeployment.deployment(BenchmarkDeployment.jvm("partition-node", o.nodeHeap()),
                BenchmarkDeployment.jvm("coordinator", o.coordinatorHeap()), logs);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        try (Cluster cluster = BenchmarkDeployment.cluster(3, deployment).start();
             Postgres baseline = ServiceFactory.chosen().postgres(deployment.postgresSettings())) {
            run(o, cluster, deployment, baseline, sampler);
        } finally {
            sampler.shutdownNow();
        }
    }

    private static void run(QueryOptions o, Cluster cluster, Deployment deployment, Postgres baseline,
                            ScheduledExecutorService sampler) throws Exception {
        List<Postgres> dbs = List.of(cluster.database(0), cluster.database(1), cluster.database(2), baseline);
        List<String> report = new ArrayList<>();
        BenchmarkJson json = new BenchmarkJson("query", o);
        ObjectNode figures = json.figures();

        // ---- load
        SyntheticLogGenerator generator = new SyntheticLogGenerator(o.services(), 7);
        List<String> services = generator.topology().services().stream().map(ServiceSpec::name).toList();
        App baselineNode = deployment.startNode("node-baseline", baseline, cluster.kafka(), cluster.topic(), 0, 1,
                BenchmarkDeployment.NODE_RETENTION);
        Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try {
            report.add(load(o, cluster, baselineNode, generator, sampler, figures));
        } finally {
            baselineNode.stop(); // its database stays: it is the baseline
        }
        long[] rowsPerShard = new long[3];
        for (int s = 0; s < 4; s++) {
            try (Connection c = dbs.get(s).connect(); Statement st = c.createStatement()) {
                st.execute("VACUUM ANALYZE logs");
                try (ResultSet rs = st.executeQuery("SELECT count(*), pg_size_pretty(pg_total_relation_size('logs')"
                        + " + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                        + " WHERE inhparent = 'logs'::regclass), 0)), (SELECT count(*) FROM chunks),"
                        + " pg_total_relation_size('logs')"
                        + " + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                        + " WHERE inhparent = 'logs'::regclass), 0) FROM logs")) {
                    rs.next();
                    if (s < 3) {
                        rowsPerShard[s] = rs.getLong(1);
                    }
                    report.add(String.format(Locale.ROOT, "  %s: %,d rows, %s with indexes, %d hour chunks",
                            s < 3 ? "shard " + s : "baseline", rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    ObjectNode db = figures.withArrayProperty("databases").addObject();
                    db.put("database", s < 3 ? "shard " + s : "baseline");
                    db.put("rows", rs.getLong(1));
                    db.put("bytesWithIndexes", rs.getLong(4));
                    db.put("hourChunks", rs.getLong(3));
                }
            }
        }
        report.forEach(System.out::println);

        // ---- the coordinator, in a JVM of its own with the heap the target names; the cluster has no Redis, so
        // it has no results cache either: the benchmark measures queries
        App coordinator = cluster.startCoordinator(coordinatorSettings(o).toArray(String[]::new));
        awaitCatalog(coordinator, rowsPerShard, Duration.ofMinutes(2));
        // The nodes' text index builds its block filters after the rows are stored; until then contains reads
        // every block. Measure the index, not its catch-up.
        long indexing = System.nanoTime();
        Await.until(Duration.ofMinutes(15), "every node's text index has no pending block", () -> {
            for (int s = 0; s < 3; s++) {
                if (PrometheusText.scrape(cluster.node(s).url()).sum("text_index_pending_blocks") > 0) {
                    return false;
                }
            }
            return true;
        });
        double textIndexSeconds = (System.nanoTime() - indexing) / 1e9;
        System.out.printf(Locale.ROOT, "text index caught up %.1f s after the catalog (filters: %.1f MiB on the"
                + " three nodes)%n", textIndexSeconds, textIndexBytes(cluster) / (1 << 20));
        BenchmarkJson.num(figures.putObject("textIndex"), "catchUpSecondsAfterLoad", textIndexSeconds);
        BenchmarkJson.num((ObjectNode) figures.get("textIndex"), "filterBytes", textIndexBytes(cluster));
        BenchmarkJson.num((ObjectNode) figures.get("textIndex"), "filterBytesPerMillionRows",
                textIndexBytes(cluster) / Math.max(1, (rowsPerShard[0] + rowsPerShard[1] + rowsPerShard[2]) / 1e6));
        String coordinatorUrl = coordinator.url();

        Instant from = end.minus(Duration.ofDays(o.days()));
        QueryMix.Rare rare;
        try (Connection c = baseline.connect()) {
            rare = QueryMix.rareText(c, end);
        }
        System.out.printf(Locale.ROOT, "contains-rare searches \"%s\" (%d lines in the last day);"
                + " contains-common \"%s\"%n", rare.text(), rare.linesPerDay(), QueryMix.COMMON_TEXT);
        ObjectNode texts = figures.putObject("containsTexts");
        texts.put("rare", rare.text());
        texts.put("rareLinesInLastDay", rare.linesPerDay());
        texts.put("common", QueryMix.COMMON_TEXT);
        List<Kind> kinds = QueryMix.kinds(services, from, end, rare.text());
        BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(o.baselineConnections());
        for (int i = 0; i < o.baselineConnections(); i++) {
            Connection c = baseline.connect();
            c.setAutoCommit(false);
            c.setReadOnly(true);
            pool.add(c);
        }
        List<Long> shardServers = new ArrayList<>();
        for (int shard = 0; shard < 3; shard++) {
            try (Connection c = cluster.database(shard).connect()) {
                shardServers.add(CpuMeter.postmaster(c));
            }
        }
        CpuMeter clusterCpu = new CpuMeter(List.of(coordinator.pid(), cluster.node(0).pid(), cluster.node(1).pid(),
                cluster.node(2).pid()), shardServers);
        // The same cluster read the previous way, through the nodes only (no shard database given), beside it.
        App nodesCoordinator = cluster.startCoordinator(throughNodes(o));
        awaitCatalog(nodesCoordinator, rowsPerShard, Duration.ofMinutes(2));
        CpuMeter nodesCpu = new CpuMeter(List.of(nodesCoordinator.pid(), cluster.node(0).pid(), cluster.node(1).pid(),
                cluster.node(2).pid()), shardServers);
        CpuMeter baselineCpu;
        try (Connection b = baseline.connect()) {
            baselineCpu = new CpuMeter(List.of(), List.of(CpuMeter.postmaster(b)));
        }
        String nodesUrl = nodesCoordinator.url();
        Client throughNodes = r -> QueryLoad.coordinatorQuery(nodesUrl, r);
        Client viaCoordinator = r -> QueryLoad.coordinatorQuery(coordinatorUrl, r);
        Client viaBaseline = r -> QueryLoad.baselineQuery(pool, r);

        // ---- warm-up: on 2 cores the JIT compilers of the coordinator and the nodes work for a minute or two
        // under load (measured: throughput doubled between the first and the third minute); unwarmed cells
        // would measure the compiler, not the system.
        int share = Math.max(1, o.warmupSeconds() / kinds.size() / 2);
        System.out.println("warming up for " + o.warmupSeconds() + " s (the whole mix, 8 clients, both ways), then "
                + 3 * share + " s of the Loki cells' queries");
        for (Kind kind : kinds) {
            QueryLoad.measure(viaCoordinator, kind, 8, share);
            QueryLoad.measure(viaBaseline, kind, 8, share);
            QueryLoad.measure(throughNodes, kind, 8, Math.max(1, share / 2));
        }
        LokiCells.warmUp(coordinatorUrl, viaCoordinator, services, from, end, share);

        // ---- both paths answer the same number of rows for the same queries
        Random check = new Random(3);
        for (Kind kind : kinds) {
            for (int i = 0; i < 5; i++) {
                QueryMix.Request r = kind.next().apply(check);
                long direct = viaCoordinator.run(r);
                long viaNodes = throughNodes.run(r);
                if (viaNodes != direct) {
                    throw new IllegalStateException(kind.name() + ": the coordinator answered " + direct
                            + " rows, through the nodes " + viaNodes);
                }
            }
        }
        System.out.println("through the nodes: same row counts as the coordinator on 5 queries of each kind");

        // ---- chunk skipping per kind, from the coordinator's stats
        List<String> skipping = new ArrayList<>();
        Map<String, Double> skipRatio = new HashMap<>();
        Random warm = new Random(1);
        for (Kind kind : kinds) {
            long[] before = QueryLoad.chunks(coordinatorUrl);
            for (int i = 0; i < 50; i++) {
                viaCoordinator.run(kind.next().apply(warm));
            }
            long[] after = QueryLoad.chunks(coordinatorUrl);
            long scanned = after[0] - before[0];
            long skipped = after[1] - before[1];
            skipRatio.put(kind.name(), skipped / (double) Math.max(1, scanned + skipped));
            ObjectNode skip = figures.withArrayProperty("chunkSkipping").addObject();
            skip.put("query", kind.name());
            BenchmarkJson.num(skip, "skippedPercent", 100.0 * skipped / Math.max(1, scanned + skipped));
            skip.put("chunksRead", scanned);
            skip.put("chunksSkipped", skipped);
            skip.put("queries", 50);
            skipping.add(String.format(Locale.ROOT, "  %-10s %5.1f%% of shard-hour chunks skipped (%,d read, %,d skipped"
                    + " in 50 queries)", kind.name(), 100.0 * skipped / Math.max(1, scanned + skipped), scanned, skipped));
        }
        System.out.println("chunk skipping per query kind:");
        skipping.forEach(System.out::println);

        // ---- latency and throughput
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "%7s  %-15s  %-32s  %-32s  %9s  %s", "clients", "query",
                "coordinator p50/p95/p99 ms, q/s", "single PostgreSQL p50/p95/p99, q/s", "p50 ratio",
                "CPU ms/query: JVMs / shards' PostgreSQL / single PostgreSQL"));
        Map<Integer, Run> nativeSelective = new HashMap<>();
        List<String> nodesTable = new ArrayList<>();
        nodesTable.add("the previous path, measured beside: a second coordinator reading every shard through its node"
                + " (POST /internal/query), no shard database given:");
        nodesTable.add(String.format(Locale.ROOT, "%7s  %-15s  %-32s  %9s  %s", "clients", "query",
                "through nodes p50/p95/p99 ms, q/s", "p50 ratio", "CPU ms/query: JVMs / shards' PostgreSQL"));
        for (int c : o.clients()) {
            for (Kind kind : kinds) {
                Cell coordCell = cell(clusterCpu, viaCoordinator, kind, c, o.seconds());
                Cell baseCell = cell(baselineCpu, viaBaseline, kind, c, o.seconds());
                Cell nodesCell = cell(nodesCpu, throughNodes, kind, c, o.seconds());
                Run coord = coordCell.run();
                Run base = baseCell.run();
                Run viaNodes = nodesCell.run();
                double jvmMs = coordCell.jvmCpuMs();
                double shardPgMs = coordCell.postgresCpuMs();
                double basePgMs = baseCell.postgresCpuMs();
                double nodesJvmMs = nodesCell.jvmCpuMs();
                double nodesPgMs = nodesCell.postgresCpuMs();
                nodesTable.add(String.format(Locale.ROOT, "%7d  %-15s  %-32s  %9.2f  %5.2f / %5.2f", c, kind.name(),
                        QueryLoad.figures(viaNodes), viaNodes.percentileMs(0.5) / base.percentileMs(0.5), nodesJvmMs,
                        nodesPgMs));
                if (kind.name().equals("selective")) {
                    nativeSelective.put(c, coord);
                }
                ObjectNode summary = json.runs().addObject();
                summary.put("kind", kind.name());
                summary.put("clients", c);
                summary.set("coordinator", BenchmarkJson.summary(coord));
                summary.set("baseline", BenchmarkJson.summary(base));
                BenchmarkJson.num((ObjectNode) summary.get("coordinator"), "jvm_cpu_ms_per_query", jvmMs);
                BenchmarkJson.num((ObjectNode) summary.get("coordinator"), "postgres_cpu_ms_per_query", shardPgMs);
                BenchmarkJson.num((ObjectNode) summary.get("baseline"), "postgres_cpu_ms_per_query", basePgMs);
                BenchmarkJson.num(summary, "jvm_cpu_to_baseline_postgres_cpu", jvmMs / basePgMs);
                ObjectNode nodesSummary = BenchmarkJson.summary(viaNodes);
                BenchmarkJson.num(nodesSummary, "jvm_cpu_ms_per_query", nodesJvmMs);
                BenchmarkJson.num(nodesSummary, "postgres_cpu_ms_per_query", nodesPgMs);
                summary.set("through_nodes", nodesSummary);
                BenchmarkJson.num(summary, "p50_ratio", coord.percentileMs(0.5) / base.percentileMs(0.5));
                if (skipRatio.containsKey(kind.name())) {
                    BenchmarkJson.num(summary, "chunk_skip_ratio", skipRatio.get(kind.name()));
                }
                ObjectNode cell = figures.withArrayProperty("latency").addObject();
                cell.put("clients", c);
                cell.put("query", kind.name());
                cell.set("coordinator", BenchmarkJson.run(coord));
                cell.set("singlePostgres", BenchmarkJson.run(base));
                BenchmarkJson.num(cell, "p50Ratio", coord.percentileMs(0.5) / base.percentileMs(0.5));
                String line = String.format(Locale.ROOT, "%7d  %-15s  %-32s  %-32s  %9.2f  %5.2f / %5.2f / %5.2f", c,
                        kind.name(), QueryLoad.figures(coord), QueryLoad.figures(base),
                        coord.percentileMs(0.5) / base.percentileMs(0.5), jvmMs, shardPgMs, basePgMs);
                System.out.println(line);
                table.add(line);
            }
        }

        // ---- where the JVMs' CPU goes under the selective query at 16 clients (--profile-seconds)
        List<String> profile = o.profileSeconds() > 0
                ? profile(o.profileSeconds(), coordinator, cluster.node(0), viaCoordinator, kinds.get(0), figures)
                : List.of();

        // ---- the Loki-compatible API beside the native one, same run, same data
        List<String> loki = LokiCells.measure(o, coordinatorUrl, viaCoordinator, services, from, end, nativeSelective,
                baseline, figures);

        // ---- one large NDJSON answer through the 256 MiB coordinator
        String ndjson = NdjsonExport.largeNdjson(coordinator, o.coordinatorHeap(), from, end, o.ndjsonLines(), sampler,
                figures.putObject("ndjson"));
        System.out.println(ndjson);

        pool.forEach(QueryBenchmark::closeQuietly);
        System.out.println();
        System.out.println("=== results ===");
        report.forEach(System.out::println);
        System.out.println("chunk skipping per query kind (coordinator stats over 50 queries of each kind):");
        skipping.forEach(System.out::println);
        System.out.println("latency (each cell: " + o.seconds() + " s of closed-loop clients; baseline: "
                + o.baselineConnections() + " connections to one PostgreSQL holding every line):");
        table.forEach(System.out::println);
        nodesTable.forEach(System.out::println);
        loki.forEach(System.out::println);
        profile.forEach(System.out::println);
        System.out.println(ndjson);
        json.write();
    }

    /** The coordinator's settings ({@code key, value, ...}) beyond the cluster's. */
    private static List<String> coordinatorSettings(QueryOptions o) {
        return List.of("logquery.coordinator.max-limit", Integer.toString(Math.max(10_000, o.ndjsonLines())),
                // every benchmark client comes from this one address: no per-client share applies
                "logquery.coordinator.max-queries-per-client", "1000000");
    }

    /** The second coordinator's settings: the first one's, and no shard database (so every read goes to a node). */
    private static String[] throughNodes(QueryOptions o) {
        List<String> p = new ArrayList<>(coordinatorSettings(o));
        for (int shard = 0; shard < 3; shard++) {
            p.add("logquery.coordinator.shards[" + shard + "].databases[0]");
            p.add("");
        }
        return p.toArray(String[]::new);
    }

    /** The text index's filters on the heap of the three nodes, in bytes. */
    private static double textIndexBytes(Cluster cluster) throws Exception {
        double bytes = 0;
        for (int s = 0; s < 3; s++) {
            bytes += PrometheusText.scrape(cluster.node(s).url()).sum("text_index_bytes");
        }
        return bytes;
    }

    /**
     * JFR profiles of the coordinator and of shard 0's node while 16 clients send {@code kind} (the selective query)
     * for {@code seconds}; their top frames print and go under {@code figures.profile}, the recordings stay in
     * {@code benchmark/target/results/} for a flame graph (e.g. JDK Mission Control).
     */
    private static List<String> profile(int seconds, App coordinator, App node, Client client, Kind kind,
                                        ObjectNode figures) throws Exception {
        File coordinatorJfr = new File("benchmark/target/results/profile-coordinator.jfr");
        File nodeJfr = new File("benchmark/target/results/profile-node-0.jfr");
        coordinatorJfr.delete();
        nodeJfr.delete();
        JfrProfile.start(coordinator.pid(), seconds, coordinatorJfr);
        JfrProfile.start(node.pid(), seconds, nodeJfr);
        Run run = QueryLoad.measure(client, kind, 16, seconds);
        JfrProfile.awaitWritten(coordinatorJfr, Duration.ofSeconds(60));
        JfrProfile.awaitWritten(nodeJfr, Duration.ofSeconds(60));
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "profile (JFR, %d s of %s at 16 clients: %s):", seconds, kind.name(),
                QueryLoad.figures(run)));
        lines.add(" coordinator (" + coordinatorJfr.getPath() + ")");
        lines.addAll(JfrProfile.top(coordinatorJfr, 15));
        lines.add(" node of shard 0 (" + nodeJfr.getPath() + ")");
        lines.addAll(JfrProfile.top(nodeJfr, 15));
        ObjectNode p = figures.putObject("profile");
        p.put("seconds", seconds);
        p.put("query", kind.name());
        lines.forEach(l -> p.withArrayProperty("lines").add(l));
        lines.forEach(System.out::println);
        return lines;
    }

    /** One measured cell and the CPU per query its processes spent: JVMs, PostgreSQL servers (NaN when unknown). */
    private record Cell(Run run, double jvmCpuMs, double postgresCpuMs) {
    }

    /** {@link QueryLoad#measure} of one way, with {@code meter} sampled around it. */
    private static Cell cell(CpuMeter meter, Client client, Kind kind, int clients, int seconds) throws Exception {
        double[] before = meter.sample();
        long t0 = System.nanoTime();
        Run run = QueryLoad.measure(client, kind, clients, seconds);
        long wall = System.nanoTime() - t0;
        double[] after = meter.sample();
        return new Cell(run, cpuMsPerQuery(before[0], after[0], wall, run),
                cpuMsPerQuery(before[1], after[1], wall, run));
    }

    /**
     * CPU milliseconds per request: the CPU seconds between two samples {@code wallNanos} apart (the cell with its
     * unmeasured first second) per second, divided by the cell's measured requests per second; NaN when unknown.
     */
    private static double cpuMsPerQuery(double before, double after, long wallNanos, Run run) {
        if (before < 0 || after < 0 || run.perSecond() <= 0) {
            return Double.NaN;
        }
        return 1000 * (after - before) / (wallNanos / 1e9) / run.perSecond();
    }

    /**
     * Writes the lines into the topic while the three shards' nodes and the baseline node (shard 0 of 1 on the
     * baseline database) consume them, and waits until all four stored every line. Returns the report's load line.
     */
    private static String load(QueryOptions o, Cluster cluster, App baselineApp, SyntheticLogGenerator generator,
                               ScheduledExecutorService sampler, ObjectNode figures) throws Exception {
        List<NodeStats> nodes = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            nodes.add(new NodeStats(cluster.node(s), s));
        }
        NodeStats baselineNode = new NodeStats(baselineApp, 0);
        List<ScheduledFuture<?>> sampling = new ArrayList<>();
        for (NodeStats n : List.of(nodes.get(0), nodes.get(1), nodes.get(2), baselineNode)) {
            sampling.add(sampler.scheduleAtFixedRate(n::sample, 0, 500, TimeUnit.MILLISECONDS));
        }
        long start = System.nanoTime();
        BackfillResult sent = BackfillRunner.backfill(PublisherSettings.of(cluster.kafka().bootstrapServers(),
                cluster.topic()), generator, o.lines(), Duration.ofDays(o.days()));
        awaitStored(nodes, o.lines(), Duration.ofMinutes(60));
        awaitStored(List.of(baselineNode), o.lines(), Duration.ofMinutes(60));
        double loadSeconds = (System.nanoTime() - start) / 1e9;
        sampling.forEach(t -> t.cancel(false));
        ObjectNode l = figures.putObject("load");
        l.put("lines", o.lines());
        BenchmarkJson.num(l, "seconds", loadSeconds);
        BenchmarkJson.num(l, "producerLinesPerSecond", sent.linesPerSecond());
        return String.format(Locale.ROOT, "loaded %,d lines in %.0f s (producer %,.0f lines/s; three shards"
                + " and the baseline node consuming at once)", o.lines(), loadSeconds, sent.linesPerSecond());
    }

    /** Waits until the sampled line counters of {@code stats} add up to {@code expected}, printing progress. */
    static void awaitStored(List<NodeStats> stats, long expected, Duration timeout) throws Exception {
        long[] lastPrint = {System.nanoTime()};
        Await.until(timeout, "all " + expected + " lines stored (value: lines stored)", () -> {
            double total = stats.stream().mapToDouble(s -> s.lines).sum();
            if (System.nanoTime() - lastPrint[0] > 30_000_000_000L) {
                System.out.printf(Locale.ROOT, "  stored %,.0f of %,d%n", total, expected);
                lastPrint[0] = System.nanoTime();
            }
            return total;
        }, total -> total >= expected);
    }

    /**
     * Waits until the coordinator's catalog ({@code GET /api/query/stats}) counts at least {@code rowsPerShard}
     * rows on each shard: from then on its pruning knows every stored line, so no query runs on an empty catalog.
     */
    static void awaitCatalog(App coordinator, long[] rowsPerShard, Duration timeout) throws Exception {
        Await.until(timeout, coordinator.name() + "'s metadata covers every stored line (value: the stats' shards)",
                () -> JSON.readTree(Http.get(coordinator.url() + "/api/query/stats").body()).path("shards"),
                shards -> {
                    int covered = 0;
                    for (JsonNode s : shards) {
                        int id = s.path("id").asInt();
                        if (id < rowsPerShard.length && s.path("rowCount").isNumber()
                                && s.path("rowCount").asLong() >= rowsPerShard[id]) {
                            covered++;
                        }
                    }
                    return covered == rowsPerShard.length;
                });
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing at the end
        }
    }

    private QueryBenchmark() {
    }
}
