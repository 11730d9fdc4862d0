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
 * that scrapes the running system, for {@code setup.sh check-dashboards}:
 *
 * <pre>java -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.DashboardCheck http://localhost:9090 grafana/dashboards</pre>
 *
 * <p>A query passes when Prometheus answers {@code success} with at least one series whose latest value is
 * a number (a {@code NaN}, such as a latency quantile with no queries in its window, does not count).
 * Prints one line per query. Exit status 0 when all pass, 1 when any does not, 2 on bad usage.
 */
public final class DashboardCheck {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One panel query and where it is. */
    record PanelQuery(String dashboard, String panel, String expr) {
    }

    private DashboardCheck() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: DashboardCheck <prometheus url> <dashboards directory>");
            System.exit(2);
        }
        String prometheus = args[0].replaceAll("/+$", "");
        List<PanelQuery> queries = queries(Path.of(args[1]));
        if (queries.isEmpty()) {
            System.err.println("no panel queries found in " + args[1]);
            System.exit(2);
        }
        int failed = 0;
        for (PanelQuery q : queries) {
            String verdict = run(prometheus, q.expr());
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
                    out.add(new PanelQuery(dashboard, panel.path("title").asString(""), expr));
                }
            }
            collect(dashboard, panel.path("panels"), out);
        }
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
