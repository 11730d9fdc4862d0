package dev.logquery.benchmark;

import dev.logquery.benchmark.QueryMix.Kind;
import dev.logquery.benchmark.QueryMix.Request;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
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

        /** A run from latencies in microseconds, a negative one standing for a failed request. */
        static Run of(long[] microsOrFailed, double seconds) {
            long[] ok = Arrays.stream(microsOrFailed).filter(m -> m >= 0).toArray();
            return new Run(ok, seconds, 0, microsOrFailed.length - ok.length);
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
        return measure(List.of(client), kind, clients, seconds).get(0);
    }

    /**
     * Paired runs: {@code clients} threads each send every request through each of {@code ways} in turn, in an order
     * that rotates from one request to the next, and each way's latency is recorded in its own run. The ways read the
     * same rows of the same databases, so whichever asks second finds them in the caches the first one filled: run
     * one after the other, the second cell would look faster for that alone (measured on 2026-12-03: a Loki query
     * and its native twin each looked 15 to 25 % faster when asked second). Rotating the order gives each way the
     * cold and the warm position equally often. Each run's q/s counts its own requests over the shared time.
     */
    static List<Run> measure(List<Client> ways, Kind kind, int clients, int seconds) throws Exception {
        int k = ways.size();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            long warmUntil = System.nanoTime() + 1_000_000_000L;
            long until = warmUntil + seconds * 1_000_000_000L;
            List<Future<long[][]>> results = new ArrayList<>();
            for (int t = 0; t < clients; t++) {
                long seed = 1000L * clients + t;
                results.add(threads.submit(() -> {
                    Random r = new Random(seed);
                    long[][] lat = new long[k][1024];
                    int[] n = new int[k];
                    long[] rows = new long[k];
                    long[] errors = new long[k];
                    long sent = 0;
                    while (System.nanoTime() < until) {
                        Request req = kind.next().apply(r);
                        for (int j = 0; j < k; j++) {
                            int w = (int) ((sent + j) % k);
                            long t0 = System.nanoTime();
                            try {
                                rows[w] += ways.get(w).run(req);
                            } catch (Exception e) {
                                errors[w]++;
                                continue;
                            }
                            long t1 = System.nanoTime();
                            if (t0 >= warmUntil) {
                                if (n[w] == lat[w].length) {
                                    lat[w] = Arrays.copyOf(lat[w], n[w] * 2);
                                }
                                lat[w][n[w]++] = (t1 - t0) / 1000;
                            }
                        }
                        sent++;
                    }
                    long[][] out = new long[k][];
                    for (int w = 0; w < k; w++) {
                        out[w] = Arrays.copyOf(lat[w], n[w] + 2);
                        out[w][n[w]] = rows[w];
                        out[w][n[w] + 1] = errors[w];
                    }
                    return out;
                }));
            }
            List<List<Long>> all = new ArrayList<>();
            long[] rows = new long[k];
            int[] errors = new int[k];
            for (int w = 0; w < k; w++) {
                all.add(new ArrayList<>());
            }
            for (Future<long[][]> f : results) {
                long[][] a = f.get(k * (long) seconds + 120L, TimeUnit.SECONDS);
                for (int w = 0; w < k; w++) {
                    for (int i = 0; i < a[w].length - 2; i++) {
                        all.get(w).add(a[w][i]);
                    }
                    rows[w] += a[w][a[w].length - 2];
                    errors[w] += (int) a[w][a[w].length - 1];
                }
            }
            List<Run> runs = new ArrayList<>(k);
            for (int w = 0; w < k; w++) {
                runs.add(new Run(all.get(w).stream().mapToLong(Long::longValue).toArray(), seconds, rows[w], errors[w]));
            }
            return runs;
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
