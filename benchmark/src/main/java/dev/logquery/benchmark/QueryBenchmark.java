package dev.logquery.benchmark;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import dev.logquery.node.query.RangeSql;
import dev.logquery.node.query.ScanPlan;
import dev.logquery.producer.generate.ServiceSpec;
import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.producer.publish.TopicInitializer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Query benchmark: N synthetic lines (default 10 million over 7 days, 50 services) go through a real KRaft
 * broker into three partition nodes (each with its own PostgreSQL) and, from the same topic, into a fourth
 * node that is alone on its shard: the <em>baseline</em>, one PostgreSQL with every line, the same schema
 * and indexes. Then a fixed mix of queries runs at several client concurrencies, once through the
 * coordinator ({@code POST /api/query/logs}, separate JVM) and once straight against the baseline database
 * with the nodes' own SQL over the query's whole window ({@link RangeSql}, {@link ScanPlan#unpruned}), and
 * their latency percentiles and throughput print side by side. Last, one NDJSON answer of a million lines
 * streams through a coordinator with a 256 MiB heap whose heap use is sampled meanwhile.
 */
public final class QueryBenchmark {

    record Options(long lines, int days, int services, List<Integer> clients, int seconds, int ndjsonLines,
                   String coordinatorHeap, String nodeHeap, int baselineConnections, int warmupSeconds) {

        static Options parse(String[] args) {
            long lines = 10_000_000;
            int days = 7;
            int services = 50;
            List<Integer> clients = List.of(1, 16, 128);
            int seconds = 10;
            int ndjson = 1_000_000;
            String heap = "256m";
            String nodeHeap = "512m";
            int baseline = 18;
            int warmup = 150;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--lines" -> lines = Long.parseLong(args[++i]);
                    case "--days" -> days = Integer.parseInt(args[++i]);
                    case "--services" -> services = Integer.parseInt(args[++i]);
                    case "--clients" -> clients = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                    case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                    case "--ndjson-lines" -> ndjson = Integer.parseInt(args[++i]);
                    case "--coordinator-heap" -> heap = args[++i];
                    case "--node-heap" -> nodeHeap = args[++i];
                    case "--baseline-connections" -> baseline = Integer.parseInt(args[++i]);
                    case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + " (options: --lines N"
                            + " --days N --services N --clients 1,16,128 --seconds N --ndjson-lines N"
                            + " --coordinator-heap 256m --node-heap 512m --baseline-connections N --warmup-seconds N)");
                }
            }
            return new Options(lines, days, services, clients, seconds, ndjson, heap, nodeHeap, baseline, warmup);
        }
    }

    /** One query of the mix, and where a deep page starts (null for a first page). */
    record Request(LogQuery query, LogQuery.Position after) {
    }

    /** A kind of query: a name and a generator of random instances. */
    record Kind(String name, Function<Random, Request> next) {
    }

    /** Latencies of one run, in microseconds, and its wall time. */
    record Run(long[] micros, double seconds, long rows, int errors) {
        double percentileMs(double q) {
            if (micros.length == 0) {
                return Double.NaN;
            }
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            int i = (int) Math.ceil(q * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
        }

        double perSecond() {
            return micros.length / seconds;
        }
    }

    interface Client {
        /** Runs one request; returns the rows it returned. */
        long run(Request r) throws Exception;
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File log = new File("benchmark/target/query-benchmark-services.log");
        log.getParentFile().mkdirs();
        System.out.printf(Locale.ROOT, "query benchmark %s: %d cores, %s; %,d lines over %d days, %d services;"
                        + " logs of nodes and coordinator in %s%n", LocalDate.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), o.lines, o.days, o.services, log);
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, 6);
        kafka.afterPropertiesSet();
        String bootstrap = kafka.getBrokersAsString();
        String topic = "pod-logs";
        TopicInitializer.ensureTopic(bootstrap, topic, 6, (short) 1, Duration.ofSeconds(30));
        List<EmbeddedPostgres> dbs = new ArrayList<>();
        List<IngestBenchmark.NodeStats> nodes = new ArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        List<String> report = new ArrayList<>();
        NodeProcess coordinator = null;
        try {
            for (int s = 0; s < 4; s++) {
                dbs.add(IngestBenchmark.postgres());
            }
            for (int s = 0; s < 3; s++) {
                nodes.add(new IngestBenchmark.NodeStats(NodeProcess.start(s, 3, topic,
                        dbs.get(s).getJdbcUrl("postgres", "postgres"), bootstrap, o.nodeHeap, List.of(), log)));
            }
            IngestBenchmark.NodeStats baselineNode = new IngestBenchmark.NodeStats(NodeProcess.start(0, 1, topic,
                    dbs.get(3).getJdbcUrl("postgres", "postgres"), bootstrap, o.nodeHeap, List.of(), log));

            // ---- load
            long start = System.nanoTime();
            SyntheticLogGenerator generator = new SyntheticLogGenerator(o.services, 7);
            List<String> services = generator.topology().services().stream().map(ServiceSpec::name).toList();
            Instant end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            BackfillResult sent = BackfillRunner.backfill(PublisherSettings.of(bootstrap, topic), generator, o.lines,
                    Duration.ofDays(o.days));
            List<IngestBenchmark.NodeStats> all = new ArrayList<>(nodes);
            awaitStored(nodes, o.lines, Duration.ofMinutes(60));
            awaitStored(List.of(baselineNode), o.lines, Duration.ofMinutes(60));
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            all.add(baselineNode);
            baselineNode.node.close(); // its database stays: it is the baseline
            report.add(String.format(Locale.ROOT, "loaded %,d lines in %.0f s (producer %,.0f lines/s; three shards"
                    + " and the baseline node consuming at once)", o.lines, loadSeconds, sent.linesPerSecond()));
            for (int s = 0; s < 4; s++) {
                try (Connection c = DriverManager.getConnection(dbs.get(s).getJdbcUrl("postgres", "postgres"));
                     Statement st = c.createStatement()) {
                    st.execute("VACUUM ANALYZE logs");
                    try (ResultSet rs = st.executeQuery("SELECT count(*), pg_size_pretty(pg_total_relation_size('logs')"
                            + " + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits"
                            + " WHERE inhparent = 'logs'::regclass), 0)), (SELECT count(*) FROM chunks) FROM logs")) {
                        rs.next();
                        report.add(String.format(Locale.ROOT, "  %s: %,d rows, %s with indexes, %d hour chunks",
                                s < 3 ? "shard " + s : "baseline", rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    }
                }
            }
            report.forEach(System.out::println);

            // ---- the coordinator, in a JVM of its own with the heap the target names
            List<String> coordinatorArgs = new ArrayList<>(List.of("--logquery.coordinator.max-limit=" + Math.max(10_000,
                    o.ndjsonLines), "--logquery.coordinator.tail.bootstrap-servers=" + bootstrap,
                    "--logquery.coordinator.redis-url=", // no results cache: the benchmark measures queries
                    "--logquery.coordinator.tail.topic=" + topic,
                    // every benchmark client comes from this one address: no per-client share applies
                    "--logquery.coordinator.max-queries-per-client=1000000"));
            for (int s = 0; s < 3; s++) {
                coordinatorArgs.add("--logquery.coordinator.shards[" + s + "].id=" + s);
                coordinatorArgs.add("--logquery.coordinator.shards[" + s + "].url=" + nodes.get(s).node.baseUrl);
            }
            coordinator = NodeProcess.startCoordinator(coordinatorArgs, o.coordinatorHeap, log);
            Thread.sleep(2_000); // its first metadata reads
            String coordinatorUrl = coordinator.baseUrl;

            Instant from = end.minus(Duration.ofDays(o.days));
            List<Kind> kinds = kinds(services, from, end);
            String baselineUrl = dbs.get(3).getJdbcUrl("postgres", "postgres");
            BlockingQueue<Connection> pool = new ArrayBlockingQueue<>(o.baselineConnections);
            for (int i = 0; i < o.baselineConnections; i++) {
                Connection c = DriverManager.getConnection(baselineUrl);
                c.setAutoCommit(false);
                c.setReadOnly(true);
                pool.add(c);
            }
            Client viaCoordinator = r -> coordinatorQuery(coordinatorUrl, r);
            Client viaBaseline = r -> baselineQuery(pool, r);

            // ---- warm-up: on 2 cores the JIT compilers of the coordinator and the nodes work for a minute or two
            // under load (measured: throughput doubled between the first and the third minute); unwarmed cells
            // would measure the compiler, not the system.
            System.out.println("warming up for " + o.warmupSeconds + " s (the whole mix, 8 clients, both ways)");
            for (Kind kind : kinds) {
                int share = Math.max(1, o.warmupSeconds / kinds.size() / 2);
                measure(viaCoordinator, kind, 8, share);
                measure(viaBaseline, kind, 8, share);
            }

            // ---- chunk skipping per kind, from the coordinator's stats
            List<String> skipping = new ArrayList<>();
            Random warm = new Random(1);
            for (Kind kind : kinds) {
                long[] before = chunks(coordinatorUrl);
                for (int i = 0; i < 50; i++) {
                    viaCoordinator.run(kind.next().apply(warm));
                }
                long[] after = chunks(coordinatorUrl);
                long scanned = after[0] - before[0];
                long skipped = after[1] - before[1];
                skipping.add(String.format(Locale.ROOT, "  %-10s %5.1f%% of shard-hour chunks skipped (%,d read, %,d skipped"
                        + " in 50 queries)", kind.name(), 100.0 * skipped / Math.max(1, scanned + skipped), scanned, skipped));
            }
            System.out.println("chunk skipping per query kind:");
            skipping.forEach(System.out::println);

            // ---- latency and throughput
            List<String> table = new ArrayList<>();
            table.add(String.format(Locale.ROOT, "%7s  %-10s  %-32s  %-32s  %s", "clients", "query",
                    "coordinator p50/p95/p99 ms, q/s", "single PostgreSQL p50/p95/p99, q/s", "p50 ratio"));
            for (int c : o.clients) {
                for (Kind kind : kinds) {
                    Run coord = measure(viaCoordinator, kind, c, o.seconds);
                    Run base = measure(viaBaseline, kind, c, o.seconds);
                    String line = String.format(Locale.ROOT, "%7d  %-10s  %-32s  %-32s  %.2f", c, kind.name(),
                            figures(coord), figures(base), coord.percentileMs(0.5) / base.percentileMs(0.5));
                    System.out.println(line);
                    table.add(line);
                }
            }

            // ---- one large NDJSON answer through the 256 MiB coordinator
            String ndjson = largeNdjson(coordinator, o.coordinatorHeap, from, end, o.ndjsonLines, sampler);
            System.out.println(ndjson);

            pool.forEach(QueryBenchmark::closeQuietly);
            System.out.println();
            System.out.println("=== results ===");
            report.forEach(System.out::println);
            System.out.println("chunk skipping per query kind (coordinator stats over 50 queries of each kind):");
            skipping.forEach(System.out::println);
            System.out.println("latency (each cell: " + o.seconds + " s of closed-loop clients; baseline: "
                    + o.baselineConnections + " connections to one PostgreSQL holding every line):");
            table.forEach(System.out::println);
            System.out.println(ndjson);
        } finally {
            sampler.shutdownNow();
            if (coordinator != null) {
                coordinator.close();
            }
            for (IngestBenchmark.NodeStats n : nodes) {
                n.node.close();
            }
            for (EmbeddedPostgres pg : dbs) {
                pg.close();
            }
            kafka.destroy();
        }
    }

    /**
     * The mix: <b>selective</b> one service, one hour; <b>errors</b> ERROR and FATAL over 24 hours;
     * <b>broad</b> everything over the whole period; <b>deep page</b> a broad query continued from a cursor
     * somewhere in the period; <b>contains</b> a rare text over 24 hours. Limit 100 each.
     */
    static List<Kind> kinds(List<String> services, Instant from, Instant end) {
        long spanSeconds = Duration.between(from, end).getSeconds();
        LevelSet errors = LevelSet.of(List.of(LogLevel.ERROR, LogLevel.FATAL));
        return List.of(
                new Kind("selective", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 3600)));
                    return new Request(new LogQuery(s, s.plusSeconds(3600), services.get(r.nextInt(services.size())),
                            null, null, null, null, 100, null), null);
                }),
                new Kind("errors-24h", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(new LogQuery(s, s.plusSeconds(86_400), null, errors, null, null, null, 100, null),
                            null);
                }),
                new Kind("broad", r -> new Request(new LogQuery(from, end, null, null, null, null, null, 100, null), null)),
                new Kind("deep-page", r -> {
                    Instant at = from.plusSeconds((long) (r.nextDouble() * spanSeconds)).truncatedTo(ChronoUnit.MICROS);
                    return new Request(new LogQuery(from, end, null, null, null, null, null, 100, null),
                            new LogQuery.Position(at, 5, Long.MAX_VALUE));
                }),
                new Kind("contains", r -> {
                    Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 86_400)));
                    return new Request(new LogQuery(s, s.plusSeconds(86_400), null, null, null, null,
                            "outofmemoryerror", 100, null), null);
                }));
    }

    static String figures(Run r) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f, %.0f%s", r.percentileMs(0.5), r.percentileMs(0.95),
                r.percentileMs(0.99), r.perSecond(), r.errors() > 0 ? " (" + r.errors() + " errors)" : "");
    }

    /** {@code clients} threads each sending one request after the other for {@code seconds} (after a 1 s warm-up). */
    static Run measure(Client client, Kind kind, int clients, int seconds) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            long warmUntil = System.nanoTime() + 1_000_000_000L;
            long until = warmUntil + seconds * 1_000_000_000L;
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                long seed = 1000L * clients + t;
                results.add(threads.submit(() -> {
                    Random r = new Random(seed);
                    long[] lat = new long[1024];
                    int n = 0;
                    long rows = 0;
                    long errors = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= until) {
                            break;
                        }
                        Request req = kind.next().apply(r);
                        try {
                            rows += client.run(req);
                        } catch (Exception e) {
                            errors++;
                            continue;
                        }
                        long t1 = System.nanoTime();
                        if (t0 >= warmUntil) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = (t1 - t0) / 1000;
                        }
                    }
                    long[] out = Arrays.copyOf(lat, n + 2);
                    out[n] = rows;
                    out[n + 1] = errors;
                    return out;
                }));
            }
            List<Long> all = new ArrayList<>();
            long rows = 0;
            int errors = 0;
            for (Future<long[]> f : results) {
                long[] a = f.get(seconds + 120L, TimeUnit.SECONDS);
                for (int i = 0; i < a.length - 2; i++) {
                    all.add(a[i]);
                }
                rows += a[a.length - 2];
                errors += (int) a[a.length - 1];
            }
            return new Run(all.stream().mapToLong(Long::longValue).toArray(), seconds, rows, errors);
        } finally {
            threads.shutdownNow();
        }
    }

    static String body(Request r) {
        LogQuery q = r.query();
        StringBuilder b = new StringBuilder("{\"startTime\":\"").append(Rfc3339.format(q.startTime()))
                .append("\",\"endTime\":\"").append(Rfc3339.format(q.endTime())).append('"');
        if (q.service() != null) {
            b.append(",\"serviceName\":\"").append(q.service()).append('"');
        }
        if (q.levels() != null) {
            b.append(",\"levels\":[");
            List<LogLevel> levels = q.levels().levels();
            for (int i = 0; i < levels.size(); i++) {
                b.append(i == 0 ? "\"" : ",\"").append(levels.get(i).name()).append('"');
            }
            b.append(']');
        }
        if (q.contains() != null) {
            b.append(",\"contains\":\"").append(q.contains()).append('"');
        }
        b.append(",\"limit\":").append(q.limit());
        if (r.after() != null) {
            b.append(",\"cursor\":\"").append(CursorCodec.encode(q, r.after())).append('"');
        }
        return b.append('}').toString();
    }

    static final Pattern LOG_COUNT = Pattern.compile("\"partition\":");

    static long coordinatorQuery(String baseUrl, Request r) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/query/logs"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(body(r))).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200 || response.body().contains("\"partial\":true")) {
            throw new IllegalStateException("status " + response.statusCode() + ": " + abbreviate(response.body()));
        }
        Matcher m = LOG_COUNT.matcher(response.body());
        long n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The nodes' SQL over the query's whole window, on one connection of the baseline's pool. */
    static long baselineQuery(BlockingQueue<Connection> pool, Request r) throws Exception {
        LogQuery q = r.after() == null ? r.query() : r.query().withAfter(r.after());
        ScanPlan plan = ScanPlan.unpruned(q, new TreeMap<>());
        if (plan.ranges().isEmpty()) {
            return 0;
        }
        Connection c = pool.poll(60, TimeUnit.SECONDS);
        if (c == null) {
            throw new IllegalStateException("no baseline connection within 60 s");
        }
        try (PreparedStatement ps = c.prepareStatement(RangeSql.sql(q))) {
            ps.setFetchSize(500);
            RangeSql.bind(ps, q, plan.ranges().get(0), q.limit());
            long n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RangeSql.row(rs, 0);
                    n++;
                }
            }
            c.rollback();
            return n;
        } finally {
            pool.add(c);
        }
    }

    /** {@code [scanned, skipped]} shard-hour chunks so far, from the coordinator's stats. */
    static long[] chunks(String baseUrl) throws Exception {
        String stats = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/query/stats")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"chunks\":\\{\"scanned\":(\\d+),\"skipped\":(\\d+)").matcher(stats);
        if (!m.find()) {
            throw new IllegalStateException("no chunk figures in the stats: " + abbreviate(stats));
        }
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    /** Streams {@code lines} NDJSON lines of everything, sampling the coordinator's heap meanwhile. */
    static String largeNdjson(NodeProcess coordinator, String heap, Instant from, Instant end, int lines,
                              ScheduledExecutorService sampler) throws Exception {
        double[] maxHeap = {0};
        double[] maxLive = {0};
        var task = sampler.scheduleAtFixedRate(() -> {
            try {
                PrometheusText p = PrometheusText.scrape(coordinator.baseUrl);
                maxHeap[0] = Math.max(maxHeap[0], p.sum("jvm_memory_used_bytes", "area", "heap"));
                maxLive[0] = Math.max(maxLive[0], p.sum("jvm_gc_live_data_size_bytes"));
            } catch (Exception missed) {
                // the next sample counts
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        Request all = new Request(new LogQuery(from, end, null, null, null, null, null, lines, null), null);
        HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(coordinator.baseUrl
                                + "/api/query/logs")).header("Content-Type", "application/json")
                        .header("Accept", "application/x-ndjson").timeout(Duration.ofMinutes(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body(all))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long rows = 0;
        long bytes = 0;
        String last = "";
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                bytes += line.length() + 1;
                if (line.startsWith("{\"summary\"")) {
                    last = line;
                } else {
                    rows++;
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        task.cancel(false);
        return String.format(Locale.ROOT, "NDJSON answer: %,d lines (%,.0f MB) in %.1f s = %,.0f lines/s, status %d;"
                        + " coordinator -Xmx%s: heap used max %.0f MiB, live after GC max %.0f MiB, peak RSS %.0f MiB;"
                        + " summary %s", rows, bytes / 1e6, seconds, rows / seconds, response.statusCode(),
                heap, maxHeap[0] / (1 << 20), maxLive[0] / (1 << 20),
                coordinator.peakRssBytes() / (double) (1 << 20), abbreviate(last));
    }

    static void awaitStored(List<IngestBenchmark.NodeStats> stats, long expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastPrint = 0;
        while (System.nanoTime() < deadline) {
            double total = 0;
            for (IngestBenchmark.NodeStats s : stats) {
                s.sample();
                total += s.lines;
            }
            if (total >= expected) {
                return;
            }
            if (System.nanoTime() - lastPrint > 30_000_000_000L) {
                System.out.printf(Locale.ROOT, "  stored %,.0f of %,d%n", total, expected);
                lastPrint = System.nanoTime();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("not all " + expected + " lines stored after " + timeout);
    }

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
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
