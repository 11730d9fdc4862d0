package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public API with bearer tokens configured, over real HTTP: nothing answers without a valid token but the
 * probes and the scrape endpoint; Bearer and Basic (the token as password, as Grafana sends it) both let in.
 * The coordinator's one shard has no node (a cluster without nodes): authentication happens before any shard
 * would be asked.
 */
class ApiSecurityIT {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static Cluster cluster;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().withoutNodes().coordinator()
                .coordinator("logquery.coordinator.auth.tokens", "team-a-token,team-b-token")
                .coordinator("logquery.coordinator.max-viewers-per-client", "2")
                .start();
        base = cluster.coordinator().url();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    static HttpResponse<String> get(String path, String authorization) {
        return authorization == null ? Http.get(base + path) : Http.get(base + path, "Authorization", authorization);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void withoutAValidTokenEveryApiPathIs401WithAProblemAndAChallenge() throws Exception {
        for (String path : new String[] {"/api/query/stats", "/api/tail", "/actuator/metrics", "/loki/api/v1/labels",
                "/no/such/path"}) {
            for (String auth : new String[] {null, "Bearer wrong", basic("grafana", "wrong"), "Bearer", "Digest x",
                    "Bearer team-a-token-but-longer"}) {
                HttpResponse<String> r = get(path, auth);
                assertThat(r.statusCode()).as("%s with %s", path, auth).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"logquery\"");
                JsonNode problem = JSON.readTree(r.body());
                assertThat(problem.get("status").asInt()).isEqualTo(401);
                assertThat(problem.get("header").asString()).isEqualTo("Authorization");
            }
        }
        HttpResponse<String> post = Http.postJson(base + "/api/query/logs", "{}");
        assertThat(post.statusCode()).as("a query without token is refused before its body is read").isEqualTo(401);
    }

    @Test
    void bearerOrBasicWithAConfiguredTokenLetsIn() throws Exception {
        assertThat(get("/api/query/stats", "Bearer team-a-token").statusCode()).isEqualTo(200);
        assertThat(get("/api/query/stats", "Bearer team-b-token").statusCode()).isEqualTo(200);
        assertThat(get("/api/query/stats", basic("grafana", "team-b-token")).statusCode()).isEqualTo(200);
        assertThat(get("/api/query/stats", basic("", "team-a-token")).statusCode()).isEqualTo(200);
        HttpResponse<String> bad = Http.postJson(base + "/api/query/logs", "{}", "Authorization", "Bearer team-a-token");
        assertThat(bad.statusCode()).as("authenticated, then validated").isEqualTo(400);
    }

    @Test
    void eachClientHasItsOwnShareOfTailStreams() throws Exception {
        List<InputStream> open = new ArrayList<>();
        try {
            open.add(tail("team-a-token", 200));
            open.add(tail("team-a-token", 200));
            HttpResponse<InputStream> third = Http.client().send(tailRequest("team-a-token"), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(third.statusCode()).as("team a's third stream").isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(new String(third.body().readAllBytes(), StandardCharsets.UTF_8)).contains("2 live-tail streams");
            open.add(tail("team-b-token", 200)); // another client's share is untouched

            open.remove(0).close(); // team a closes one: its share comes back once the server saw the close
            Await.until(Duration.ofSeconds(20), "team a may open a stream again", () -> {
                HttpResponse<InputStream> r = Http.client().send(tailRequest("team-a-token"), HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() == 200) {
                    open.add(r.body());
                } else {
                    r.body().close();
                }
                return r.statusCode();
            }, code -> code == 200);
        } finally {
            for (InputStream in : open) {
                in.close();
            }
        }
    }

    static HttpRequest tailRequest(String token) {
        return HttpRequest.newBuilder(URI.create(base + "/api/tail")).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(20)).build();
    }

    static InputStream tail(String token, int status) throws Exception {
        HttpResponse<InputStream> r = Http.client().send(tailRequest(token), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(status);
        return r.body();
    }

    @Test
    void probesAndScrapingNeedNoToken() throws Exception {
        // the web UI's page and assets hold no data: they load without a token (its API calls need one)
        assertThat(get("/", null).statusCode()).isEqualTo(200);
        assertThat(get("/ui/app.js", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health", null).statusCode()).isIn(200, 503);
        HttpResponse<String> prometheus = get("/actuator/prometheus", null);
        assertThat(prometheus.statusCode()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void sensitiveActuatorEndpointsAreNotExposed() throws Exception {
        for (String path : new String[] {"/actuator/env", "/actuator/heapdump", "/actuator/threaddump",
                "/actuator/configprops", "/actuator/shutdown", "/actuator/beans", "/actuator/loggers"}) {
            assertThat(get(path, "Bearer team-a-token").statusCode()).as(path).isEqualTo(404);
        }
    }
}
