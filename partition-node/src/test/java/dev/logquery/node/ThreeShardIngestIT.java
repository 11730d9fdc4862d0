package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.LineWriter;
import dev.logquery.testkit.services.Postgres;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three partition nodes, each with its own real PostgreSQL, consume a real KRaft broker's topic of six
 * partitions. Lines go in through an ordinary Kafka producer; the truth is the generated lines. Every test
 * ends with the nodes running on their right offsets and the topic consumed to its end.
 */
class ThreeShardIngestIT {

    static final int SHARDS = 3;
    static final int PARTITIONS = 6;
    /** The services of the raw records stored besides the known lines (by the test of bad records). */
    static final Set<String> RAW_SERVICES = Set.of("svc-big", "svc-nul");
    @AutoClose
    static Cluster cluster;
    /** Every known line written, by the set-up and by the tests. */
    static final List<LogEntry> sent = new ArrayList<>();
    /** Raw records written that the nodes store as lines. */
    static int rawStored;

    @BeforeAll
    static void startCluster() throws Exception {
        // The nodes the tests restart run in JVMs of their own: stopping a node in this JVM would dispose Reactor
        // Netty's shared event loops, and with them the HTTP server of every other node here.
        cluster = Cluster.builder().shards(SHARDS).partitions(PARTITIONS).forked(1, 0).forked(2, 0)
                .node("management.endpoint.health.show-details", "always") // the test reads the ingest state
                .node("logquery.node.batch.max-records", "3000")
                // Keeps last year's lines (the default partition is under test); 1900 stays too old.
                .node("logquery.node.retention", "3650d").start();
        // Mostly the last two days (daily partitions) and a few lines from last year (default partition).
        List<LogEntry> lines = new ArrayList<>(KnownLines.generate(1, 24_000, 12, Instant.now(), Duration.ofDays(2)));
        lines.addAll(KnownLines.generate(2, 1_000, 12, Instant.parse("2025-06-01T00:00:00Z"), Duration.ofDays(3)));
        send(lines);
        awaitConsumed(Duration.ofSeconds(90));
    }

    static void send(List<LogEntry> lines) throws Exception {
        sent.addAll(lines);
        cluster.write(lines);
    }

    /**
     * Waits until the nodes' stored offsets reach the topic's log ends: every record written so far is stored or
     * rejected, and none is left that a node could store a second time.
     */
    static void awaitConsumed(Duration timeout) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(cluster.topic(), p), OffsetSpec.latest());
        }
        long end;
        try (Admin admin = cluster.kafka().admin()) {
            end = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(ListOffsetsResultInfo::offset).sum();
        }
        Await.until(timeout, "the nodes' offsets at the topic's log ends, " + end + " in all",
                () -> countAll("SELECT coalesce(sum(next_offset), 0) FROM kafka_offsets"), n -> n == end);
    }

    static long countAll(String sql) throws Exception {
        long total = 0;
        for (int s = 0; s < SHARDS; s++) {
            total += cluster.database(s).queryLong(sql);
        }
        return total;
    }

    static String key(LogEntry e) {
        return Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace() + "|" + e.pod()
                + "|" + e.container() + "|" + e.message();
    }

    static PartitionMetadata metadata(int shard) {
        var response = Http.get(cluster.node(shard).url() + "/internal/metadata");
        assertThat(response.statusCode()).isEqualTo(200);
        return MetadataCodec.fromJson(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String prometheus(int shard) {
        return Http.get(cluster.node(shard).url() + "/actuator/prometheus").body();
    }

    @Test
    void everyLineIsStoredExactlyOnceAndEachServiceOnOneShard() throws Exception {
        assertThat(cluster.storedLines()).isEqualTo(sent.size() + rawStored);

        Map<String, Integer> shardOfService = new HashMap<>();
        List<String> stored = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            Postgres db = cluster.database(s);
            assertThat(db.queryLong("SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d"))
                    .isEqualTo(db.storedLines());
            assertThat(db.queryLong("SELECT count(*) FROM logs WHERE kafka_partition % 3 <> ?", s)).isZero();
            try (Connection c = db.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT ts, service, level, namespace, pod, container, message FROM logs")) {
                while (rs.next()) {
                    LogEntry e = new LogEntry(rs.getTimestamp(1).toInstant(), rs.getString(2),
                            LogLevel.fromCode(rs.getShort(3)), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getString(7));
                    if (RAW_SERVICES.contains(e.service())) {
                        continue; // not a known line: checked by the test that writes it
                    }
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

    @Test
    void metadataEqualsWhatSqlComputesAndBloomFiltersHaveNoFalseNegatives() throws Exception {
        for (int s = 0; s < SHARDS; s++) {
            PartitionMetadata m = metadata(s);
            assertThat(m.shard()).isEqualTo(s);
            assertThat(m.kafkaPartitions()).allMatch(p -> p % SHARDS == m.shard()).hasSize(2);
            Map<Instant, ChunkMetadata> byHour = new HashMap<>();
            m.chunks().forEach(c -> byHour.put(c.hour(), c));
            Map<Instant, Set<String>> servicesByHour = new HashMap<>();
            long rows = 0;
            try (Connection c = cluster.database(s).connect(); Statement st = c.createStatement()) {
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

    @Test
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
        rawStored += good.size();
        LineWriter.sendRaw(cluster.kafka().bootstrapServers(), cluster.topic(), 0, all); // partition 0: shard 0
        Postgres db = cluster.database(0);
        Await.until(Duration.ofSeconds(30), "bad records rejected and good ones stored",
                () -> db.queryLong("SELECT count(*) FROM logs WHERE service IN ('svc-big', 'svc-nul')"), n -> n == 2);
        awaitConsumed(Duration.ofSeconds(30));
        assertThat(countAll("SELECT count(*) FROM rejected_records") - rejectedBefore).isEqualTo(bad.size());
        List<String> reasons = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
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
        assertThat(db.queryLong("SELECT octet_length(message) FROM logs WHERE service = 'svc-big'"))
                .isLessThanOrEqualTo(64 * 1024).isGreaterThan(60_000);
        assertThat(db.queryLong("SELECT count(*) FROM logs WHERE service = 'svc-big'"
                + " AND message LIKE '%[truncated, 100000 bytes in all]' AND level = 3")).isEqualTo(1);
        assertThat(db.queryLong("SELECT count(*) FROM logs WHERE service = 'svc-nul' AND message = 'a\uFFFDb'"))
                .isEqualTo(1);
        // The lines sent earlier are all still there, once.
        assertThat(cluster.storedLines()).isEqualTo(sent.size() + rawStored);
    }

    @Test
    void aRestartedNodeResumesFromItsStoredOffsets() throws Exception {
        App node = cluster.node(1);
        node.stop();
        try {
            send(KnownLines.generate(3, 6_000, 12, Instant.now(), Duration.ofHours(1)));
        } finally {
            node.start();
        }
        awaitConsumed(Duration.ofSeconds(60));
        assertThat(cluster.storedLines()).isEqualTo(sent.size() + rawStored);
        Postgres db = cluster.database(1);
        assertThat(db.storedLines())
                .isEqualTo(db.queryLong("SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d"));
        assertThat(metadata(1).rowCount()).isEqualTo(db.storedLines());
    }

    /** Moves the stored offset of Kafka partition 2 (shard 2's) by {@code by}. */
    static void shiftOffset(Postgres db, long by) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE kafka_offsets SET next_offset = next_offset + (" + by + ") WHERE kafka_partition = 2");
        }
    }

    @Test
    void aStoredOffsetBeyondTheLogEndStopsIngestionLoudlyInsteadOfSkippingLines() throws Exception {
        App node = cluster.node(2);
        Postgres db = cluster.database(2);
        node.stop();
        long rowsBefore = db.storedLines();
        // As if the topic had been recreated: the stored offset of partition 2 lies far beyond its end.
        shiftOffset(db, 1_000_000);
        try {
            node.start();
            String health = Await.until(Duration.ofSeconds(30), "node 2 to report the offset problem",
                    () -> Http.get(node.url() + "/actuator/health").body(), b -> b.contains("OFFSET_PROBLEM"));
            assertThat(health).contains("\"status\":\"DOWN\"").contains("beyond its log end");
            send(KnownLines.generate(4, 3_000, 12, Instant.now(), Duration.ofHours(1)));
            Await.stillAfter(Duration.ofSeconds(2), "lines stored on shard 2 (nothing ingested, nothing skipped)",
                    db::storedLines, n -> n != rowsBefore);
            assertThat(metadata(2).rowCount()).isEqualTo(rowsBefore);
        } finally {
            node.stop();
            shiftOffset(db, -1_000_000);
            node.start();
        }
        awaitConsumed(Duration.ofSeconds(60));
        assertThat(cluster.storedLines()).isEqualTo(sent.size() + rawStored);
    }
}
