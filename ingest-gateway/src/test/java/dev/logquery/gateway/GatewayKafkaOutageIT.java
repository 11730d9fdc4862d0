package dev.logquery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka stops: a push is answered 503 with {@code Retry-After} within the send timeout (never 2xx for lines Kafka
 * did not acknowledge, never a hang); Kafka is back: pushes succeed again and their lines are in the topic.
 */
class GatewayKafkaOutageIT {

    private static Cluster cluster;

    @BeforeAll
    static void start() throws Exception {
        // A small in-flight bound: a push larger than all of it is refused as too large (413).
        cluster = Cluster.builder().restartableKafka().gateway("logquery.gateway.send-timeout", "4s")
                .gateway("logquery.gateway.max-in-flight-bytes", "2KB").start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<String> push(String service, String line) {
        return push(service, line, 1);
    }

    /** {@code copies} lines of {@code service}, each {@code line} with its number. */
    private static HttpResponse<String> push(String service, String line, int copies) {
        String nanos = Long.toString(Instant.now().toEpochMilli() * 1_000_000L);
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < copies; i++) {
            values.append(i == 0 ? "" : ",").append("[\"").append(nanos).append("\",\"").append(line).append(' ')
                    .append(i).append("\"]");
        }
        String json = "{\"streams\":[{\"stream\":{\"app\":\"" + service + "\"},\"values\":[" + values + "]}]}";
        return Http.send(HttpRequest.newBuilder(URI.create(cluster.gateway().url() + "/loki/api/v1/push"))
                .timeout(Http.TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    @Test
    void kafkaDownIs503WithRetryAfterThenRecovers() throws Exception {
        assertThat(push("before", "written before the outage").statusCode()).isEqualTo(204);
        HttpResponse<String> tooBig = push("before", "z".repeat(200), 20);
        assertThat(tooBig.statusCode()).as("a push larger than the whole in-flight bound").isEqualTo(413);
        cluster.kafka().stop();
        try {
            long start = System.nanoTime();
            HttpResponse<String> r = push("during", "kafka is down");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(r.body()).contains("Kafka");
            assertThat(took).isLessThan(Duration.ofSeconds(15));

            Await.until(Duration.ofSeconds(30), "health reports Kafka DOWN", () ->
                    Http.get(cluster.gateway().url() + "/actuator/health").statusCode(), s -> s == 503);
        } finally {
            cluster.kafka().start();
        }
        Await.until(Duration.ofSeconds(90), "a push succeeds once Kafka is back",
                () -> push("after", "written after the outage").statusCode(), s -> s == 204);
        try (TopicLines topic = new TopicLines(cluster.kafka().bootstrapServers(), cluster.topic())) {
            Await.until(Duration.ofSeconds(60), "the line pushed after the outage is in the topic",
                    () -> topic.ofService("after").size(), n -> n >= 1);
            assertThat(topic.ofService("before")).hasSize(1);
        }
        Await.until(Duration.ofSeconds(30), "health reports UP again", () ->
                Http.get(cluster.gateway().url() + "/actuator/health").statusCode(), s -> s == 200);
    }
}
