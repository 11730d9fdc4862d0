package dev.logquery.stack;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Proves that every Grafana panel has data: runs each panel query of the dashboards against a Prometheus
 * that scrapes the running system, and each query of a panel on the Loki data source ({@code type: loki}, the
 * coordinator's Loki-compatible API) against the coordinator, for {@code setup.sh check-dashboards}:
 *
 * <pre>java -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.DashboardCheck http://localhost:9090 grafana/dashboards [http://localhost:8080]</pre>
 *
 * <p>A Prometheus query passes when Prometheus answers {@code success} with at least one series whose latest
 * value is a number (a {@code NaN}, such as a latency quantile with no queries in its window, does not count).
 * A Loki query is sent as Grafana sends it for the last {@value #LOKI_RANGE_MINUTES} minutes ({@code $__interval}
 * and {@code $__auto} as {@code 1m} with a one-minute step, {@code $__range} as the window): a
 * {@code queryType: instant} target to {@code /loki/api/v1/query}, any other to {@code /loki/api/v1/query_range};
 * it passes when the answer is {@code success} with at least one line (streams) or one numeric sample. The
 * environment's {@code STACK_API_TOKEN}, when set, is sent as a bearer token. Prints one line per query. Exit
 * status 0 when all pass, 1 when any does not, 2 on bad usage.
 */
public final class DashboardCheck {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final int LOKI_RANGE_MINUTES = 15;

    /** One panel query and where it is; {@code loki} for a target on the Loki data source. */
    record PanelQuery(String dashboard, String panel, String expr, boolean loki, boolean instant) {
        PanelQuery(String dashboard, String panel, String expr) {
            this(dashboard, panel, expr, false, false);
        }
    }

    private DashboardCheck() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2 && args.length != 3) {
            System.err.println("usage: DashboardCheck <prometheus url> <dashboards directory> [<coordinator url>]");
            System.exit(2);
        }
        String prometheus = args[0].replaceAll("/+$", "");
        String coordinator = args.length == 3 ? args[2].replaceAll("/+$", "") : null;
        List<PanelQuery> queries = queries(Path.of(args[1]));
        if (queries.isEmpty()) {
            System.err.println("no panel queries found in " + args[1]);
            System.exit(2);
        }
        int failed = 0;
        for (PanelQuery q : queries) {
            String verdict = !q.loki() ? run(prometheus, q.expr())
                    : coordinator == null ? "no coordinator url given for a Loki data source query"
                    : runLoki(coordinator, q, java.time.Instant.now(), System.getenv("STACK_API_TOKEN"));
            if (!verdict.startsWith("ok")) {
                failed++;
            }
            System.out.printf("%-8s %-22s %-50s %s%n", verdict.startsWith("ok") ? "OK" : "NO DATA", q.dashboard(),
                    q.panel(), verdict.startsWith("ok") ? verdict.substring(2).trim() : verdict);
        }
        System.out.printf("%d of %d panel queries returned data%n", queries.size() - failed, queries.size());
        System.exit(failed == 0 ? 0 : 1);
    }

    /** Every target expression of every panel (rows' nested panels included) of the dashboards in {@code dir}. */
    static List<PanelQuery> queries(Path dir) throws IOException {
        List<PanelQuery> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                collect(file.getFileName().toString().replace(".json", ""), dashboard.path("panels"), out);
            }
        }
        return out;
    }

    private static void collect(String dashboard, JsonNode panels, List<PanelQuery> out) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asString("");
                if (!expr.isBlank()) {
                    JsonNode ds = target.path("datasource").isObject() ? target.path("datasource") : panel.path("datasource");
                    boolean loki = ds.path("type").asString("").equals("loki");
                    out.add(new PanelQuery(dashboard, panel.path("title").asString(""), expr, loki,
                            target.path("queryType").asString("").equals("instant")));
                }
            }
            collect(dashboard, panel.path("panels"), out);
        }
    }

    /** The URI Grafana's Loki data source would ask for {@code q} over the last minutes before {@code now}. */
    static URI lokiUri(String coordinator, PanelQuery q, java.time.Instant now) {
        long end = now.getEpochSecond() * 1_000_000_000L;
        long start = end - LOKI_RANGE_MINUTES * 60L * 1_000_000_000L;
        String expr = q.expr().replace("$__interval", "1m").replace("$__auto", "1m")
                .replace("$__rate_interval", "1m").replace("$__range", LOKI_RANGE_MINUTES + "m");
        String query = "query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8);
        if (q.instant()) {
            return URI.create(coordinator + "/loki/api/v1/query?" + query + "&time=" + end);
        }
        return URI.create(coordinator + "/loki/api/v1/query_range?" + query + "&start=" + start + "&end=" + end
                + "&step=60s&limit=100&direction=backward");
    }

    /** "ok N lines|series" or why not. */
    static String runLoki(String coordinator, PanelQuery q, java.time.Instant now, String token)
            throws InterruptedException {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(lokiUri(coordinator, q, now))
                    .timeout(Duration.ofSeconds(30)).header("X-Query-Tags", "Source=grafana").GET();
            if (token != null && !token.isBlank()) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return "error: HTTP " + response.statusCode() + " " + response.body().strip();
            }
            return lokiVerdict(JSON.readTree(response.body()));
        } catch (IOException | RuntimeException e) {
            return "unreachable: " + e;
        }
    }

    static String lokiVerdict(JsonNode body) {
        if (!"success".equals(body.path("status").asString(""))) {
            return "error: " + body;
        }
        String type = body.path("data").path("resultType").asString("");
        int lines = 0;
        int numbers = 0;
        for (JsonNode result : body.path("data").path("result")) {
            if (type.equals("streams")) {
                lines += result.path("values").size();
            } else if (type.equals("vector")) {
                numbers += numeric(result.path("value").path(1).asString("NaN")) ? 1 : 0;
            } else if (type.equals("matrix")) {
                JsonNode values = result.path("values");
                numbers += values.size() > 0 && numeric(values.path(values.size() - 1).path(1).asString("NaN")) ? 1 : 0;
            }
        }
        if (type.equals("streams")) {
            return lines == 0 ? "no lines" : "ok " + lines + " lines";
        }
        return numbers == 0 ? "empty result (" + type + ")" : "ok " + numbers + " series";
    }

    private static boolean numeric(String value) {
        return !value.equals("NaN") && !value.endsWith("Inf");
    }

    /** "ok N series" or why not. */
    static String run(String prometheus, String expr) throws InterruptedException {
        URI uri = URI.create(prometheus + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (!"success".equals(body.path("status").asString(""))) {
                return "error: " + body.path("error").asString(response.body());
            }
            int numbers = 0;
            int series = 0;
            for (JsonNode result : body.path("data").path("result")) {
                series++;
                String value = result.path("value").path(1).asString("NaN");
                if (!value.equals("NaN") && !value.endsWith("Inf")) {
                    numbers++;
                }
            }
            if (series == 0) {
                return "empty result";
            }
            return numbers == 0 ? "only NaN values (" + series + " series)" : "ok " + numbers + " series";
        } catch (IOException | RuntimeException e) {
            return "unreachable: " + e;
        }
    }
}
