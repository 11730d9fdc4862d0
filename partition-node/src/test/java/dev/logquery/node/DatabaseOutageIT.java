package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.HealthJson;
import dev.logquery.node.support.RestartablePostgres;
import dev.logquery.node.support.StoredLines;
import dev.logquery.node.support.TestLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The node's own PostgreSQL stops ({@code pg_ctl stop -m fast}) while lines keep arriving, and starts
 * again with its data on the same port. While it is down the node reports DOWN within seconds and its
 * internal API answers 503 problems at once; once it is back the node is UP again by itself and has
 * stored exactly the lines sent.
 */
class DatabaseOutageIT {

    static final String TOPIC = "pod-logs";
    static EmbeddedKafkaKraftBroker kafka;
    static RestartablePostgres postgres;
    static ConfigurableApplicationContext node;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 2);
        kafka.afterPropertiesSet();
        kafka.addTopics(new NewTopic(TOPIC, 2, (short) 1));
        postgres = new RestartablePostgres();
        node = new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                "--server.port=0",
                "--management.endpoint.health.show-details=always", // the test reads components' details
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--logquery.node.shard=0",
                "--logquery.node.shard-count=1",
                "--logquery.node.redis-url=",
                "--logquery.node.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--logquery.node.batch.max-wait=100ms");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    static int port() {
        return ((WebServerApplicationContext) node).getWebServer().getPort();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port() + path))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> query() throws Exception {
        String body = "{\"startTime\":\"2020-01-01T00:00:00Z\",\"endTime\":\"2100-01-01T00:00:00Z\",\"limit\":10}";
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port() + "/internal/query"))
                .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HealthJson health() throws Exception {
        return HealthJson.parse(get("/actuator/health").body());
    }

    /** Sends {@code batches} batches of lines, one every 250 ms, and returns them as the node must store them. */
    static CompletableFuture<List<StoredLogEntry>> sendSteadily(int batches) {
        return CompletableFuture.supplyAsync(() -> {
            List<StoredLogEntry> sent = new ArrayList<>();
            try {
                for (int i = 0; i < batches; i++) {
                    List<LogEntry> lines = TestLines.generate(100 + i, 300, 6, Instant.now(), Duration.ofHours(2));
                    sent.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC, lines, 1));
                    Thread.sleep(250);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return sent;
        });
    }

    @Test
    void theNodeIsDownWhileItsDatabaseIsAndRecoversWithEveryLineStoredOnce() throws Exception {
        CompletableFuture<List<StoredLogEntry>> sending = sendSteadily(60);
        Await.until(Duration.ofSeconds(60), "ingest under way", () -> postgres.count("SELECT count(*) FROM logs"),
                n -> n >= 1_000);
        assertThat(health().status()).isEqualTo("UP");

        postgres.stop();
        long stoppedAt = System.nanoTime();
        // The ingest component may turn DOWN first (a failed batch), the database probe within its next second.
        HealthJson down = Await.until(Duration.ofSeconds(15), "the node to report DOWN for its database",
                DatabaseOutageIT::health, h -> h.status().equals("DOWN") && "DOWN".equals(h.status("database")));
        Duration detected = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertThat(detected).as("time to report the outage").isLessThan(Duration.ofSeconds(10));
        assertThat(down.status("database")).isEqualTo("DOWN");
        assertThat(get("/actuator/health").statusCode()).isEqualTo(503);

        long asked = System.nanoTime();
        HttpResponse<String> answer = query();
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("time to refuse a query").isLessThan(Duration.ofSeconds(2));
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(answer.body()).contains("database unavailable").doesNotContain("Exception\\n\\tat ");
        HttpResponse<String> metadata = get("/internal/metadata");
        assertThat(metadata.statusCode()).isEqualTo(503);
        assertThat(metadata.body()).contains("database unavailable");

        Thread.sleep(5_000); // lines keep arriving in Kafka; the writer retries with backoff
        postgres.start();
        HealthJson up = Await.until(Duration.ofSeconds(30), "the node to report UP again", DatabaseOutageIT::health,
                h -> h.status().equals("UP"));
        assertThat(up.status("database")).isEqualTo("UP");
        assertThat(query().statusCode()).isEqualTo(200);
        assertThat(get("/internal/metadata").statusCode()).isEqualTo(200);

        List<StoredLogEntry> sent = sending.get(120, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(60), "every line stored", () -> postgres.count("SELECT count(*) FROM logs"),
                n -> n >= sent.size());
        Thread.sleep(500); // a duplicate would arrive with a later batch: give it the chance to show
        try (Connection c = postgres.connect()) {
            StoredLines.assertExactly(c, sent);
        }
        assertThat(health().detail("ingest", "state")).isEqualTo("RUNNING");
    }
}
