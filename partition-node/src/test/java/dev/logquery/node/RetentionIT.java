package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.Prometheus;
import dev.logquery.testkit.services.Postgres;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code logquery.node.retention} on a real PostgreSQL and Kafka: a node that kept 30 days ingests six days of
 * lines (daily partitions, chunks); the same database restarted with a retention of 2 days drops the partitions
 * before the day of {@code now - 2d}, their chunks and old rejected records, and serves metadata and queries
 * without them; lines older than 2 days are refused as {@code too_old}.
 */
class RetentionIT {

    static final int LINES = 600;
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final DateTimeFormatter PARTITION = DateTimeFormatter.ofPattern("'logs_'yyyyMMdd");
    /** One node that kept 30 days until it stored the six days, then is restarted with a retention of 2 days. */
    static Cluster cluster;
    static Postgres db;
    static Instant start;
    static List<LogEntry> sixDays;
    /** Every line the node stored: the six days and what tests wrote later. */
    static final List<LogEntry> stored = new ArrayList<>();
    /** The start of the UTC day of {@code now - 2d}: what is before it goes. */
    static Instant boundary;


    @BeforeAll
    static void sixDaysThenTwo() throws Exception {
        cluster = Cluster.builder().partitions(1).node("logquery.node.batch.max-wait", "50ms")
                .node("logquery.node.retention", "30d").node("logquery.node.retention-interval", "1h").start();
        db = cluster.database(0);
        start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        sixDays = KnownLines.generate(5, LINES, 4, start, Duration.ofDays(6));
        cluster.awaitStored(cluster.write(sixDays), Duration.ofSeconds(60));
        stored.addAll(sixDays);
        assertThat(db.queryLong("SELECT count(*) FROM chunks WHERE hour < now() - interval '3 days'"))
                .as("old chunks before the retention").isPositive();
        cluster.node(0).stop();
        // One rejected record from five days ago, one from now.
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
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
        cluster.restartNode(0, 0, "logquery.node.retention", "2d", "logquery.node.retention-interval", "500ms");
        Await.until(Duration.ofSeconds(30), "partitions before " + boundary + " dropped", RetentionIT::partitionDays,
                days -> !days.isEmpty() && days.stream().noneMatch(d -> d.atStartOfDay().toInstant(ZoneOffset.UTC)
                        .isBefore(boundary)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    static List<LocalDate> partitionDays() throws Exception {
        List<LocalDate> days = new ArrayList<>();
        try (Connection c = db.connect(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid"
                        + " JOIN pg_class parent ON parent.oid = i.inhparent"
                        + " WHERE parent.relname = 'logs' AND child.relname ~ '^logs_[0-9]{8}$'")) {
            while (rs.next()) {
                days.add(LocalDate.parse(rs.getString(1), PARTITION));
            }
        }
        return days;
    }

    /** Lines the node keeps: those it stored from the boundary on. */
    static long kept() {
        return stored.stream().filter(l -> !l.timestamp().isBefore(boundary)).count();
    }

    /** Lines of the six days before the boundary, which the retention dropped. */
    static long dropped() {
        return sixDays.stream().filter(l -> l.timestamp().isBefore(boundary)).count();
    }

    static HttpResponse<String> get(String path) {
        return Http.get(cluster.node(0).url() + path);
    }

    static long queryRows(Instant from, Instant to) {
        String body = "{\"startTime\":\"" + from + "\",\"endTime\":\"" + to + "\",\"limit\":10000}";
        HttpResponse<String> response = Http.postJson(cluster.node(0).url() + "/internal/query", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body().lines().filter(l -> !l.isEmpty()).count();
    }

    static double metric(String name, String label) throws Exception {
        return Prometheus.value(get("/actuator/prometheus").body(), name, label);
    }

    @Test
    void oldPartitionsAndTheirChunksAreGoneAndRecentOnesStay() throws Exception {
        assertThat(dropped()).as("the test drops some lines and keeps some").isBetween(1L, LINES - 1L);
        List<LocalDate> days = partitionDays();
        LocalDate firstKept = LocalDate.ofInstant(boundary, ZoneOffset.UTC);
        assertThat(days).contains(firstKept, firstKept.plusDays(1), firstKept.plusDays(2));
        assertThat(db.storedLines()).isEqualTo(kept());
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM chunks WHERE hour < ?")) {
            ps.setTimestamp(1, Timestamp.from(boundary));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("chunks before the boundary").isZero();
            }
        }
        assertThat(db.queryLong("SELECT coalesce(sum(row_count), 0) FROM chunks")).isEqualTo(kept());
        assertThat(db.queryLong("SELECT count(*) FROM rejected_records WHERE reason = 'test'"))
                .as("the old rejected record deleted, the recent one kept").isEqualTo(1);
        assertThat(db.queryLong("SELECT kafka_offset FROM rejected_records WHERE reason = 'test'"))
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
        assertThat(queryRows(start.minus(Duration.ofDays(7)), Instant.now().plusSeconds(1))).isEqualTo(kept());
        assertThat(queryRows(start.minus(Duration.ofDays(7)), boundary.minusNanos(1000))).isZero();
    }

    @Test
    void theRetentionIsMeasured() throws Exception {
        assertThat(metric("retention_partitions_dropped_total", "shard=\"0\""))
                .isGreaterThanOrEqualTo(3); // days -6..-3 at least
        assertThat(metric("retention_rows_dropped_total", "shard=\"0\"")).isEqualTo(dropped());
        double oldestAge = metric("retention_oldest_line_age_seconds", "shard=\"0\"");
        assertThat(oldestAge).isPositive().isLessThanOrEqualTo(Duration.between(boundary, Instant.now()).toSeconds() + 1);
    }

    @Test
    void linesOlderThanTheRetentionAreRefusedAsTooOld() throws Exception {
        long before = db.storedLines();
        double refusedBefore = metric("ingest_records_rejected_total", "reason=\"too_old\"");
        List<LogEntry> old = KnownLines.generate(8, 20, 2, Instant.now().minus(Duration.ofDays(3)), Duration.ofHours(12));
        List<LogEntry> fresh = KnownLines.generate(9, 5, 2, Instant.now(), Duration.ofMinutes(1));
        List<LogEntry> both = new ArrayList<>(old);
        both.addAll(fresh);
        stored.addAll(fresh); // kept by the node, which the other tests count
        cluster.write(both);
        Await.until(Duration.ofSeconds(30), "the fresh lines stored", db::storedLines, n -> n >= before + fresh.size());
        assertThat(db.storedLines()).isEqualTo(before + fresh.size());
        assertThat(db.queryLong("SELECT count(*) FROM rejected_records WHERE reason LIKE 'too_old: %'"))
                .isEqualTo(old.size());
        assertThat(metric("ingest_records_rejected_total", "reason=\"too_old\"") - refusedBefore).isEqualTo(old.size());
        assertThat(partitionDays()).as("no partition made again for the refused lines")
                .allMatch(d -> !d.atStartOfDay().toInstant(ZoneOffset.UTC).isBefore(boundary));
    }
}
