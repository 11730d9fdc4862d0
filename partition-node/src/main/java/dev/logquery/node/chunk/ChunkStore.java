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
 * The node's hour chunks: the {@code chunks} table plus two in-memory copies. {@code committed} is
 * exactly what the table holds and is the base every batch merges into ({@link #mergeWith}, written in
 * the batch's transaction by {@link #upsert}). {@code served} is what {@link #metadata} answers: the
 * writer puts a batch's merged chunks there <em>before</em> it commits ({@link #serve}) and into
 * {@code committed} after ({@link #committed}), so served metadata covers every committed row at every
 * moment and may briefly claim more (after a rollback, until the batch is written again), which is the
 * safe side for pruning. Until {@link #load} has run, there is no metadata at all ({@link #isLoaded}).
 * Listeners ({@link #onChange}) hear of every committed batch, reload and change of partitions.
 */
public final class ChunkStore {

    private final DataSource dataSource;
    private final NodeProperties properties;
    private final Clock clock;
    private volatile NavigableMap<Instant, ChunkMetadata> committed = Collections.emptyNavigableMap();
    private volatile NavigableMap<Instant, ChunkMetadata> served = Collections.emptyNavigableMap();
    private volatile boolean loaded;
    /** Tells this run of the node from earlier ones in {@link #version()}. */
    private final String instance = Long.toString(System.nanoTime() ^ System.currentTimeMillis(), 36);
    /** Counts changes of what {@link #metadata()} reports; bumped after each change is visible. */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();
    private volatile List<Integer> kafkaPartitions = List.of();
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

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
        synchronized (this) {
            committed = Collections.unmodifiableNavigableMap(loaded);
            served = committed;
            generation.incrementAndGet();
            this.loaded = true;
        }
        changed();
    }

    /**
     * Forgets every chunk of an hour before {@code boundary}, after the retention deleted their rows and
     * their rows in {@code chunks} (committed). Listeners hear of it (the metadata is published again).
     *
     * @return the hours forgotten
     */
    public int dropBefore(Instant boundary) {
        int dropped;
        synchronized (this) {
            dropped = served.headMap(boundary, false).size();
            if (dropped == 0 && committed.headMap(boundary, false).isEmpty()) {
                return 0;
            }
            committed = Collections.unmodifiableNavigableMap(new TreeMap<>(committed.tailMap(boundary, true)));
            served = Collections.unmodifiableNavigableMap(new TreeMap<>(served.tailMap(boundary, true)));
            generation.incrementAndGet();
        }
        changed();
        return dropped;
    }

    /** The earliest line the served chunks know of, or null when there is none. */
    public Instant oldestLine() {
        Map.Entry<Instant, ChunkMetadata> first = served.firstEntry();
        return first == null ? null : first.getValue().minTime();
    }

    /**
     * Runs {@code listener} after each change of what {@link #metadata()} reports is committed, on the
     * thread that made it (the ingest threads): it must return at once.
     */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** The current chunks of the batch's hours merged with the batch's chunks; publishes nothing. */
    public Map<Instant, ChunkMetadata> mergeWith(Map<Instant, ChunkMetadata> batch) {
        Map<Instant, ChunkMetadata> merged = new TreeMap<>();
        NavigableMap<Instant, ChunkMetadata> current = committed;
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

    /** Before the batch commits: readers see its chunks from now on. */
    public synchronized void serve(Map<Instant, ChunkMetadata> merged) {
        served = with(served, merged);
        generation.incrementAndGet();
    }

    /**
     * A tag that changes whenever the served chunks (or the assigned partitions) do, and differs between two
     * runs of the node: an HTTP entity tag for {@code GET /internal/metadata}.
     */
    public String version() {
        return '"' + instance + "-" + generation.get() + '"';
    }

    /** After the batch committed: its chunks are the base of the next merge. */
    public void committed(Map<Instant, ChunkMetadata> merged) {
        synchronized (this) {
            committed = with(committed, merged);
        }
        changed();
    }

    private static NavigableMap<Instant, ChunkMetadata> with(NavigableMap<Instant, ChunkMetadata> base,
                                                             Map<Instant, ChunkMetadata> merged) {
        if (merged.isEmpty()) {
            return base;
        }
        NavigableMap<Instant, ChunkMetadata> next = new TreeMap<>(base);
        next.putAll(merged);
        return Collections.unmodifiableNavigableMap(next);
    }

    public void setKafkaPartitions(List<Integer> partitions) {
        kafkaPartitions = List.copyOf(partitions);
        generation.incrementAndGet();
        changed();
    }

    /** The served chunks. */
    public NavigableMap<Instant, ChunkMetadata> chunks() {
        return served;
    }

    /** Rows as served (at least what is committed). */
    public long rowCount() {
        long rows = 0;
        for (ChunkMetadata c : served.values()) {
            rows += c.rowCount();
        }
        return rows;
    }

    public PartitionMetadata metadata() {
        return PartitionMetadata.of(properties.shard(), properties.shardCount(), kafkaPartitions,
                new ArrayList<>(served.values()),
                ServiceBloom.create(properties.bloom().expectedServices(), properties.bloom().fpp()),
                clock.instant());
    }
}
