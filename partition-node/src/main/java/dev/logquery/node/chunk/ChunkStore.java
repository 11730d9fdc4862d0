package dev.logquery.node.chunk;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.ServiceBloom;
import dev.logquery.node.config.NodeProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * The node's hour chunks: the {@code chunks} table plus an in-memory copy that is the source of the
 * served metadata. The ingest thread is the only writer: it merges a batch's chunks into the current
 * ones ({@link #mergeWith}), writes them in the batch's transaction ({@link #upsert}) and, once that
 * committed, publishes them ({@link #publish}). Readers see an immutable snapshot, never a chunk whose
 * rows are not committed, and never miss a committed row.
 */
public final class ChunkStore {

    private final DataSource dataSource;
    private final NodeProperties properties;
    private final Clock clock;
    private volatile NavigableMap<Instant, ChunkMetadata> chunks = Collections.emptyNavigableMap();
    private volatile List<Integer> kafkaPartitions = List.of();

    public ChunkStore(DataSource dataSource, NodeProperties properties, Clock clock) {
        this.dataSource = dataSource;
        this.properties = properties;
        this.clock = clock;
    }

    public void load() throws SQLException {
        NavigableMap<Instant, ChunkMetadata> loaded = new TreeMap<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT hour, min_ts, max_ts, row_count, levels, services FROM chunks")) {
            while (rs.next()) {
                byte[] services = rs.getBytes(6);
                ServiceBloom bloom = null;
                if (services != null) {
                    try {
                        bloom = ServiceBloom.fromBytes(services);
                    } catch (IllegalArgumentException unreadable) {
                        bloom = null; // unknown: never used to prune
                    }
                }
                Instant hour = rs.getTimestamp(1).toInstant();
                loaded.put(hour, new ChunkMetadata(hour, rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant(),
                        rs.getLong(4), new LevelSet(rs.getShort(5)), bloom));
            }
        }
        chunks = Collections.unmodifiableNavigableMap(loaded);
    }

    /** The current chunks of the batch's hours merged with the batch's chunks; publishes nothing. */
    public Map<Instant, ChunkMetadata> mergeWith(Map<Instant, ChunkMetadata> batch) {
        Map<Instant, ChunkMetadata> merged = new TreeMap<>();
        NavigableMap<Instant, ChunkMetadata> current = chunks;
        batch.forEach((hour, chunk) -> {
            ChunkMetadata existing = current.get(hour);
            merged.put(hour, existing == null ? chunk : existing.merge(chunk));
        });
        return merged;
    }

    /** Writes merged chunks inside the caller's transaction. */
    public void upsert(Connection c, Map<Instant, ChunkMetadata> merged) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO chunks (hour, min_ts, max_ts, row_count, levels, services) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (hour) DO UPDATE SET min_ts = EXCLUDED.min_ts, max_ts = EXCLUDED.max_ts,
                  row_count = EXCLUDED.row_count, levels = EXCLUDED.levels, services = EXCLUDED.services,
                  updated_at = now()""")) {
            for (ChunkMetadata m : merged.values()) {
                ps.setTimestamp(1, Timestamp.from(m.hour()));
                ps.setTimestamp(2, Timestamp.from(m.minTime()));
                ps.setTimestamp(3, Timestamp.from(m.maxTime()));
                ps.setLong(4, m.rowCount());
                ps.setShort(5, (short) m.levels().bits());
                ps.setBytes(6, m.services() == null ? null : m.services().toBytes());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Makes committed chunks visible to readers. */
    public void publish(Map<Instant, ChunkMetadata> merged) {
        if (merged.isEmpty()) {
            return;
        }
        NavigableMap<Instant, ChunkMetadata> next = new TreeMap<>(chunks);
        next.putAll(merged);
        chunks = Collections.unmodifiableNavigableMap(next);
    }

    public void setKafkaPartitions(List<Integer> partitions) {
        kafkaPartitions = List.copyOf(partitions);
    }

    public NavigableMap<Instant, ChunkMetadata> chunks() {
        return chunks;
    }

    public long rowCount() {
        long rows = 0;
        for (ChunkMetadata c : chunks.values()) {
            rows += c.rowCount();
        }
        return rows;
    }

    public PartitionMetadata metadata() {
        return PartitionMetadata.of(properties.shard(), properties.shardCount(), kafkaPartitions,
                new ArrayList<>(chunks.values()),
                ServiceBloom.create(properties.bloom().expectedServices(), properties.bloom().fpp()),
                clock.instant());
    }
}
