package dev.logquery.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.coordinator.tail.SseViewer;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.HealthJson;
import dev.logquery.testkit.Http;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A coordinator whose Kafka is away (nothing listens at its bootstrap address: a cluster without nodes) starts,
 * is healthy, and serves tail viewers: they get the greeting and heartbeats, and no line, until Kafka is back.
 */
class TailWithoutKafkaIT {

    @Test
    void aCoordinatorWhoseKafkaIsAwayStartsHealthyAndKeepsItsViewersWithHeartbeats() throws Exception {
        try (Cluster cluster = Cluster.builder().withoutNodes().coordinator()
                .coordinator("logquery.coordinator.tail.heartbeat", "300ms").start()) {
            App coordinator = cluster.coordinator();
            HttpResponse<String> health = Http.get(coordinator.url() + "/actuator/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(HealthJson.parse(health.body()).status()).isEqualTo("UP");

            SseViewer viewer = SseViewer.fast(coordinator.url() + "/api/tail?service=x");
            try {
                Await.until(Duration.ofSeconds(10), "heartbeats", () -> viewer.named("comment").stream()
                        .filter(e -> e.data().equals("heartbeat")).count(), n -> n >= 2);
                assertThat(viewer.status).isEqualTo(200);
                assertThat(viewer.connected()).isTrue();
                assertThat(viewer.lines()).isEmpty();
            } finally {
                viewer.close();
            }
            MeterRegistry registry = coordinator.bean(MeterRegistry.class);
            Await.until(Duration.ofSeconds(10), "the viewer released", () -> registry.get("tail.viewers").gauge().value(),
                    n -> n == 0);
        }
    }
}
