package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.node.support.Await;
import dev.logquery.node.support.Databases;
import dev.logquery.node.support.TestLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/**
 * Three partition nodes, each with its own real PostgreSQL, consume a real KRaft broker's topic of six
 * partitions. Lines go in through an ordinary Kafka producer; the truth is the generated lines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeShardIngestIT {

    static final String TOPIC = "pod-logs";
    static final int SHARDS = 3;
    static EmbeddedKafkaKraftBroker kafka;
    static Databases databases;
    static final List<ConfigurableApplicationContext> nodes = new ArrayList<>();
    static final List<LogEntry> sent = new ArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() throws Exception {
        kafka = new EmbeddedKafkaKraftBroker(1, 6);
        kafka.afterPropertiesSet();
        kafka.addTopics(new NewTopic(TOPIC, 6, (short) 1));
        databases = Databases.start(SHARDS);
        for (int shard = 0; shard < SHARDS; shard++) {
            nodes.add(startNode(shard));
        }
    }

    static ConfigurableApplicationContext startNode(int shard) {
        return new SpringApplicationBuilder(PartitionNodeApplication.class).run(
                "--server.port=0",
                "--management.endpoint.health.show-details=always", // the test reads the ingest state
                "--spring.datasource.url=" + databases.jdbcUrl(shard),
                "--logquery.node.shard=" + shard,
                "--logquery.node.shard-count=" + SHARDS,
                "--logquery.node.redis-url=",
                "--logquery.node.bootstrap-servers=" + kafka.getBrokersAsString(),
                "--logquery.node.batch.max-records=3000",
                // Keeps last year's lines (the default partition is under test); 1900 stays too old.
                "--logquery.node.retention=3650d",
                "--logquery.node.batch.max-wait=200ms");
    }

    @AfterAll
    static void stopCluster() throws Exception {
        nodes.forEach(ConfigurableApplicationContext::close);
        if (databases != null) {
            databases.close();
        }
        if (kafka != null) {
            kafka.destroy();
        }
    }

    static long storedRows() throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += databases.queryLong(s, "SELECT count(*) FROM logs");
        }
        return total;
    }

    @Test
    @Order(1)
    void everyLineIsStoredExactlyOnceAndEachServiceOnOneShard() throws Exception {
        // Mostly the last two days (daily partitions) and a few lines from last year (default partition).
        List<LogEntry> lines = new ArrayList<>(TestLines.generate(1, 24_000, 12, Instant.now(), Duration.ofDays(2)));
        lines.addAll(TestLines.generate(2, 1_000, 12, Instant.parse("2025-06-01T00:00:00Z"), Duration.ofDays(3)));
        TestLines.send(kafka.getBrokersAsString(), TOPIC, lines);
        sent.addAll(lines);

        Await.until(Duration.ofSeconds(90), "all lines stored", ThreeShardIngestIT::storedRows, n -> n >= sent.size());
        Thread.sleep(500); // a duplicate would arrive with a later batch: give it the chance to show
        assertThat(storedRows()).isEqualTo(sent.size());

        Map<String, Integer> shardOfService = new HashMap<>();
        List<String> stored = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            assertThat(databases.queryLong(s, "SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d"))
                    .isEqualTo(databases.queryLong(s, "SELECT count(*) FROM logs"));
            assertThat(databases.queryLong(s, "SELECT count(*) FROM logs WHERE kafka_partition % 3 <> ?", s)).isZero();
            try (Connection c = databases.connect(s); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT ts, service, level, namespace, pod, container, message FROM logs")) {
                while (rs.next()) {
                    LogEntry e = new LogEntry(rs.getTimestamp(1).toInstant(), rs.getString(2),
                            LogLevel.fromCode(rs.getShort(3)), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7));
                    stored.add(key(e));
                    Integer previous = shardOfService.putIfAbsent(e.service(), s);
                    assertThat(previous == null ? s : previous).as("shard of %s", e.service()).isEqualTo(s);
                }
            }
        }
        List<String> missing = new ArrayList<>(sent.stream().map(ThreeShardIngestIT::key).toList());
        List<String> extra = new ArrayList<>(stored);
        List<String> common = new ArrayList<>(missing);
        java.util.Collections.sort(missing);
        java.util.Collections.sort(extra);
        missing.removeAll(new HashSet<>(stored));
        extra.removeAll(new HashSet<>(common));
        assertThat(missing).as("sent but not stored").isEmpty();
        assertThat(extra).as("stored but never sent").isEmpty();
        assertThat(new HashSet<>(shardOfService.values())).as("services spread over shards").hasSizeGreaterThan(1);
        // Old lines outside the daily window live in the default partition, recent ones do not.
        assertThat(countAll("SELECT count(*) FROM logs_default")).isEqualTo(1_000);
    }

    static String key(LogEntry e) {
        return Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace() + "|" + e.pod()
                + "|" + e.container() + "|" + e.message();
    }

    static long countAll(String sql) throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += databases.queryLong(s, sql);
        }
        return total;
    }

    @Test
    @Order(2)
    void metadataEqualsWhatSqlComputesAndBloomFiltersHaveNoFalseNegatives() throws Exception {
        for (int s = 0; s < SHARDS; s++) {
            PartitionMetadata m = metadata(s);
            assertThat(m.shard()).isEqualTo(s);
            assertThat(m.kafkaPartitions()).allMatch(p -> p % SHARDS == m.shard()).hasSize(2);
            Map<Instant, ChunkMetadata> byHour = new HashMap<>();
            m.chunks().forEach(c -> byHour.put(c.hour(), c));
            Map<Instant, Set<String>> servicesByHour = new HashMap<>();
            long rows = 0;
            try (Connection c = databases.connect(s); Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("""
                        SELECT date_trunc('hour', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour, min(ts), max(ts),
                               count(*), bit_or(1 << level)
                        FROM logs GROUP BY 1 ORDER BY 1""")) {
                    int hours = 0;
                    while (rs.next()) {
                        hours++;
                        Instant hour = rs.getTimestamp(1).toInstant();
                        ChunkMetadata chunk = byHour.get(hour);
                        assertThat(chunk).as("chunk of %s on shard %d", hour, s).isNotNull();
                        assertThat(chunk.minTime()).isEqualTo(rs.getTimestamp(2).toInstant());
                        assertThat(chunk.maxTime()).isEqualTo(rs.getTimestamp(3).toInstant());
                        assertThat(chunk.rowCount()).isEqualTo(rs.getLong(4));
                        assertThat(chunk.levels().bits()).isEqualTo(rs.getInt(5));
                        rows += rs.getLong(4);
                    }
                    assertThat(m.chunks()).hasSize(hours);
                }
                try (ResultSet rs = st.executeQuery("SELECT DISTINCT date_trunc('hour', ts AT TIME ZONE 'UTC')"
                        + " AT TIME ZONE 'UTC', service FROM logs")) {
                    while (rs.next()) {
                        servicesByHour.computeIfAbsent(rs.getTimestamp(1).toInstant(), h -> new HashSet<>())
                                .add(rs.getString(2));
                    }
                }
            }
            servicesByHour.forEach((hour, services) -> services.forEach(service ->
                    assertThat(byHour.get(hour).services().mightContain(service)).as("%s in %s", service, hour).isTrue()));
            assertThat(m.rowCount()).isEqualTo(rows);
            System.gc(); // a weakly held gauge object would now be gone and read NaN
            assertThat(prometheus(s)).containsPattern("(?m)^ingest_rows_stored\\{[^}]*shard=\"" + s + "\"[^}]*} "
                    + rows + "(\\.0)?$");
            for (Set<String> services : servicesByHour.values()) {
                services.forEach(service -> assertThat(m.services().mightContain(service)).isTrue());
            }
        }
    }

    static PartitionMetadata metadata(int shard) throws Exception {
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:"
                + port(shard) + "/internal/metadata")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        return MetadataCodec.fromJson(response.body());
    }

    static String prometheus(int shard) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(shard) + "/actuator/prometheus"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static int port(int shard) {
        return ((WebServerApplicationContext) nodes.get(shard)).getWebServer().getPort();
    }

    @Test
    @Order(3)
    void badRecordsAreKeptAsRejectedAndIngestionGoesOn() throws Exception {
        long rejectedBefore = countAll("SELECT count(*) FROM rejected_records");
        String now = Rfc3339.format(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        List<byte[]> bad = List.of(
                "not json at all".getBytes(StandardCharsets.UTF_8),
                ("{\"service\":\"svc-x\",\"level\":\"INFO\",\"message\":\"no time\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"timestamp\":\"yesterday\",\"service\":\"svc-x\",\"level\":\"INFO\",\"message\":\"m\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"timestamp\":\"" + now + "\",\"service\":\"svc-x\",\"level\":\"LOUD\",\"message\":\"m\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"timestamp\":\"" + now + "\",\"service\":42,\"level\":\"INFO\",\"message\":\"m\"}").getBytes(StandardCharsets.UTF_8),
                new byte[] {(byte) 0xff, 0x00, (byte) 0xfe},
                new byte[0],
                ("{\"timestamp\":\"1900-01-01T00:00:00Z\",\"service\":\"svc-x\",\"level\":\"INFO\",\"message\":\"m\"}")
                        .getBytes(StandardCharsets.UTF_8),
                ("{\"timestamp\":\"2999-01-01T00:00:00Z\",\"service\":\"svc-x\",\"level\":\"INFO\",\"message\":\"m\"}")
                        .getBytes(StandardCharsets.UTF_8));
        String huge = "x".repeat(100_000);
        List<byte[]> good = List.of(
                ("{\"timestamp\":\"" + now + "\",\"service\":\"svc-big\",\"level\":\"warn\",\"message\":\"" + huge + "\"}")
                        .getBytes(StandardCharsets.UTF_8),
                ("{\"timestamp\":\"" + now + "\",\"service\":\"svc-nul\",\"level\":\"INFO\",\"message\":\"a\\u0000b\"}")
                        .getBytes(StandardCharsets.UTF_8));
        List<byte[]> all = new ArrayList<>(bad);
        all.addAll(good);
        TestLines.sendRaw(kafka.getBrokersAsString(), TOPIC, 0, all); // partition 0 belongs to shard 0

        Await.until(Duration.ofSeconds(30), "bad records rejected and good ones stored",
                () -> databases.queryLong(0, "SELECT count(*) FROM logs WHERE service IN ('svc-big', 'svc-nul')"), n -> n == 2);
        assertThat(countAll("SELECT count(*) FROM rejected_records") - rejectedBefore).isEqualTo(bad.size());
        List<String> reasons = new ArrayList<>();
        try (Connection c = databases.connect(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT reason FROM rejected_records ORDER BY kafka_offset")) {
            while (rs.next()) {
                reasons.add(rs.getString(1));
            }
        }
        assertThat(reasons).anyMatch(r -> r.startsWith("not JSON"))
                .anyMatch(r -> r.equals("timestamp is missing"))
                .anyMatch(r -> r.startsWith("timestamp is not an RFC 3339"))
                .anyMatch(r -> r.startsWith("level is not one of"))
                .anyMatch(r -> r.startsWith("service must be a string"))
                .anyMatch(r -> r.equals("empty record value"))
                .anyMatch(r -> r.startsWith("too_old: timestamp 1900-01-01T00:00:00Z is more than"))
                .anyMatch(r -> r.startsWith("too_new: timestamp 2999-01-01T00:00:00Z is more than"));
        assertThat(databases.queryLong(0, "SELECT octet_length(message) FROM logs WHERE service = 'svc-big'"))
                .isLessThanOrEqualTo(64 * 1024).isGreaterThan(60_000);
        assertThat(databases.queryLong(0, "SELECT count(*) FROM logs WHERE service = 'svc-big'"
                + " AND message LIKE '%[truncated, 100000 bytes in all]' AND level = 3")).isEqualTo(1);
        assertThat(databases.queryLong(0, "SELECT count(*) FROM logs WHERE service = 'svc-nul' AND message = 'a\uFFFDb'"))
                .isEqualTo(1);
        // The lines sent earlier are all still there, once.
        assertThat(storedRows()).isEqualTo(sent.size() + good.size());
    }

    @Test
    @Order(4)
    void aRestartedNodeResumesFromItsStoredOffsets() throws Exception {
        nodes.get(1).close();
        List<LogEntry> more = TestLines.generate(3, 6_000, 12, Instant.now(), Duration.ofHours(1));
        TestLines.send(kafka.getBrokersAsString(), TOPIC, more);
        sent.addAll(more);
        nodes.set(1, startNode(1));
        Await.until(Duration.ofSeconds(60), "lines stored after restart", ThreeShardIngestIT::storedRows,
                n -> n >= sent.size() + 2);
        Thread.sleep(500);
        assertThat(storedRows()).isEqualTo(sent.size() + 2);
        assertThat(databases.queryLong(1, "SELECT count(*) FROM logs"))
                .isEqualTo(databases.queryLong(1, "SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d"));
        assertThat(metadata(1).rowCount()).isEqualTo(databases.queryLong(1, "SELECT count(*) FROM logs"));
    }

    @Test
    @Order(5)
    void aStoredOffsetBeyondTheLogEndStopsIngestionLoudlyInsteadOfSkippingLines() throws Exception {
        nodes.get(2).close();
        long rowsBefore = databases.queryLong(2, "SELECT count(*) FROM logs");
        try (Connection c = databases.connect(2); Statement st = c.createStatement()) {
            // As if the topic had been recreated: the stored offset of partition 2 lies far beyond its end.
            st.executeUpdate("UPDATE kafka_offsets SET next_offset = next_offset + 1000000 WHERE kafka_partition = 2");
        }
        nodes.set(2, startNode(2));
        String health = Await.until(Duration.ofSeconds(30), "node 2 to report the offset problem",
                () -> http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port(2) + "/actuator/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).body(), b -> b.contains("OFFSET_PROBLEM"));
        assertThat(health).contains("\"status\":\"DOWN\"").contains("beyond its log end");
        List<LogEntry> more = TestLines.generate(4, 3_000, 12, Instant.now(), Duration.ofHours(1));
        TestLines.send(kafka.getBrokersAsString(), TOPIC, more);
        Thread.sleep(2_000);
        assertThat(databases.queryLong(2, "SELECT count(*) FROM logs")).as("nothing ingested, nothing skipped")
                .isEqualTo(rowsBefore);
        assertThat(metadata(2).rowCount()).isEqualTo(rowsBefore);

        nodes.get(2).close();
        try (Connection c = databases.connect(2); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE kafka_offsets SET next_offset = next_offset - 1000000 WHERE kafka_partition = 2");
        }
        nodes.set(2, startNode(2));
        sent.addAll(more);
        Await.until(Duration.ofSeconds(60), "all lines stored once the offsets are right",
                ThreeShardIngestIT::storedRows, n -> n >= sent.size() + 2);
        Thread.sleep(500);
        assertThat(storedRows()).isEqualTo(sent.size() + 2);
    }
}
