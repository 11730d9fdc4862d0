package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.TestLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code logquery.node.retention} on a real PostgreSQL and Kafka: a node that kept 30 days ingests six days of
 * lines (daily partitions, chunks); the same database restarted with a retention of 2 days drops the partitions
 * before the day of {@code now - 2d}, their chunks and old rejected records, and serves metadata and queries
 * without them; lines older than 2 days are refused as {@code too_old}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionIT {

    static final String TOPIC = "pod-logs";
    static final int LINES = 600;
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'logs_'yyyyMMdd");
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static EmbeddedKafkaKraftBroker kafka;
    static Databases databases;
    static ConfigurableApplicationContext node;
    static Instant start;
    static List<LogEntry> lines;
    /** The start of the UTC day of {@code now - 2d}: what is before it goes. */
    static Instant boundary;

    static ConfigurableApplicationContext node(String retention, String interval) {
        return new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                "--server.port=0",
                "--spring.datasource.url=" + databases.jdbcUrl(0),
                "--logquery.node.shard=0",
                "--logquery.node.shard-count=1",
                "--logquery.node.redis-url=",
                "--logquery.node.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--logquery.node.batch.max-wait=50ms",
                "--logquery.node.retention=" + retention,
                "--logquery.node.retention-interval=" + interval);
    }

    @BeforeAll
    static void sixDaysThenTwo() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 1);
        kafka.afterPropertiesSet();
        kafka.addTopics(new NewTopic(TOPIC, 1, (short) 1));
        databases = Databases.start(1);
        start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        lines = TestLines.generate(5, LINES, 4, start, Duration.ofDays(6));
        node = node("30d", "1h");
        TestLines.send(kafka.getBrokersAsString(), TOPIC, lines);
        Await.until(Duration.ofSeconds(60), "six days of lines stored",
                () -> databases.queryLong(0, "SELECT count(*) FROM logs"), n -> n == LINES);
        assertThat(databases.queryLong(0, "SELECT count(*) FROM chunks WHERE hour < now() - interval '3 days'"))
                .as("old chunks before the retention").isPositive();
        node.close();
        // One rejected record from five days ago, one from now.
        try (Connection c = databases.connect(0); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO rejected_records (kafka_partition, kafka_offset, reason, payload_bytes, rejected_at)"
                        + " VALUES (0, ?, 'test', 0, ?)")) {
            ps.setLong(1, 1_000_001);
            ps.setTimestamp(2, Timestamp.from(start.minus(Duration.ofDays(5))));
            ps.executeUpdate();
            ps.setLong(1, 1_000_002);
            ps.setTimestamp(2, Timestamp.from(start));
            ps.executeUpdate();
        }

        boundary = LocalDate.ofInstant(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC).atStartOfDay()
                .toInstant(ZoneOffset.UTC);
        node = node("2d", "500ms");
        Await.until(Duration.ofSeconds(30), "partitions before " + boundary + " dropped", RetentionIT::partitionDays,
                days -> !days.isEmpty() && days.stream().noneMatch(d -> d.atStartOfDay().toInstant(ZoneOffset.UTC)
                        .isBefore(boundary)));
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

    static List<LocalDate> partitionDays() throws Exception {
        List<LocalDate> days = new ArrayList<>();
        try (Connection c = databases.connect(0); ResultSet rs = c.createStatement().executeQuery(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid"
                        + " JOIN pg_class parent ON parent.oid = i.inhparent"
                        + " WHERE parent.relname = 'logs' AND child.relname ~ '^logs_[0-9]{8}$'")) {
            while (rs.next()) {
                days.add(LocalDate.parse(rs.getString(1), PARTITION));
            }
        }
        return days;
    }

    static long kept() {
        return lines.stream().filter(l -> !l.timestamp().isBefore(boundary)).count();
    }

    static String base() {
        return "http://localhost:" + ((WebServerApplicationContext) node).getWebServer().getPort();
    }

    static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static long queryRows(Instant from, Instant to) throws Exception {
        String body = "{\"startTime\":\"" + from + "\",\"endTime\":\"" + to + "\",\"limit\":10000}";
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + "/internal/query"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body().lines().filter(l -> !l.isEmpty()).count();
    }

    static double metric(String name, String label) throws Exception {
        String prometheus = get("/actuator/prometheus").body();
        Matcher m = Pattern.compile("(?m)^" + name + "\\{([^}]*)} (\\S+)$").matcher(prometheus);
        while (m.find()) {
            if (m.group(1).contains(label)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError(name + "{" + label + "} is not exported");
    }

    @Test
    void oldPartitionsAndTheirChunksAreGoneAndRecentOnesStay() throws Exception {
        assertThat(kept()).as("the test keeps some lines and drops some").isBetween(1L, LINES - 1L);
        List<LocalDate> days = partitionDays();
        LocalDate firstKept = LocalDate.ofInstant(boundary, ZoneOffset.UTC);
        assertThat(days).contains(firstKept, firstKept.plusDays(1), firstKept.plusDays(2));
        assertThat(databases.queryLong(0, "SELECT count(*) FROM logs")).isEqualTo(kept());
        try (Connection c = databases.connect(0); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM chunks WHERE hour < ?")) {
            ps.setTimestamp(1, Timestamp.from(boundary));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("chunks before the boundary").isZero();
            }
        }
        assertThat(databases.queryLong(0, "SELECT coalesce(sum(row_count), 0) FROM chunks")).isEqualTo(kept());
        assertThat(databases.queryLong(0, "SELECT count(*) FROM rejected_records WHERE reason = 'test'"))
                .as("the old rejected record deleted, the recent one kept").isEqualTo(1);
        assertThat(databases.queryLong(0, "SELECT kafka_offset FROM rejected_records WHERE reason = 'test'"))
                .isEqualTo(1_000_002);
    }

    @Test
    void metadataAndQueriesNoLongerSeeTheDroppedDays() throws Exception {
        JsonNode metadata = JSON.readTree(get("/internal/metadata").body());
        assertThat(metadata.path("rowCount").asLong()).isEqualTo(kept());
        assertThat(metadata.path("chunks").size()).isPositive();
        for (JsonNode chunk : metadata.path("chunks")) {
            assertThat(Instant.parse(chunk.path("hour").asString())).isAfterOrEqualTo(boundary);
        }
        assertThat(Instant.parse(metadata.path("minTime").asString())).isAfterOrEqualTo(boundary);
        assertThat(queryRows(start.minus(Duration.ofDays(7)), start.plusSeconds(1))).isEqualTo(kept());
        assertThat(queryRows(start.minus(Duration.ofDays(7)), boundary.minusNanos(1000))).isZero();
    }

    @Test
    void theRetentionIsMeasured() throws Exception {
        assertThat(metric("retention_partitions_dropped_total", "shard=\"0\""))
                .isGreaterThanOrEqualTo(3); // days -6..-3 at least
        assertThat(metric("retention_rows_dropped_total", "shard=\"0\"")).isEqualTo(LINES - kept());
        double oldestAge = metric("retention_oldest_line_age_seconds", "shard=\"0\"");
        assertThat(oldestAge).isPositive().isLessThanOrEqualTo(Duration.between(boundary, Instant.now()).toSeconds() + 1);
    }

    @Test
    @Order(Integer.MAX_VALUE) // adds lines: after the tests that count them
    void linesOlderThanTheRetentionAreRefusedAsTooOld() throws Exception {
        long before = databases.queryLong(0, "SELECT count(*) FROM logs");
        double refusedBefore = metric("ingest_records_rejected_total", "reason=\"too_old\"");
        List<LogEntry> old = TestLines.generate(8, 20, 2, Instant.now().minus(Duration.ofDays(3)), Duration.ofHours(12));
        List<LogEntry> fresh = TestLines.generate(9, 5, 2, Instant.now(), Duration.ofMinutes(1));
        List<LogEntry> both = new ArrayList<>(old);
        both.addAll(fresh);
        TestLines.send(kafka.getBrokersAsString(), TOPIC, both);
        Await.until(Duration.ofSeconds(30), "the fresh lines stored",
                () -> databases.queryLong(0, "SELECT count(*) FROM logs"), n -> n >= before + fresh.size());
        assertThat(databases.queryLong(0, "SELECT count(*) FROM logs")).isEqualTo(before + fresh.size());
        assertThat(databases.queryLong(0, "SELECT count(*) FROM rejected_records WHERE reason LIKE 'too_old: %'"))
                .isEqualTo(old.size());
        assertThat(metric("ingest_records_rejected_total", "reason=\"too_old\"") - refusedBefore).isEqualTo(old.size());
        assertThat(partitionDays()).as("no partition made again for the refused lines")
                .allMatch(d -> !d.atStartOfDay().toInstant(ZoneOffset.UTC).isBefore(boundary));
    }
}
