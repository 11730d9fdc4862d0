package dev.logquery.benchmark;

import dev.logquery.benchmark.QueryMix.Kind;
import dev.logquery.benchmark.QueryMix.Request;
import dev.logquery.common.query.LogQuery;
import dev.logquery.node.query.RangeSql;
import dev.logquery.node.query.ScanPlan;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the query benchmark's load: closed-loop clients sending one kind of query after the other, through the
 * coordinator's HTTP API or straight against the baseline database with the nodes' own SQL, and the latency
 * figures of a run.
 */
final class QueryLoad {

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
    static final Pattern LOG_COUNT = Pattern.compile("\"partition\":");

    private QueryLoad() {
    }

    /** A cell of the table: {@code p50 / p95 / p99, q/s} and the errors if any. */
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

    /** One query through the coordinator; a status other than 200 or a partial answer counts as an error. */
    static long coordinatorQuery(String baseUrl, Request r) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/query/logs"))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString(QueryMix.body(r))).build(),
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

    static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
