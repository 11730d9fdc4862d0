package dev.logquery.node.chunk;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
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
import java.util.HashMap;
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
    /**
     * How many services' ranges {@link #mayHoldRowAt} keeps, in all hours together, at most (about 100 bytes each):
     * beyond, the oldest hours' ranges are forgotten (then only their chunk's range counts).
     */
    static final int MAX_SERVICE_RANGES = 65_536;
    /**
     * Per hour whose every committed row this run committed: per service, its oldest and newest committed timestamp.
     * Changed by the writer ({@link #committed(Map, Map)}) and emptied by {@link #load} (with no writer running),
     * hours removed by the retention's {@link #dropBefore}.
     */
    private final NavigableMap<Instant, Map<String, Instant[]>> serviceRanges =
            new java.util.concurrent.ConcurrentSkipListMap<>();
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
             ResultSet rs = s.executeQuery(
                     "SELECT hour, min_ts, max_ts, row_count, levels, services, attributes FROM chunks")) {
            while (rs.next()) {
                Instant hour = rs.getTimestamp(1).toInstant();
                loaded.put(hour, new ChunkMetadata(hour, rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant(),
                        rs.getLong(4), new LevelSet(rs.getShort(5)), bloomOrUnknown(rs.getBytes(6)),
                        bloomOrUnknown(rs.getBytes(7))));
            }
        }
        synchronized (this) {
            committed = Collections.unmodifiableNavigableMap(loaded);
            serviceRanges.clear();
            served = committed;
            generation.incrementAndGet();
            this.loaded = true;
        }
        changed();
    }

    /** A stored bloom filter, or null (unknown: never used to prune) when there is none or it is unreadable. */
    private static StringBloom bloomOrUnknown(byte[] stored) {
        if (stored == null) {
            return null;
        }
        try {
            return StringBloom.fromBytes(stored);
        } catch (IllegalArgumentException unreadable) {
            return null;
        }
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
            serviceRanges.keySet().removeIf(hour -> hour.isBefore(boundary));
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
                INSERT INTO chunks (hour, min_ts, max_ts, row_count, levels, services, attributes)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (hour) DO UPDATE SET min_ts = EXCLUDED.min_ts, max_ts = EXCLUDED.max_ts,
                  row_count = EXCLUDED.row_count, levels = EXCLUDED.levels, services = EXCLUDED.services,
                  attributes = EXCLUDED.attributes, updated_at = now()""")) {
            for (ChunkMetadata m : merged.values()) {
                ps.setTimestamp(1, Timestamp.from(m.hour()));
                ps.setTimestamp(2, Timestamp.from(m.minTime()));
                ps.setTimestamp(3, Timestamp.from(m.maxTime()));
                ps.setLong(4, m.rowCount());
                ps.setShort(5, (short) m.levels().bits());
                ps.setBytes(6, m.services() == null ? null : m.services().toBytes());
                ps.setBytes(7, m.attributes() == null ? null : m.attributes().toBytes());
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

    /** After the batch committed: its chunks are the base of the next merge (no service ranges known). */
    public void committed(Map<Instant, ChunkMetadata> merged) {
        committed(merged, Map.of());
    }

    /**
     * After the batch committed: its chunks are the base of the next merge, and {@code ranges} (per hour, per
     * service, the oldest and newest timestamp of the batch's rows: {@link ChunkBuilder#serviceRanges}) extend what
     * {@link #mayHoldRowAt} knows of hours whose every row this run committed.
     */
    public void committed(Map<Instant, ChunkMetadata> merged, Map<Instant, Map<String, Instant[]>> ranges) {
        synchronized (this) {
            NavigableMap<Instant, ChunkMetadata> before = committed;
            committed = with(committed, merged);
            ranges.forEach((hour, batch) -> {
                Map<String, Instant[]> known = serviceRanges.get(hour);
                if (known == null) {
                    if (before.containsKey(hour)) {
                        return; // rows from before this run (or its ranges forgotten): only the chunk's range is known
                    }
                    known = new HashMap<>();
                    serviceRanges.put(hour, known);
                }
                for (Map.Entry<String, Instant[]> e : batch.entrySet()) {
                    Instant[] r = e.getValue();
                    known.merge(e.getKey(), new Instant[] {r[0], r[1]}, (a, b) -> new Instant[] {
                            a[0].isBefore(b[0]) ? a[0] : b[0], a[1].isAfter(b[1]) ? a[1] : b[1]});
                }
            });
            int total = 0;
            for (Map<String, Instant[]> hourRanges : serviceRanges.values()) {
                total += hourRanges.size();
            }
            while (total > MAX_SERVICE_RANGES && !serviceRanges.isEmpty()) {
                total -= serviceRanges.pollFirstEntry().getValue().size(); // the oldest hour: least likely retried
            }
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

    /**
     * Whether a committed row of {@code service} may have timestamp {@code ts}: its hour has a committed chunk
     * whose time range holds it and, for an hour whose every row this run committed, the range of that service's
     * rows in the hour holds it too. False proves that no stored row of the service has this timestamp (the chunks
     * cover every committed row), so a new line there needs no look for a stored copy: in order-preserving
     * streams, nearly every new line. For hours with rows from before the last {@link #load} (or whose ranges were
     * forgotten to stay within {@link #MAX_SERVICE_RANGES}) only the chunk's range is known.
     */
    public boolean mayHoldRowAt(String service, Instant ts) {
        Instant hour = ChunkBuilder.hourOf(ts);
        ChunkMetadata chunk = committed.get(hour);
        if (chunk == null || ts.isBefore(chunk.minTime()) || ts.isAfter(chunk.maxTime())) {
            return false;
        }
        Map<String, Instant[]> ranges = serviceRanges.get(hour);
        if (ranges == null) {
            return true;
        }
        Instant[] range = ranges.get(service);
        return range != null && !ts.isBefore(range[0]) && !ts.isAfter(range[1]);
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
                StringBloom.create(properties.bloom().expectedServices(), properties.bloom().fpp()),
                clock.instant());
    }
}
