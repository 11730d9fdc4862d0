package dev.logquery.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.testkit.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The whole application in backfill mode against the tests' broker ({@link TestKafka}): status endpoint and metrics. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "logquery.producer.mode=backfill",
        "logquery.producer.topic=pod-logs-app-test",
        "logquery.producer.partitions=3",
        "logquery.producer.backfill.lines=300",
        "logquery.producer.backfill.window=1h"})
@DirtiesContext
class LogProducerApplicationTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        registry.add("logquery.kafka.bootstrap-servers", TestKafka::bootstrapServers);
    }

    @Test
    void backfillsAndReportsStatusAndMetrics() throws Exception {
        JsonNode status = Await.until(Duration.ofSeconds(30), "the backfill done (value: the status)",
                () -> json.readTree(get("/api/producer/status")),
                s -> s.get("state").asString().equals("backfill_done"));
        assertThat(status.get("mode").asString()).isEqualTo("backfill");
        assertThat(status.get("topic").asString()).isEqualTo("pod-logs-app-test");
        assertThat(status.get("linesSent").asLong()).isEqualTo(300);
        assertThat(status.get("errors").asLong()).isZero();
        assertThat(status.get("rate").asDouble()).isEqualTo(50.0);
        assertThat(status.get("backfill").get("submitted").asLong()).isEqualTo(300);
        assertThat(status.get("backfill").get("linesPerSecond").asDouble()).isPositive();

        String prometheus = get("/actuator/prometheus");
        assertThat(prometheus)
                .containsPattern("producer_lines_sent_total\\{[^}]*topic=\"pod-logs-app-test\"[^}]*} 300(\\.0)?\\n")
                .containsPattern("producer_send_errors_total\\{[^}]*} 0(\\.0)?\\n")
                .contains("producer_send_latency_seconds_count")
                .contains("application=\"log-producer\"");
        assertThat(get("/actuator/health")).contains("\"UP\"");
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }
}
