package dev.logquery.benchmark;

import dev.logquery.benchmark.QueryLoad.Client;
import dev.logquery.benchmark.QueryLoad.Run;
import dev.logquery.benchmark.QueryMix.Kind;
import dev.logquery.benchmark.QueryMix.Request;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.services.Postgres;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The query benchmark's cells of the Loki-compatible read API, measured in the same run, on the same data, as the
 * native cells: what Grafana costs compared with {@code POST /api/query/logs}.
 * <ul>
 * <li><b>selective, as Grafana asks it</b>: {@code {service_name="svc-N", level=~"error|warn"}} over one hour,
 * {@code limit} 100, {@code direction=backward}, as {@code GET /loki/api/v1/query_range} with nanosecond
 * {@code start}/{@code end}; beside it the very same queries through the native API, paired: every client sends each
 * query both ways, in an order that alternates from one query to the next, so that neither way always finds the rows
 * in the caches the other just filled; the ratio compares one query in two wire formats (target: Loki ≤ 1.2× native
 * at p50).
 * The native mix's own selective cell has no level filter; its ratio is printed too, for reference.</li>
 * <li><b>24-hour volume histogram</b>: {@code sum by (level) (count_over_time({service_name="svc-N"}[5m]))}, step
 * 300 s, over the last 24 hours of the data (a random service per request), at one client: Grafana's log volume
 * panel (target: under 500 ms over 10 million lines). Once per run the total it returns for one service is checked
 * against a SQL {@code count(*)} of that service's lines on the baseline database, which holds every line.</li>
 * </ul>
 * Both fail loudly: a status other than 200, an answer that is not Loki's success shape, or one with
 * {@code warnings} (a shard left out) throws, which {@link QueryLoad#measure} counts as an error and not as a
 * latency, so a failing endpoint can never look fast.
 */
final class LokiCells {

    /** Grafana's volume histogram step and count range. */
    static final Duration STEP = Duration.ofSeconds(300);

    private LokiCells() {
    }

    /**
     * The selective query with a level filter: one service, one hour, ERROR and WARN, limit 100 (what the Loki cell
     * sends as {@code level=~"error|warn"}).
     */
    static Kind selectiveLevels(List<String> services, Instant from, Instant end) {
        long spanSeconds = Duration.between(from, end).getSeconds();
        return new Kind("selective+lv", r -> {
            Instant s = from.plusSeconds((long) (r.nextDouble() * (spanSeconds - 3600)));
            return new Request(LogQueryBuilder.between(s, s.plusSeconds(3600))
                    .service(services.get(r.nextInt(services.size())))
                    .levels(LogLevel.ERROR, LogLevel.WARN).limit(100).build(), null);
        });
    }

    /** The volume histogram's requests: a random service over the fixed 24-hour window. */
    static Kind volume(List<String> services, Instant start, Instant end) {
        return new Kind("volume-24h", r -> new Request(LogQueryBuilder.between(start, end)
                .service(services.get(r.nextInt(services.size()))).limit(100).build(), null));
    }

    /** The LogQL stream selector of {@code q}: its service and, if any, its levels as a lowercase regex. */
    static String selector(LogQuery q) {
        StringBuilder b = new StringBuilder("{service_name=\"").append(q.service()).append('"');
        if (q.levels() != null) {
            // most severe first, as people write it: level=~"error|warn"
            b.append(", level=~\"").append(q.levels().levels().stream()
                    .sorted(Comparator.comparing(LogLevel::ordinal).reversed())
                    .map(l -> l.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"))).append('"');
        }
        return b.append('}').toString();
    }

    /** One log query as Grafana's Explore sends it; returns the lines answered. */
    static long logQuery(String baseUrl, Request r) throws Exception {
        LogQuery q = r.query();
        JsonNode data = get(baseUrl, Map.of("query", selector(q), "start", nanos(q.startTime()),
                "end", nanos(q.endTime()), "limit", Integer.toString(q.limit()), "direction", "backward"), "streams");
        long lines = 0;
        for (JsonNode stream : data.path("result")) {
            JsonNode values = stream.path("values");
            if (!values.isArray()) {
                throw new IllegalStateException("a stream without values: " + QueryLoad.abbreviate(stream.toString()));
            }
            lines += values.size();
        }
        return lines;
    }

    /** One volume histogram as Grafana's log volume panel sends it; returns the lines counted over all points. */
    static long volumeQuery(String baseUrl, Request r) throws Exception {
        LogQuery q = r.query();
        String query = "sum by (level) (count_over_time({service_name=\"" + q.service() + "\"}[5m]))";
        JsonNode data = get(baseUrl, Map.of("query", query, "start", nanos(q.startTime()), "end", nanos(q.endTime()),
                "step", Long.toString(STEP.toSeconds()), "limit", "1000"), "matrix");
        long total = 0;
        for (JsonNode series : data.path("result")) {
            for (JsonNode point : series.path("values")) {
                // [<unix seconds>, "<value>"]: a value that is no number throws, and so counts as an error
                total += Math.round(Double.parseDouble(point.get(1).asString()));
            }
        }
        return total;
    }

    /**
     * {@code GET /loki/api/v1/query_range} with {@code params}; returns its {@code data}, or throws unless the answer
     * is a 200 in Loki's success shape with {@code resultType} {@code expected} and no warnings.
     */
    static JsonNode get(String baseUrl, Map<String, String> params, String expected) throws Exception {
        String query = params.entrySet().stream().map(e -> e.getKey() + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpResponse<String> response = QueryLoad.HTTP.send(HttpRequest.newBuilder(
                        URI.create(baseUrl + "/loki/api/v1/query_range?" + query)).timeout(Duration.ofSeconds(60))
                        .GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("status " + response.statusCode() + ": "
                    + QueryLoad.abbreviate(response.body()));
        }
        JsonNode root = BenchmarkJson.JSON.readTree(response.body());
        JsonNode data = root.path("data");
        if (!"success".equals(root.path("status").asString("")) || !expected.equals(data.path("resultType").asString(""))
                || !data.path("result").isArray()) {
            throw new IllegalStateException("not a " + expected + " success: " + QueryLoad.abbreviate(response.body()));
        }
        if (root.path("warnings").size() > 0) {
            throw new IllegalStateException("partial answer: " + root.path("warnings"));
        }
        return data;
    }

    /**
     * Runs the Loki cells' queries unmeasured for {@code seconds} each, with 8 clients, as the native mix is warmed
     * up: the Loki path (LogQL parsing, its own answer writer, the node-side volume SQL) has JIT-compiled code of its
     * own, and a cold path against a warm one would measure the compiler, not the API.
     */
    static void warmUp(String coordinatorUrl, Client viaCoordinator, List<String> services, Instant from, Instant end,
                       int seconds) throws Exception {
        Kind selective = selectiveLevels(services, from, end);
        QueryLoad.measure(r -> logQuery(coordinatorUrl, r), selective, 8, seconds);
        QueryLoad.measure(viaCoordinator, selective, 8, seconds);
        Instant volEnd = volumeEnd(end);
        QueryLoad.measure(r -> volumeQuery(coordinatorUrl, r), volume(services, volEnd.minus(Duration.ofDays(1)), volEnd),
                8, seconds);
    }

    /** The volume window's end: the data's end on a 5-minute boundary, as Grafana aligns it. */
    static Instant volumeEnd(Instant end) {
        return Instant.ofEpochSecond(end.getEpochSecond() / STEP.toSeconds() * STEP.toSeconds());
    }

    /**
     * Measures the Loki cells, prints them and puts them under {@code figures}; returns the printed lines for the
     * summary. {@code nativeSelective} is the native mix's selective cell per client count, for the reference ratio.
     */
    static List<String> measure(QueryOptions o, String coordinatorUrl, Client viaCoordinator, List<String> services,
                                Instant from, Instant end, Map<Integer, Run> nativeSelective, Postgres baseline,
                                ObjectNode figures) throws Exception {
        List<String> out = new ArrayList<>();
        Client viaLoki = r -> logQuery(coordinatorUrl, r);
        Kind selective = selectiveLevels(services, from, end);
        out.add("Loki query_range beside the native API (same queries, paired in alternating order; target: Loki p50 <= 1.2x native):");
        out.add(String.format(Locale.ROOT, "%7s  %-12s  %-32s  %-32s  %-9s  %s", "clients", "query",
                "Loki GET p50/p95/p99 ms, q/s", "native POST p50/p95/p99 ms, q/s", "p50 ratio",
                "ratio to native selective (no levels)"));
        System.out.println(out.get(0));
        System.out.println(out.get(1));
        for (int c : o.clients()) {
            // paired: each client sends each query both ways, in alternating order (see QueryLoad#measure(List...))
            List<Run> pair = QueryLoad.measure(List.of(viaLoki, viaCoordinator), selective, c, o.seconds());
            Run loki = pair.get(0);
            Run nat = pair.get(1);
            Run plain = nativeSelective.get(c);
            double ratio = loki.percentileMs(0.5) / nat.percentileMs(0.5);
            double plainRatio = plain == null ? Double.NaN : loki.percentileMs(0.5) / plain.percentileMs(0.5);
            String line = String.format(Locale.ROOT, "%7d  %-12s  %-32s  %-32s  %-9s  %.2f", c, selective.name(),
                    QueryLoad.figures(loki), QueryLoad.figures(nat), String.format(Locale.ROOT, "%.2f %s", ratio,
                            ratio <= 1.2 && loki.errors() == 0 ? "met" : "NOT met"), plainRatio);
            System.out.println(line);
            out.add(line);
            ObjectNode cell = figures.withArrayProperty("lokiSelective").addObject();
            cell.put("clients", c);
            LogQuery example = selective.next().apply(new Random(0)).query();
            cell.put("logql", selector(example).replace(example.service(), "<random service>"));
            cell.set("loki", BenchmarkJson.run(loki));
            cell.set("nativeSameQueries", BenchmarkJson.run(nat));
            BenchmarkJson.num(cell, "p50RatioLokiToNative", ratio);
            BenchmarkJson.num(cell, "p50RatioLokiToNativeSelectiveWithoutLevels", plainRatio);
            cell.put("targetP50RatioMax", 1.2);
            cell.put("targetMet", ratio <= 1.2 && loki.errors() == 0);
        }

        // The volume window: the last 24 hours of the data, on 5-minute boundaries as Grafana aligns it. Points at
        // start, start + 300 s, ..., end each count (t - 300 s, t], so together they cover (start - 300 s, end].
        Instant volEnd = volumeEnd(end);
        Instant volStart = volEnd.minus(Duration.ofDays(1));
        Run volume = QueryLoad.measure(r -> volumeQuery(coordinatorUrl, r), volume(services, volStart, volEnd), 1,
                o.seconds());
        boolean clean = volume.errors() == 0;
        String volumeLine = String.format(Locale.ROOT, "%7d  %-12s  %-32s  target < 500 ms: p50 %s, p99 %s", 1,
                "volume-24h", QueryLoad.figures(volume), volume.percentileMs(0.5) < 500 && clean ? "met" : "NOT met",
                volume.percentileMs(0.99) < 500 && clean ? "met" : "NOT met");
        String service = services.get(0);
        long lokiTotal;
        try {
            lokiTotal = volumeQuery(coordinatorUrl, new Request(LogQueryBuilder.between(volStart, volEnd)
                    .service(service).limit(100).build(), null));
        } catch (Exception e) {
            lokiTotal = -1; // reported as a disagreement, with the reason
            System.out.println("  volume check: the query failed: " + e.getMessage());
        }
        Instant countFrom = volStart.minus(STEP);
        long sqlTotal = baseline.queryLong("SELECT count(*) FROM logs WHERE service = ? AND ts > ? AND ts <= ?",
                service, countFrom.atOffset(ZoneOffset.UTC), volEnd.atOffset(ZoneOffset.UTC));
        String check = String.format(Locale.ROOT, "  volume check: %s over (%s, %s]: query_range total %,d lines,"
                        + " SQL count(*) on the baseline %,d lines: %s", service, countFrom, volEnd, lokiTotal, sqlTotal,
                lokiTotal == sqlTotal ? "agree" : "DISAGREE");
        out.add("Loki volume histogram: sum by (level) (count_over_time({service_name=\"<random service>\"}[5m])),"
                + " step 300 s, over the last 24 h of the data:");
        out.add(volumeLine);
        out.add(check);
        out.subList(out.size() - 3, out.size()).forEach(System.out::println);
        ObjectNode v = figures.putObject("lokiVolumeHistogram24h");
        v.put("logql", "sum by (level) (count_over_time({service_name=\"<random service>\"}[5m]))");
        v.put("stepSeconds", STEP.toSeconds());
        v.put("start", volStart.toString());
        v.put("end", volEnd.toString());
        v.put("clients", 1);
        v.set("cell", BenchmarkJson.run(volume));
        v.put("targetP50MsMax", 500);
        v.put("targetMet", volume.percentileMs(0.5) < 500 && volume.errors() == 0);
        ObjectNode c = v.putObject("check");
        c.put("service", service);
        c.put("countedFrom", countFrom.toString());
        c.put("countedTo", volEnd.toString());
        c.put("queryRangeTotalLines", lokiTotal);
        c.put("sqlCountLines", sqlTotal);
        c.put("agree", lokiTotal == sqlTotal);
        return out;
    }

    private static String nanos(Instant t) {
        return Long.toString(t.getEpochSecond() * 1_000_000_000L + t.getNano());
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
