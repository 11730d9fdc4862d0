package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.HealthJson;
import dev.logquery.node.support.KafkaBrokerProcess;
import dev.logquery.node.support.StoredLines;
import dev.logquery.node.support.TestLines;
import java.io.File;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The node's Kafka broker goes away for 30 s while a producer keeps sending (its records wait in the
 * producer) and comes back with its data on the same port. Meanwhile the node stays UP and answers
 * queries, its ingest health says Kafka is unreachable; afterwards it has stored exactly the lines sent:
 * before, during and after the outage.
 */
class KafkaOutageIT {

    static final String TOPIC = "pod-logs";
    static final Duration OUTAGE = Duration.ofSeconds(30);
    static KafkaBrokerProcess kafka;
    static Databases databases;
    static ConfigurableApplicationContext node;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaBrokerProcess(new File("target/kafka-outage-it-broker.log"));
        kafka.createTopic(TOPIC, 2);
        databases = Databases.start(1);
        node = new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                "--server.port=0",
                "--management.endpoint.health.show-details=always", // the test reads components' details
                "--spring.datasource.url=" + databases.jdbcUrl(0),
                "--logquery.node.shard=0",
                "--logquery.node.shard-count=1",
                "--logquery.node.redis-url=",
                "--logquery.node.bootstrap-servers=" + kafka.bootstrapServers(),
                "--logquery.node.batch.max-wait=100ms");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (databases != null) {
            databases.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        int port = ((WebServerApplicationContext) node).getWebServer().getPort();
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> query() throws Exception {
        int port = ((WebServerApplicationContext) node).getWebServer().getPort();
        String body = "{\"startTime\":\"2020-01-01T00:00:00Z\",\"endTime\":\"2100-01-01T00:00:00Z\",\"limit\":10}";
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/internal/query"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    long stored() throws Exception {
        return databases.queryLong(0, "SELECT count(*) FROM logs");
    }

    @Test
    void aThirtySecondBrokerOutageLosesNothingAndDuplicatesNothing() throws Exception {
        List<StoredLogEntry> sent = new ArrayList<>();
        List<LogEntry> before = TestLines.generate(31, 3_000, 6, Instant.now(), Duration.ofHours(2));
        sent.addAll(TestLines.sendTracked(kafka.bootstrapServers(), TOPIC, before, 1));
        Await.until(Duration.ofSeconds(60), "lines sent before the outage stored", this::stored, n -> n >= before.size());

        kafka.stop();
        Instant down = Instant.now();
        // The producer side keeps trying: a producer started during the outage waits for the broker
        // (TestLines' producers wait up to two minutes) and its records are acknowledged once the broker is back.
        List<LogEntry> during = TestLines.generate(32, 2_000, 6, Instant.now(), Duration.ofHours(2));
        CompletableFuture<List<StoredLogEntry>> sending = CompletableFuture.supplyAsync(() -> {
            try {
                return TestLines.sendTracked(kafka.bootstrapServers(), TOPIC, during, 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        HealthJson health = Await.until(Duration.ofSeconds(20), "ingest health to say Kafka is unreachable",
                () -> HealthJson.parse(get("/actuator/health").body()),
                h -> h.detail("ingest", "state").equals("KAFKA_UNREACHABLE"));
        assertThat(health.status()).as("the node while Kafka is away: %s", health).isEqualTo("UP");
        assertThat(health.status("ingest")).isEqualTo("UP");
        assertThat(health.hasDetail("ingest", "kafkaUnreachableSince")).isTrue();
        assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
        HttpResponse<String> answer = query();
        assertThat(answer.statusCode()).as("queries over stored lines while Kafka is away").isEqualTo(200);
        assertThat(answer.body().lines().filter(line -> !line.isEmpty()).count()).isEqualTo(10);
        assertThat(get("/internal/metadata").statusCode()).isEqualTo(200);
        assertThat(sending).isNotDone();
        assertThat(stored()).isEqualTo(before.size());

        Thread.sleep(Math.max(0, Duration.between(Instant.now(), down.plus(OUTAGE)).toMillis()));
        kafka.start();
        sent.addAll(sending.get(90, TimeUnit.SECONDS));
        List<LogEntry> after = TestLines.generate(33, 2_000, 6, Instant.now(), Duration.ofHours(2));
        sent.addAll(TestLines.sendTracked(kafka.bootstrapServers(), TOPIC, after, 1));

        Await.until(Duration.ofSeconds(60), "every line stored", this::stored, n -> n >= sent.size());
        Thread.sleep(500); // a duplicate would arrive with a later batch: give it the chance to show
        try (Connection c = databases.connect(0)) {
            StoredLines.assertExactly(c, sent);
        }
        health = Await.until(Duration.ofSeconds(20), "ingest to report RUNNING again",
                () -> HealthJson.parse(get("/actuator/health").body()), h -> h.detail("ingest", "state").equals("RUNNING"));
        assertThat(health.status()).isEqualTo("UP");
        assertThat(health.hasDetail("ingest", "kafkaUnreachableSince")).isFalse();
    }
}
