package dev.logquery.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compares what a node stored with what was sent: every line exactly once, at its Kafka partition and offset. */
public final class StoredLines {

    private StoredLines() {
    }

    /** Fails unless the node's {@code logs} hold exactly {@code sent}: nothing lost, nothing twice, nothing else. */
    public static void assertExactly(Connection c, Collection<StoredLogEntry> sent) throws SQLException {
        Map<String, String> expected = new HashMap<>();
        for (StoredLogEntry s : sent) {
            expected.put(s.kafkaPartition() + "-" + s.offset(), text(s.entry()));
        }
        assertThat(expected).as("sent lines with distinct offsets").hasSize(sent.size());
        Map<String, String> stored = new HashMap<>();
        List<String> twice = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT kafka_partition, kafka_offset,"
                + " ts, service, level, namespace, pod, container, message FROM logs")) {
            while (rs.next()) {
                String at = rs.getInt(1) + "-" + rs.getLong(2);
                LogEntry e = new LogEntry(rs.getTimestamp(3).toInstant(), rs.getString(4),
                        LogLevel.fromCode(rs.getShort(5)), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getString(9));
                if (stored.put(at, text(e)) != null) {
                    twice.add(at);
                }
            }
        }
        assertThat(twice).as("offsets stored twice").isEmpty();
        assertThat(stored).as("stored lines by Kafka partition-offset").isEqualTo(expected);
    }

    private static String text(LogEntry e) {
        return Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level() + "|" + e.namespace() + "|"
                + e.pod() + "|" + e.container() + "|" + e.message();
    }
}
