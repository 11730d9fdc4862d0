package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.tail.SseViewer;
import dev.logquery.node.support.Await;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * A coordinator whose Kafka is away (nothing listens at its bootstrap address) starts, is healthy, and serves
 * tail viewers: they get the greeting and heartbeats, and no line, until Kafka is back.
 */
class TailWithoutKafkaIT {

    @Test
    void aCoordinatorWhoseKafkaIsAwayStartsHealthyAndKeepsItsViewersWithHeartbeats() throws Exception {
        int nothingThere;
        try (ServerSocket s = new ServerSocket(0)) {
            nothingThere = s.getLocalPort();
        }
        try (ConfigurableApplicationContext coordinator = new SpringApplicationBuilder(CoordinatorApplication.class).run(
                "--server.port=0",
                "--spring.autoconfigure.exclude=" + QueryPathIT.EXCLUDED_AUTO_CONFIGURATION,
                "--logquery.coordinator.tail.bootstrap-servers=localhost:" + nothingThere,
                "--logquery.coordinator.redis-url=", // not the local stack's Redis either
                "--logquery.coordinator.shards[0].id=0", // not the default ports, where a local stack may run
                "--logquery.coordinator.shards[0].url=http://localhost:" + nothingThere,
                "--logquery.coordinator.tail.heartbeat=300ms")) {
            int port = ((WebServerApplicationContext) coordinator).getWebServer().getPort();
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + port + "/actuator/health"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JsonMapper.builder().build().readTree(health.body()).get("status").asString()).isEqualTo("UP");

            SseViewer viewer = SseViewer.fast("http://localhost:" + port + "/api/tail?service=x");
            try {
                Await.until(Duration.ofSeconds(10), "heartbeats", () -> viewer.named("comment").stream()
                        .filter(e -> e.data().equals("heartbeat")).count(), n -> n >= 2);
                assertThat(viewer.status).isEqualTo(200);
                assertThat(viewer.connected()).isTrue();
                assertThat(viewer.lines()).isEmpty();
            } finally {
                viewer.close();
            }
            MeterRegistry registry = coordinator.getBean(MeterRegistry.class);
            Await.until(Duration.ofSeconds(10), "the viewer released", () -> registry.get("tail.viewers").gauge().value(),
                    n -> n == 0);
        }
    }
}
