package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.HealthJson;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.services.Kafka;
import dev.logquery.testkit.services.Postgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 8: a re-created topic loses nothing. The node stores N lines; the topic is deleted and
 * created again under the same name with the same partition count (a new topic id, offsets from 0 again);
 * M more lines than before are written to it. The node notices the new id and reads the new topic from its
 * beginning instead of seeking to the stored offsets (which would skip its first records): all M lines are
 * stored, the N old ones stay, the new id is stored with the offsets, and a restart stores nothing twice.
 * Then the topic is re-created once more while the node is down: the node finds the new id at start.
 */
class TopicRecreatedIT {

    static final int PARTITIONS = 2;
    @AutoClose
    static Cluster cluster;
    static Kafka kafka;
    static Postgres db;
    static App node;

    @BeforeAll
    static void start() throws Exception {
        cluster = Cluster.builder().partitions(PARTITIONS).nodesStartedByTest()
                .node("logquery.node.batch.max-wait", "100ms")
                .node("management.endpoint.health.show-details", "always").start(); // the test reads ingest details
        kafka = cluster.kafka();
        db = cluster.database(0);
        node = cluster.node(0);
    }

    static HealthJson health() {
        return HealthJson.parse(Http.get(node.url() + "/actuator/health").body());
    }

    static List<StoredLogEntry> write(long seed, int count) throws Exception {
        return cluster.write(KnownLines.generate(seed, count, 6, Instant.now(), Duration.ofHours(1))).rows();
    }

    /** The topic's id, once the broker describes it (just after a creation it may not yet: retried). */
    static String topicId() throws Exception {
        try (Admin admin = kafka.admin()) {
            return Await.until(Duration.ofSeconds(30), "the topic described", () -> {
                try {
                    return admin.describeTopics(List.of(cluster.topic())).allTopicNames().get(10, TimeUnit.SECONDS)
                            .get(cluster.topic()).topicId().toString();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        return null;
                    }
                    throw e;
                }
            }, id -> id != null);
        }
    }

    /** Deletes the topic, waits until it is gone, and creates it again with as many partitions. */
    static void recreateTopic() throws Exception {
        kafka.deleteTopic(cluster.topic());
        try (Admin admin = kafka.admin()) {
            Await.until(Duration.ofSeconds(30), "topic deleted", () -> {
                try {
                    admin.describeTopics(List.of(cluster.topic())).allTopicNames().get(10, TimeUnit.SECONDS);
                    return false;
                } catch (java.util.concurrent.ExecutionException e) {
                    return e.getCause() instanceof UnknownTopicOrPartitionException;
                }
            }, gone -> gone);
            Await.until(Duration.ofSeconds(30), "topic created again", () -> {
                try {
                    admin.createTopics(List.of(new NewTopic(cluster.topic(), PARTITIONS, (short) 1))).all()
                            .get(10, TimeUnit.SECONDS);
                    return true;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        return false; // deletion still being completed
                    }
                    throw e;
                }
            }, created -> created);
        }
    }

    /** next_offset and topic_id per partition, as stored. */
    static Map<Integer, String> storedOffsets() throws SQLException {
        Map<Integer, String> stored = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT kafka_partition, next_offset, topic_id FROM kafka_offsets"
                     + " WHERE topic = '" + cluster.topic() + "'")) {
            while (rs.next()) {
                stored.put(rs.getInt(1), rs.getLong(2) + "@" + rs.getString(3));
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return stored;
            }
            throw e;
        }
        return stored;
    }

    /** The offsets a node that consumed every line in {@code sent} (of topic id {@code id}) has stored. */
    static Map<Integer, String> endsOf(List<StoredLogEntry> sent, String id) {
        Map<Integer, Long> ends = new HashMap<>();
        for (StoredLogEntry s : sent) {
            ends.merge(s.kafkaPartition(), s.offset() + 1, Math::max);
        }
        Map<Integer, String> expected = new HashMap<>();
        ends.forEach((p, end) -> expected.put(p, end + "@" + id));
        return expected;
    }

    /** Every stored row as "partition-offset|line", duplicates kept. */
    static List<String> storedRows() throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT kafka_partition, kafka_offset, ts, service, level, namespace, pod, container, message FROM logs")) {
            while (rs.next()) {
                LogEntry e = new LogEntry(rs.getTimestamp(3).toInstant(), rs.getString(4),
                        LogLevel.fromCode(rs.getShort(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getString(9));
                rows.add(rs.getInt(1) + "-" + rs.getLong(2) + "|" + text(e));
            }
        }
        return rows;
    }

    static List<String> rowsOf(List<StoredLogEntry> sent) {
        return sent.stream().map(s -> s.kafkaPartition() + "-" + s.offset() + "|" + text(s.entry())).toList();
    }

    static String text(LogEntry e) {
        return Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace() + "|"
                + e.pod() + "|" + e.container() + "|" + e.message();
    }

    static long stored() throws SQLException {
        return db.storedLines();
    }

    @Test
    void aRecreatedTopicIsReadFromItsBeginningAndLosesNothing() throws Exception {
        node.start();
        String oldId = topicId();
        List<StoredLogEntry> old = write(81, 400);
        Await.until(Duration.ofSeconds(60), "the old topic's offsets stored with its id",
                TopicRecreatedIT::storedOffsets, s -> s.equals(endsOf(old, oldId)));
        assertThat(storedRows()).containsExactlyInAnyOrderElementsOf(rowsOf(old));
        assertThat(health().detail("ingest", "topicId")).isEqualTo(oldId);

        recreateTopic();
        String newId = topicId();
        assertThat(newId).as("the re-created topic's id").isNotEqualTo(oldId);
        // More lines than before: a node that went on from its stored offsets would skip the first ones.
        List<StoredLogEntry> fresh = write(82, 1_200);
        assertThat(fresh).as("the new topic's offsets start at 0 again").anyMatch(s -> s.offset() == 0);

        Map<Integer, String> expectedOffsets = endsOf(fresh, newId);
        Await.until(Duration.ofSeconds(90), "the new topic's offsets stored with its new id",
                TopicRecreatedIT::storedOffsets, s -> s.equals(expectedOffsets));
        List<String> expected = new ArrayList<>(rowsOf(old));
        expected.addAll(rowsOf(fresh));
        assertThat(storedRows()).as("the old topic's rows and every line of the new one, each once")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(stored()).isEqualTo(old.size() + fresh.size());
        assertThat(db.queryLong("SELECT count(*) FROM rejected_records")).isZero();
        HealthJson health = Await.until(Duration.ofSeconds(20), "ingest health to show the new topic id",
                TopicRecreatedIT::health, h -> h.detail("ingest", "topicId").equals(newId));
        assertThat(health.status()).as("%s", health).isEqualTo("UP");

        // A restart seeks to the stored offsets of the new topic: nothing is read again.
        node.stop();
        node.start();
        List<StoredLogEntry> later = write(83, 200);
        List<StoredLogEntry> allFresh = new ArrayList<>(fresh);
        allFresh.addAll(later);
        Map<Integer, String> finalOffsets = endsOf(allFresh, newId);
        Await.until(Duration.ofSeconds(90), "the lines sent after the restart stored",
                TopicRecreatedIT::storedOffsets, s -> s.equals(finalOffsets));
        expected.addAll(rowsOf(later));
        assertThat(storedRows()).as("after a restart: nothing twice, nothing lost")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(health().status()).isEqualTo("UP");

        // Re-created while the node is down, with more lines than it stored of the topic before: found at start.
        node.stop();
        recreateTopic();
        String thirdId = topicId();
        List<StoredLogEntry> third = write(84, 2_000);
        node.start();
        Await.until(Duration.ofSeconds(90), "the third topic's offsets stored with its id",
                TopicRecreatedIT::storedOffsets, s -> s.equals(endsOf(third, thirdId)));
        expected.addAll(rowsOf(third));
        assertThat(storedRows()).as("a topic re-created while the node was down")
                .containsExactlyInAnyOrderElementsOf(expected);
    }
}
