package dev.logquery.node.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The next Kafka offset to read per partition, kept in PostgreSQL beside the rows ("Storing Offsets
 * Outside Kafka" in the {@code KafkaConsumer} javadoc), with the id of the topic it belongs to. Advancing
 * is a conditional update from the position the writer believes is stored (offset and topic id), so a
 * replayed or concurrent batch is fenced off.
 */
public final class OffsetStore {

    /**
     * A stored position: the next offset to read and the Kafka topic id it belongs to ({@code null} in
     * rows written before topic ids were kept, and when the broker has no ids).
     */
    public record Stored(long next, String topicId) {

        /** Whether this offset belongs to topic {@code topicId}; an unknown id on either side counts as the same. */
        public boolean sameTopic(String topicId) {
            return this.topicId == null || topicId == null || this.topicId.equals(topicId);
        }

        @Override
        public String toString() {
            return topicId == null ? Long.toString(next) : next + "@" + topicId;
        }
    }

    private final DataSource dataSource;
    private final String topic;

    public OffsetStore(DataSource dataSource, String topic) {
        this.dataSource = dataSource;
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }

    public Map<Integer, Stored> load() throws SQLException {
        Map<Integer, Stored> offsets = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT kafka_partition, next_offset, topic_id FROM kafka_offsets WHERE topic = ?")) {
            ps.setString(1, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    offsets.put(rs.getInt(1), new Stored(rs.getLong(2), rs.getString(3)));
                }
            }
        }
        return offsets;
    }

    /**
     * Within the caller's transaction, moves partition {@code partition} from {@code expected} (null: no
     * row yet) to offset {@code next} of topic id {@code topicId}; throws {@link FencedException} when the
     * stored position (offset and topic id) is not {@code expected}.
     */
    public void advance(Connection c, int partition, Stored expected, long next, String topicId) throws SQLException {
        int changed;
        if (expected == null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kafka_offsets (topic, kafka_partition, next_offset,"
                    + " topic_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, topic);
                ps.setInt(2, partition);
                ps.setLong(3, next);
                ps.setString(4, topicId);
                changed = ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE kafka_offsets SET next_offset = ?,"
                    + " topic_id = coalesce(?, topic_id), updated_at = now()"
                    + " WHERE topic = ? AND kafka_partition = ? AND next_offset = ? AND topic_id IS NOT DISTINCT FROM ?")) {
                ps.setLong(1, next);
                ps.setString(2, topicId);
                ps.setString(3, topic);
                ps.setInt(4, partition);
                ps.setLong(5, expected.next());
                ps.setString(6, expected.topicId());
                changed = ps.executeUpdate();
            }
        }
        if (changed != 1) {
            throw new FencedException("stored offset of " + topic + "-" + partition + " is not " + expected
                    + ": another writer moved it; reloading");
        }
    }

    /** The position {@link #advance} leaves behind, as the writer's view of what is stored. */
    public static Stored advanced(Stored expected, long next, String topicId) {
        return new Stored(next, topicId != null ? topicId : expected == null ? null : expected.topicId());
    }

    /** The stored offsets moved under this writer: its view is stale and its batch must be dropped. */
    public static final class FencedException extends RuntimeException {
        public FencedException(String message) {
            super(message);
        }
    }
}
