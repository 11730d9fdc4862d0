package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.node.chunk.ChunkBuilder;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Truth;
import dev.logquery.testkit.services.Postgres;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A node whose database holds rows and chunks written before attributes existed (migrated to V2 only, as a node
 * of the previous release left it) migrates to V3 when it starts: the old rows stay readable (no attributes), the
 * old chunk's attribute pairs are unknown (it is never pruned on attributes, and stays unknown when new lines of
 * its hour are merged in), new hours get a filter, and a retried copy of an old row (which has no content hash)
 * is still recognised and not stored.
 */
class AttributesMigrationIT {

    @AutoClose
    static Cluster cluster;

    @Test
    void rowsAndChunksOfBeforeTheMigrationStayValid() throws Exception {
        cluster = Cluster.builder().partitions(1).nodesStartedByTest().node("logquery.node.batch.max-wait", "100ms")
                .start();
        Postgres db = cluster.database(0);
        Flyway.configure().dataSource(db.jdbcUrl(), null, null).target("2").load().migrate();
        assertThat(db.queryLong("SELECT count(*) FROM flyway_schema_history WHERE version = '3'")).isZero();

        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Instant hour = ChunkBuilder.hourOf(now.minus(Duration.ofHours(2)));
        LogEntry old1 = new LogEntry(hour.plus(Duration.ofMinutes(10)), "legacy", LogLevel.WARN, "ns", "legacy-0",
                "app", "written by the previous release");
        LogEntry old2 = new LogEntry(hour.plus(Duration.ofMinutes(20)), "legacy", LogLevel.ERROR, null, null, null,
                "also old\twith a tab");
        List<StoredLogEntry> old = List.of(new StoredLogEntry(old1, 0, 0, 1_000), new StoredLogEntry(old2, 0, 0, 1_001));
        try (Connection c = db.connect()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO logs (ts, service, level, namespace, pod,"
                    + " container, message, kafka_partition, kafka_offset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (StoredLogEntry s : old) {
                    LogEntry e = s.entry();
                    ps.setTimestamp(1, Timestamp.from(e.timestamp()));
                    ps.setString(2, e.service());
                    ps.setShort(3, e.level().code());
                    ps.setString(4, e.namespace());
                    ps.setString(5, e.pod());
                    ps.setString(6, e.container());
                    ps.setString(7, e.message());
                    ps.setInt(8, s.kafkaPartition());
                    ps.setLong(9, s.offset());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            StringBloom services = StringBloom.create(256, 0.01);
            services.put("legacy");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO chunks (hour, min_ts, max_ts, row_count, levels,"
                    + " services) VALUES (?, ?, ?, 2, ?, ?)")) {
                ps.setTimestamp(1, Timestamp.from(hour));
                ps.setTimestamp(2, Timestamp.from(old1.timestamp()));
                ps.setTimestamp(3, Timestamp.from(old2.timestamp()));
                ps.setShort(4, (short) (LogLevel.WARN.bit() | LogLevel.ERROR.bit()));
                ps.setBytes(5, services.toBytes());
                ps.executeUpdate();
            }
        }

        App node = cluster.node(0).start(); // migrates to V3
        assertThat(db.queryLong("SELECT count(*) FROM flyway_schema_history WHERE version = '3' AND success")).isOne();

        // New lines: with attributes in a new hour, one in the old hour, and a retried copy of an old row.
        LogEntry fresh = new LogEntry(now.minusSeconds(5), "api", LogLevel.INFO, "ns", "api-0", "app", "new line",
                Map.of("cluster", "eu-1", "k8s_pod_name", "api-0"));
        LogEntry intoOldHour = new LogEntry(hour.plus(Duration.ofMinutes(15)), "legacy", LogLevel.UNKNOWN, null, null,
                null, "late line of the old hour", Map.of("cluster", "eu-2"));
        Truth written = cluster.write(List.of(fresh, intoOldHour, old1));
        StoredLogEntry retried = written.rows().get(2);
        Truth truth = new Truth(old).plus(new Truth(written.rows().subList(0, 2)));
        Await.until(Duration.ofSeconds(60), "the node read every record", () -> db.queryLong(
                "SELECT next_offset FROM kafka_offsets WHERE kafka_partition = 0"), n -> n > retried.offset());
        assertThat(db.storedLines()).as("the retried copy of an old row is not stored").isEqualTo(4);
        assertThat(node.bean(MeterRegistry.class).get("ingest.duplicates.dropped").counter().count()).isOne();

        LogQuery all = LogQueryBuilder.between(hour, now).limit(100).build();
        List<StoredLogEntry> rows = AttributesIT.query(node, all);
        assertThat(rows).containsExactlyElementsOf(truth.expected(all));
        assertThat(rows).filteredOn(r -> r.entry().service().equals("legacy") && r.entry().level() != LogLevel.UNKNOWN)
                .hasSize(2).allMatch(r -> r.entry().attributes().isEmpty());
        LogQuery eu2 = LogQueryBuilder.between(hour, now).attributes(Map.of("cluster", "eu-2")).limit(100).build();
        assertThat(AttributesIT.query(node, eu2)).containsExactlyElementsOf(truth.expected(eu2)).hasSize(1);

        PartitionMetadata m = AttributesIT.metadata(node);
        ChunkMetadata oldChunk = m.chunks().stream().filter(c -> c.hour().equals(hour)).findFirst().orElseThrow();
        assertThat(oldChunk.rowCount()).isEqualTo(3);
        assertThat(oldChunk.services().mightContain("legacy")).isTrue();
        assertThat(oldChunk.attributes()).as("the old hour's pairs stay unknown").isNull();
        ChunkMetadata newChunk = m.chunks().stream().filter(c -> c.hour().equals(ChunkBuilder.hourOf(fresh.timestamp())))
                .findFirst().orElseThrow();
        assertThat(newChunk.attributes()).isNotNull();
        assertThat(newChunk.attributes().mightContain(Attributes.pair("k8s_pod_name", "api-0"))).isTrue();
        assertThat(m.attributes()).as("the node's pairs are unknown while one chunk's are").isNull();
        assertThat(db.queryLong("SELECT count(*) FROM chunks WHERE attributes IS NULL")).isOne();
        assertThat(db.queryLong("SELECT count(*) FROM logs WHERE content_hash IS NULL")).as("the old rows keep none")
                .isEqualTo(2);
    }
}
