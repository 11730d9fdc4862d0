package dev.logquery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bearer tokens configured: pushing needs one (Bearer, or Basic with the token as password, as Loki clients send),
 * health and metrics stay open. Kafka was never reachable here (no broker at all): a push with a valid token is
 * answered 503 with {@code Retry-After} within the producer's {@code max.block.ms}, never a hang.
 */
class GatewayAuthIT {

    private static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().withoutNodes().gateway("logquery.gateway.auth.tokens", "s3cret,other").start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<String> push(String... headers) {
        String json = "{\"streams\":[{\"stream\":{\"app\":\"auth\"},\"values\":[[\""
                + Instant.now().toEpochMilli() * 1_000_000L + "\",\"hello\"]]}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cluster.gateway().url() + "/loki/api/v1/push"))
                .timeout(Http.TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return Http.send(b.build());
    }

    @Test
    void pushingNeedsATokenProbesDoNot() {
        HttpResponse<String> r = push();
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"logquery\"");
        assertThat(r.body()).contains("Authorization header is missing");
        assertThat(push("Authorization", "Bearer wrong").statusCode()).isEqualTo(401);

        assertThat(Http.get(cluster.gateway().url() + "/actuator/prometheus").statusCode()).isEqualTo(200);
        // Open, and DOWN: Kafka cannot be reached.
        assertThat(Http.get(cluster.gateway().url() + "/actuator/health").statusCode()).isEqualTo(503);
    }

    @Test
    void aValidTokenIsLetInAndKafkaNeverReachedIs503Quickly() {
        long start = System.nanoTime();
        HttpResponse<String> r = push("Authorization", "Bearer s3cret");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(r.body()).contains("Kafka");

        String basic = Base64.getEncoder().encodeToString("tenant-1:other".getBytes(StandardCharsets.UTF_8));
        assertThat(push("Authorization", "Basic " + basic).statusCode()).isEqualTo(503);
    }
}
