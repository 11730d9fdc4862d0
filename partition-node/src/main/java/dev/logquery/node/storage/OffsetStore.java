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
 * Outside Kafka" in the {@code KafkaConsumer} javadoc). Advancing is a conditional update from the
 * offset the writer believes is stored, so a replayed or concurrent batch is fenced off.
 */
public final class OffsetStore {

    private final DataSource dataSource;
    private final String topic;

    public OffsetStore(DataSource dataSource, String topic) {
        this.dataSource = dataSource;
        this.topic = topic;
    }

    public Map<Integer, Long> load() throws SQLException {
        Map<Integer, Long> offsets = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT kafka_partition, next_offset FROM kafka_offsets WHERE topic = ?")) {
            ps.setString(1, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    offsets.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return offsets;
    }

    /**
     * Within the caller's transaction, moves partition {@code partition} from {@code expected} (null: no
     * row yet) to {@code next}; throws {@link FencedException} when the stored offset is not {@code expected}.
     */
    public void advance(Connection c, int partition, Long expected, long next) throws SQLException {
        int changed;
        if (expected == null) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO kafka_offsets (topic, kafka_partition, next_offset)"
                    + " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, topic);
                ps.setInt(2, partition);
                ps.setLong(3, next);
                changed = ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("UPDATE kafka_offsets SET next_offset = ?, updated_at = now()"
                    + " WHERE topic = ? AND kafka_partition = ? AND next_offset = ?")) {
                ps.setLong(1, next);
                ps.setString(2, topic);
                ps.setInt(3, partition);
                ps.setLong(4, expected);
                changed = ps.executeUpdate();
            }
        }
        if (changed != 1) {
            throw new FencedException("stored offset of " + topic + "-" + partition + " is not " + expected
                    + ": another writer moved it; reloading");
        }
    }

    /** The stored offsets moved under this writer: its view is stale and its batch must be dropped. */
    public static final class FencedException extends RuntimeException {
        public FencedException(String message) {
            super(message);
        }
    }
}
