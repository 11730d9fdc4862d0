package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.HealthJson;
import dev.logquery.node.support.StoredLines;
import dev.logquery.node.support.TestLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Issue 14, item 1: PostgreSQL answers "could not extend file ...: No space left on device" (SQLSTATE 53100)
 * while the node writes its batches. A real full disk cannot be made here; a trigger on {@code logs} raises
 * exactly that error in the node's {@code COPY}, on a real PostgreSQL. The batch is not rejected (nothing in
 * {@code rejected_records}), nothing is stored and no offset moves; {@code ingest} turns DOWN with the reason
 * "disk full"; once writes succeed again (the trigger dropped) the node stores every line exactly once and is
 * UP again by itself.
 */
class DiskFullIT {

    static final String TOPIC = "pod-logs";
    static EmbeddedKafkaKraftBroker kafka;
    static Databases databases;
    static ConfigurableApplicationContext node;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 2);
        kafka.afterPropertiesSet();
        kafka.addTopics(new NewTopic(TOPIC, 2, (short) 1));
        databases = Databases.start(1);
        node = new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                "--server.port=0",
                "--management.endpoint.health.show-details=always", // the test reads the ingest details
                "--spring.datasource.url=" + databases.jdbcUrl(0),
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
        if (databases != null) {
            databases.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    static HealthJson health() throws Exception {
        int port = ((WebServerApplicationContext) node).getWebServer().getPort();
        return HealthJson.parse(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                + "/actuator/health")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    static void sql(String statement) throws Exception {
        try (Connection c = databases.connect(0); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    static long count(String sql) throws Exception {
        return databases.queryLong(0, sql);
    }

    @Test
    void aFullDiskStopsIngestWithoutRejectingOrSkippingAndItResumesByItself() throws Exception {
        List<StoredLogEntry> sent = new ArrayList<>();
        sent.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC,
                TestLines.generate(91, 300, 6, Instant.now(), Duration.ofHours(1)), 1));
        Await.until(Duration.ofSeconds(60), "first lines stored", () -> count("SELECT count(*) FROM logs"),
                n -> n >= sent.size());
        long offsetsBefore = count("SELECT sum(next_offset) FROM kafka_offsets");

        sql("""
                CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'could not extend file "base/5/16404.1": No space left on device'
                    USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
                END $$""");
        sql("CREATE TRIGGER disk_full BEFORE INSERT ON logs FOR EACH ROW EXECUTE FUNCTION disk_full()");
        sent.addAll(TestLines.sendTracked(kafka.getBrokersAsString(), TOPIC,
                TestLines.generate(92, 500, 6, Instant.now(), Duration.ofHours(1)), 1));

        HealthJson down = Await.until(Duration.ofSeconds(30), "ingest DOWN saying disk full", DiskFullIT::health,
                h -> h.status("ingest").equals("DOWN"));
        assertThat(down.detail("ingest", "reason")).as("%s", down).startsWith("disk full").contains("53100");
        assertThat(down.detail("ingest", "state")).isEqualTo("RETRYING");
        assertThat(down.status()).isEqualTo("DOWN");
        assertThat(down.status("database")).as("PostgreSQL itself answers").isEqualTo("UP");
        assertThat(count("SELECT count(*) FROM rejected_records")).as("nothing rejected for a full disk").isZero();
        assertThat(count("SELECT count(*) FROM logs")).isEqualTo(300);
        assertThat(count("SELECT sum(next_offset) FROM kafka_offsets")).as("no offset moved").isEqualTo(offsetsBefore);

        sql("DROP TRIGGER disk_full ON logs");
        HealthJson up = Await.until(Duration.ofSeconds(30), "ingest UP again", DiskFullIT::health,
                h -> h.status().equals("UP") && h.detail("ingest", "state").equals("RUNNING"));
        assertThat(up.hasDetail("ingest", "reason")).as("%s", up).isFalse();
        long end = sent.stream().collect(Collectors.toMap(StoredLogEntry::kafkaPartition, s -> s.offset() + 1,
                Math::max)).values().stream().mapToLong(Long::longValue).sum(); // the sum of the log ends
        Await.until(Duration.ofSeconds(60), "every offset stored", () -> count("SELECT sum(next_offset) FROM kafka_offsets"),
                n -> n == end);
        try (Connection c = databases.connect(0)) {
            StoredLines.assertExactly(c, sent);
        }
        assertThat(count("SELECT count(*) FROM rejected_records")).isZero();
    }
}
