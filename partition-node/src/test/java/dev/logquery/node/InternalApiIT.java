package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.query.InternalHeaders;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node's HTTP edge as a stranger sees it, on a real node (PostgreSQL, Kafka) with an internal token:
 * {@code /internal/*} needs the token, no header makes it answer 5xx, the actuator shows only what it
 * should, and {@code limit} is bounded by {@code logquery.node.query.max-limit}.
 */
class InternalApiIT {

    static final String TOKEN = "s3cret-token-for-the-internal-api";
    static final JsonMapper JSON = JsonMapper.builder().build();
    @AutoClose
    static Cluster cluster;
    static Instant end;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().partitions(1).node("logquery.node.batch.max-wait", "50ms")
                .node("logquery.node.query.max-limit", "10000").node("logquery.internal.token", TOKEN).start();
        end = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        cluster.awaitStored(cluster.write(KnownLines.generate(3, 300, 4, end, Duration.ofHours(2))),
                Duration.ofSeconds(60));
    }

    static String base() {
        return cluster.node(0).url();
    }

    static String query(int limit) {
        return "{\"startTime\":\"" + end.minus(Duration.ofHours(3)) + "\",\"endTime\":\"" + end.plusSeconds(1)
                + "\",\"limit\":" + limit + "}";
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        return Http.send(request.timeout(Http.TIMEOUT).build());
    }

    static HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(base() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).GET();
    }

    static long rows(String ndjson) {
        return ndjson.lines().filter(line -> !line.isEmpty()).count();
    }

    static JsonNode problem(HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).as("content type of %s", response.body())
                .hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(response.statusCode());
        return problem;
    }

    // ------------------------------------------------------------------ the token

    @Test
    void withoutTheTokenTheInternalApiAnswers401NamingTheHeader() throws Exception {
        for (HttpRequest.Builder request : List.of(post("/internal/query", query(10)), get("/internal/metadata"))) {
            HttpResponse<String> response = send(request);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
            JsonNode problem = problem(response);
            assertThat(problem.path("detail").asString()).contains(InternalHeaders.TOKEN);
            assertThat(problem.path("header").asString()).isEqualTo(InternalHeaders.TOKEN);
            assertThat(response.body()).doesNotContain(TOKEN);
        }
    }

    @Test
    void aWrongTokenIs401() throws Exception {
        for (String wrong : List.of("", "x", TOKEN.substring(1), TOKEN + "x", TOKEN.toUpperCase(), " " + TOKEN + "y")) {
            HttpResponse<String> response = send(post("/internal/query", query(10)).header(InternalHeaders.TOKEN, wrong));
            assertThat(response.statusCode()).as("token '%s'", wrong).isEqualTo(401);
            assertThat(problem(response).path("detail").asString()).contains(InternalHeaders.TOKEN);
        }
        HttpResponse<String> twice = send(post("/internal/query", query(10)).header(InternalHeaders.TOKEN, "x")
                .header(InternalHeaders.TOKEN, TOKEN));
        assertThat(twice.statusCode()).as("the right token beside a wrong one").isEqualTo(401);
    }

    @Test
    void theRightTokenAnswersRows() throws Exception {
        HttpResponse<String> response = send(post("/internal/query", query(50)).header(InternalHeaders.TOKEN, TOKEN));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(rows(response.body())).isEqualTo(50);
        HttpResponse<String> metadata = send(get("/internal/metadata").header(InternalHeaders.TOKEN, TOKEN));
        assertThat(metadata.statusCode()).isEqualTo(200);
        assertThat(metadata.body()).contains("chunks");
    }

    @Test
    void spellingsOfThePathThatRouteToTheApiNeedTheTokenToo() throws Exception {
        for (String path : List.of("//internal/metadata", "/internal;x=1/metadata", "/%69nternal/metadata",
                "/INTERNAL/metadata", "/internal/metadata/", "/internal/./metadata")) {
            HttpResponse<String> response = send(get(path));
            assertThat(response.statusCode()).as(path).isIn(400, 401, 404);
            assertThat(response.body()).as(path).doesNotContain("chunks");
        }
    }

    @Test
    void healthAndPrometheusNeedNoToken() throws Exception {
        assertThat(send(get("/actuator/health")).statusCode()).isEqualTo(200);
        assertThat(send(get("/actuator/prometheus")).statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ the actuator

    @Test
    void theActuatorExposesOnlyHealthInfoAndPrometheus() throws Exception {
        assertThat(send(get("/actuator/info")).statusCode()).isEqualTo(200);
        for (String path : List.of("/actuator/env", "/actuator/heapdump", "/actuator/threaddump", "/actuator/configprops",
                "/actuator/beans", "/actuator/metrics", "/actuator/loggers", "/actuator/mappings")) {
            HttpResponse<String> response = send(get(path));
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).doesNotContain(TOKEN);
        }
        HttpResponse<String> shutdown = send(post("/actuator/shutdown", ""));
        assertThat(shutdown.statusCode()).isIn(404, 405);
        assertThat(send(get("/actuator/health")).statusCode()).as("still alive").isEqualTo(200);
    }

    @Test
    void healthShowsNoDetailsToAnonymousCallers() throws Exception {
        HttpResponse<String> response = send(get("/actuator/health"));
        JsonNode health = JSON.readTree(response.body());
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.has("components")).as(response.body()).isFalse();
        assertThat(response.body()).doesNotContain("jdbc").doesNotContain("ingest");
    }

    // ------------------------------------------------------------------ no 5xx on any header

    record Bad(String method, String path, String header, String value, int status) {
    }

    @Test
    void malformedHeadersAre4xxProblemsNamingTheHeaderNever5xx() throws Exception {
        List<Bad> corpus = new ArrayList<>();
        for (String accept : List.of("foo", "application/x-ndjson;q=abc", "/", "text/", "*/*;q=2x",
                "application/json;charset=\"", "application/json;charset=nope")) {
            corpus.add(new Bad("POST", "/internal/query", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/internal/metadata", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/actuator/health", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/actuator/prometheus", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/actuator/info", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/actuator", "Accept", accept, 406));
            corpus.add(new Bad("GET", "/no/such/path", "Accept", accept, 406));
        }
        for (String type : List.of("foo", "/", "application/", "*/json")) {
            corpus.add(new Bad("POST", "/internal/query", "Content-Type", type, 415));
            corpus.add(new Bad("POST", "/actuator/health", "Content-Type", type, 415));
        }
        corpus.add(new Bad("POST", "/internal/query", "Content-Type", "application/json; charset=nope", 415));
        corpus.add(new Bad("POST", "/internal/query", "Content-Type", "application/json;charset=\"", 415));
        // Well-formed, but nothing the path can answer.
        corpus.add(new Bad("GET", "/actuator/health", "Accept", "a/b;c", 406));
        corpus.add(new Bad("GET", "/actuator/prometheus", "Accept", "image/png", 406));
        corpus.add(new Bad("POST", "/internal/query", "Content-Type", "application/json; charset=x-no-such-charset", 415));
        List<String> wrong = new ArrayList<>();
        for (Bad bad : corpus) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + bad.path()))
                    .header(InternalHeaders.TOKEN, TOKEN)
                    .method(bad.method(), bad.method().equals("POST") ? HttpRequest.BodyPublishers.ofString(query(10))
                            : HttpRequest.BodyPublishers.noBody());
            if (!bad.header().equals("Content-Type")) {
                request.header("Content-Type", "application/json");
            }
            request.header(bad.header(), bad.value());
            HttpResponse<String> response = send(request);
            String type = response.headers().firstValue("Content-Type").orElse("");
            JsonNode problem = type.equals("application/problem+json") ? JSON.readTree(response.body()) : null;
            if (response.statusCode() != bad.status() || problem == null
                    || problem.path("status").asInt() != bad.status()
                    || !problem.path("detail").asString().contains(bad.header())
                    || !problem.path("header").asString().equals(bad.header())) {
                wrong.add(bad + " -> " + response.statusCode() + " " + type + " " + response.body());
            }
        }
        assertThat(wrong).as("requests not answered as expected").isEmpty();
    }

    @Test
    void otherOddHeadersAreNever5xx() throws Exception {
        String[][] headers = {{"Accept-Language", "x;q=abc"}, {"Accept-Language", "en-US-x-@@@"},
                {"Accept-Charset", "nope"}, {"Accept-Encoding", "gzip;q=x"}, {"If-None-Match", "\"unterminated"},
                {"Forwarded", "for=\"[::1"}, {"X-Forwarded-Host", "a b"}, {"Origin", "http://["}};
        for (String path : List.of("/internal/metadata", "/actuator/health", "/actuator/prometheus")) {
            for (String[] header : headers) {
                HttpResponse<String> response = send(get(path).header(InternalHeaders.TOKEN, TOKEN)
                        .header(header[0], header[1]));
                assertThat(response.statusCode()).as("%s with %s: %s", path, header[0] + ": " + header[1],
                        response.body()).isLessThan(500);
            }
        }
    }

    @Test
    void aBodyPastTheLimitIs413() throws Exception {
        String huge = query(10).replace("}", ",\"contains\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}");
        HttpResponse<String> response = send(post("/internal/query", huge).header(InternalHeaders.TOKEN, TOKEN));
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(problem(response).path("detail").asString()).contains("too large");
    }

    // ------------------------------------------------------------------ limit

    @Test
    void aLimitAboveTheNodesMaximumIs400NamingLimit() throws Exception {
        HttpResponse<String> tooMany = send(post("/internal/query", query(10_001)).header(InternalHeaders.TOKEN, TOKEN));
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(400);
        JsonNode problem = problem(tooMany);
        assertThat(problem.path("field").asString()).isEqualTo("limit");
        assertThat(problem.path("detail").asString()).contains("limit").contains("10000");
        HttpResponse<String> most = send(post("/internal/query", query(10_000)).header(InternalHeaders.TOKEN, TOKEN));
        assertThat(most.statusCode()).isEqualTo(200);
        assertThat(rows(most.body())).isEqualTo(300);
    }
}
