package dev.logquery.node.text;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.scan.BlockFilters;
import dev.logquery.common.scan.IntSet;
import dev.logquery.common.scan.Trigrams;
import dev.logquery.node.config.NodeProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The node's text index: per block of time ({@code logquery.node.text-index.block}, a slice of the hour chunk), a
 * Guava bloom filter of the {@link Trigrams} of the messages stored in the block, each also tagged with its row's
 * level, in {@code text_blocks} and on the heap. A {@code contains} query skips the blocks whose filter lacks a
 * trigram of its text, or, when it keeps some levels only, lacks one of the text's trigrams at each of those levels
 * ({@link BlockFilters}).
 *
 * <p><b>Ingest marks, an indexer builds.</b> A batch does not touch filters: in its transaction it only marks the
 * blocks its rows fall in as pending ({@link #write}: a block that is not pending yet gets {@code trigrams = NULL}
 * and {@code version + 1} in {@code text_blocks}, a few bytes; an already pending block costs nothing), and before
 * the commit it forgets their filters on the heap, so a block with rows newer than its filter is never skipped.
 * The indexer ({@link #indexOnce}, its own thread) takes pending blocks no batch touched for {@code index-delay},
 * newest first, reads their messages back from {@code logs} in one snapshot, builds each filter at its exact size
 * (the block's distinct trigrams, so every filter has the configured false-positive rate) and stores it. A batch
 * and a round never hold the same block at once: the round skips the blocks of the open batch, and a batch waits
 * ({@link #write}, before its commit) until the round holding one of its blocks has stored and published it, then
 * marks the block pending again (its rows were not in the round's snapshot). So a late line only makes its block
 * pending again, ingest never rewrites filters, and a stored filter covers every committed row of its block. The
 * version is checked as well ({@code UPDATE ... WHERE version = ? AND trigrams IS NULL}).
 *
 * <p><b>Unknown blocks may match.</b> Pending blocks, blocks of rows written before the index existed (the
 * migration marks their hours pending, the indexer catches up), and blocks whose filter was forgotten to stay
 * within {@code max-memory} (oldest first; serialized size, meter {@code text_index_bytes}) have no filter on the
 * heap and are always read. Stored rows of another block length (the setting changed) are replaced at
 * {@link #load} by pending blocks of the new length.
 */
public final class TextIndex implements BlockFilters, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TextIndex.class);

    /** The smallest filter, in distinct trigrams. */
    static final int MIN_CAPACITY = 64;
    /** At most this many blocks per indexer round. */
    static final int BLOCKS_PER_ROUND = 120;
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(30);
    /** How long a batch waits for the indexer's round holding one of its blocks: two of the round's statements. */
    static final Duration ROUND_WAIT = STATEMENT_TIMEOUT.multipliedBy(2);

    private final DataSource dataSource;
    private final long blockSeconds;
    private final double fpp;
    private final long maxBytes;
    private final long delayNanos;
    private final LongSupplier nanoTime;
    /** Per block start (epoch second), its filter. */
    private final ConcurrentSkipListMap<Long, Block> blocks = new ConcurrentSkipListMap<>();
    /** Pending blocks (epoch second) and when a batch last touched them ({@link #nanoTime}). */
    private final ConcurrentSkipListMap<Long, Long> pending = new ConcurrentSkipListMap<>();
    /** Blocks whose row is committed pending ({@code trigrams} NULL): a batch need not write their row again. */
    private final Set<Long> pendingInTable = ConcurrentHashMap.newKeySet();
    /** The blocks of the batch whose transaction is open (the indexer leaves them alone meanwhile). */
    private final Set<Long> writing = new HashSet<>();
    /** The blocks whose newly pending row the open batch writes. */
    private final Set<Long> marking = new HashSet<>();
    /** The blocks of the indexer's round under way (a batch into one of them waits for the round's end). */
    private final Set<Long> inRound = new HashSet<>();
    private final AtomicLong bytes = new AtomicLong();
    /** Held by the indexer's rounds, {@link #load} and {@link #dropBefore}. */
    private final Object indexing = new Object();
    /** Guards {@link #writing}, {@link #marking}, {@link #inRound} and the handover of blocks between them. */
    private final Object handover = new Object();
    private volatile boolean loaded;
    private volatile ScheduledExecutorService thread;

    /** A block's filter, {@code bytes} serialized. */
    record Block(BloomFilter<Integer> filter, int bytes) {
    }

    public TextIndex(DataSource dataSource, NodeProperties.TextIndex settings) {
        this(dataSource, settings, System::nanoTime);
    }

    TextIndex(DataSource dataSource, NodeProperties.TextIndex settings, LongSupplier nanoTime) {
        this.dataSource = dataSource;
        this.blockSeconds = settings.block().getSeconds();
        this.fpp = settings.fpp();
        this.maxBytes = settings.maxMemory().toBytes();
        this.delayNanos = settings.indexDelay().toNanos();
        this.nanoTime = nanoTime;
    }

    /** Registers {@code text_index_bytes}, {@code text_index_blocks} and {@code text_index_pending_blocks}. */
    public TextIndex withMeters(MeterRegistry registry) {
        Gauge.builder("text.index.bytes", bytes, AtomicLong::get).baseUnit("bytes")
                .description("Serialized size of the text index's block filters on the heap").register(registry);
        Gauge.builder("text.index.blocks", blocks, Map::size)
                .description("Blocks whose text filter is on the heap").register(registry);
        Gauge.builder("text.index.pending.blocks", pending, Map::size)
                .description("Blocks with rows newer than their text filter, waiting for the indexer")
                .register(registry);
        return this;
    }

    @Override
    public Duration block() {
        return Duration.ofSeconds(blockSeconds);
    }

    @Override
    public boolean mayContainAll(Instant blockStart, int[] trigrams) {
        Block b = blocks.get(blockStart.getEpochSecond());
        if (b == null) {
            return true;
        }
        for (int t : trigrams) {
            if (!b.filter.mightContain(t)) {
                return false;
            }
        }
        return true;
    }

    /** Serialized bytes of the filters on the heap. */
    public long bytes() {
        return bytes.get();
    }

    /** How many blocks have a filter on the heap. */
    public int blockCount() {
        return blocks.size();
    }

    /** How many blocks wait for the indexer. */
    public int pendingCount() {
        return pending.size();
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** A new batch's collector of the blocks its rows fall in. */
    public Batch newBatch() {
        return new Batch();
    }

    /** The blocks of one batch's rows; the writer's, not thread-safe. */
    public final class Batch {
        private final Set<Long> starts = new HashSet<>();
        private long last = Long.MIN_VALUE;

        public void add(Instant timestamp) {
            long start = blockStart(timestamp.getEpochSecond());
            if (start != last) {
                starts.add(start);
                last = start;
            }
        }
    }

    private long blockStart(long epochSecond) {
        return epochSecond - Math.floorMod(epochSecond, blockSeconds);
    }

    /**
     * Marks the blocks of {@code batch} pending in the caller's transaction (the writer's, after its rows are
     * written) and forgets their filters on the heap before it commits: from now on they are read whatever their
     * filter said. Waits while an indexer round holds one of them. Call {@link #finish} after the transaction ends,
     * committed or not, also when this throws.
     */
    public void write(Connection c, Batch batch) throws SQLException {
        if (batch.starts.isEmpty()) {
            return;
        }
        List<Long> toMark = new ArrayList<>();
        long now = nanoTime.getAsLong();
        synchronized (handover) {
            long waitUntil = System.nanoTime() + ROUND_WAIT.toNanos(); // real time: this wait is real
            while (!Collections.disjoint(inRound, batch.starts)) {
                long left = waitUntil - System.nanoTime();
                if (left <= 0) {
                    // The batch is rolled back and retried with backoff, as any failed write.
                    throw new SQLException("the text indexer held a block of this batch for more than " + ROUND_WAIT,
                            "57014");
                }
                try {
                    handover.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while the text indexer held a block", "57014", e);
                }
            }
            writing.addAll(batch.starts);
            for (long start : batch.starts) {
                pending.put(start, now);
                Block gone = blocks.remove(start);
                if (gone != null) {
                    bytes.addAndGet(-gone.bytes);
                }
                if (!pendingInTable.contains(start)) {
                    toMark.add(start);
                }
            }
            marking.addAll(toMark);
        }
        if (toMark.isEmpty()) {
            return;
        }
        toMark.sort(null);
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO text_blocks (block_start, block_end) VALUES (?, ?)
                ON CONFLICT (block_start) DO UPDATE SET trigrams = NULL, block_end = EXCLUDED.block_end,
                  version = text_blocks.version + 1""")) {
            for (long start : toMark) {
                ps.setTimestamp(1, Timestamp.from(Instant.ofEpochSecond(start)));
                ps.setTimestamp(2, Timestamp.from(Instant.ofEpochSecond(start + blockSeconds)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The batch's transaction ended ({@code committed} or rolled back): its blocks are the indexer's again. */
    public void finish(boolean committed) {
        synchronized (handover) {
            if (committed) {
                pendingInTable.addAll(marking);
            }
            marking.clear();
            writing.clear();
        }
    }

    /**
     * One indexer round: builds the filters of up to {@value #BLOCKS_PER_ROUND} pending blocks that no batch touched
     * for {@code index-delay}, newest first; returns how many it stored.
     */
    public int indexOnce() throws SQLException {
        synchronized (indexing) {
            if (!loaded) {
                return 0;
            }
            long now = nanoTime.getAsLong();
            Map<Long, Long> picked = new TreeMap<>();
            synchronized (handover) {
                for (Map.Entry<Long, Long> e : pending.descendingMap().entrySet()) {
                    if (now - e.getValue() >= delayNanos && !writing.contains(e.getKey())) {
                        picked.put(e.getKey(), e.getValue());
                        if (picked.size() == BLOCKS_PER_ROUND) {
                            break;
                        }
                    }
                }
                inRound.addAll(picked.keySet());
            }
            try {
                return round(picked);
            } finally {
                synchronized (handover) {
                    inRound.clear();
                    handover.notifyAll();
                }
            }
        }
    }

    /** Builds, stores and publishes the filters of the {@code picked} blocks (held by this round). */
    private int round(Map<Long, Long> picked) throws SQLException {
        if (picked.isEmpty()) {
            return 0;
        }
        Map<Long, Long> versions = new HashMap<>();
        Map<Long, IntSet> trigrams = new HashMap<>();
        read(new ArrayList<>(picked.keySet()), versions, trigrams);
        // Blocks without a pending row: indexed already (a rolled-back touch) or dropped; nothing to wait for.
        for (Map.Entry<Long, Long> e : picked.entrySet()) {
            if (!versions.containsKey(e.getKey())) {
                pendingInTable.remove(e.getKey());
                pending.remove(e.getKey(), e.getValue());
            }
        }
        Map<Long, Block> built = new TreeMap<>();
        Map<Long, byte[]> serialized = new HashMap<>();
        for (long start : versions.keySet()) {
            IntSet set = trigrams.getOrDefault(start, new IntSet(1));
            BloomFilter<Integer> filter = BloomFilter.create(Funnels.integerFunnel(),
                    Math.max(MIN_CAPACITY, set.size()), fpp);
            set.forEach(filter::put);
            byte[] b = serialize(filter);
            serialized.put(start, b);
            built.put(start, new Block(filter, b.length));
        }
        List<Long> stored = store(built.keySet(), versions, serialized);
        // No batch held these blocks since the snapshot (they were in this round): the filters are current.
        for (long start : stored) {
            Block b = built.get(start);
            Block before = blocks.put(start, b);
            bytes.addAndGet(b.bytes - (before == null ? 0 : before.bytes));
            pendingInTable.remove(start);
            pending.remove(start, picked.get(start));
        }
        forgetOverBudget();
        return stored.size();
    }

    /**
     * In one snapshot: the versions of those of {@code starts} that are pending, and the trigrams of their messages.
     */
    private void read(List<Long> starts, Map<Long, Long> versions, Map<Long, IntSet> trigrams) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            try {
                try (PreparedStatement timeout = c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
                    timeout.setString(1, STATEMENT_TIMEOUT.toMillis() + "ms");
                    timeout.execute();
                }
                Timestamp[] times = new Timestamp[starts.size()];
                for (int i = 0; i < times.length; i++) {
                    times[i] = Timestamp.from(Instant.ofEpochSecond(starts.get(i)));
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT block_start, version FROM text_blocks"
                        + " WHERE block_start = ANY(?) AND trigrams IS NULL AND block_end - block_start = ?::interval")) {
                    Array array = c.createArrayOf("timestamptz", times);
                    ps.setArray(1, array);
                    ps.setString(2, blockSeconds + " seconds");
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            versions.put(rs.getTimestamp(1).toInstant().getEpochSecond(), rs.getLong(2));
                        }
                    }
                }
                // Consecutive pending blocks are read with one range scan.
                List<Long> sorted = new ArrayList<>(versions.keySet());
                sorted.sort(null);
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT ts, level, message FROM logs WHERE ts >= ? AND ts < ?")) {
                    ps.setFetchSize(2000);
                    int i = 0;
                    while (i < sorted.size()) {
                        int j = i;
                        while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + blockSeconds) {
                            j++;
                        }
                        ps.setTimestamp(1, Timestamp.from(Instant.ofEpochSecond(sorted.get(i))));
                        ps.setTimestamp(2, Timestamp.from(Instant.ofEpochSecond(sorted.get(j) + blockSeconds)));
                        try (ResultSet rs = ps.executeQuery()) {
                            long lastBlock = Long.MIN_VALUE;
                            IntSet set = null;
                            while (rs.next()) {
                                long block = blockStart(rs.getTimestamp(1).toInstant().getEpochSecond());
                                if (block != lastBlock) {
                                    set = trigrams.computeIfAbsent(block, k -> new IntSet(1024));
                                    lastBlock = block;
                                }
                                Trigrams.addMessage(rs.getString(3), LogLevel.fromCode(rs.getShort(2)), set);
                            }
                        }
                        i = j + 1;
                    }
                }
            } finally {
                c.rollback();
            }
        }
    }

    /** Stores the built filters whose block still has the version read; returns those stored. */
    private List<Long> store(Set<Long> starts, Map<Long, Long> versions, Map<Long, byte[]> serialized)
            throws SQLException {
        List<Long> order = new ArrayList<>(starts);
        List<Long> stored = new ArrayList<>();
        if (order.isEmpty()) {
            return stored;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE text_blocks SET trigrams = ?"
                    + " WHERE block_start = ? AND version = ? AND trigrams IS NULL")) {
                for (long start : order) {
                    ps.setBytes(1, serialized.get(start));
                    ps.setTimestamp(2, Timestamp.from(Instant.ofEpochSecond(start)));
                    ps.setLong(3, versions.get(start));
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                c.commit();
                for (int i = 0; i < counts.length; i++) {
                    if (counts[i] == 1) {
                        stored.add(order.get(i));
                    }
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return stored;
    }

    /** Forgets the oldest blocks' filters until the rest fit in {@code max-memory}. */
    private void forgetOverBudget() {
        while (bytes.get() > maxBytes) {
            Map.Entry<Long, Block> oldest = blocks.pollFirstEntry();
            if (oldest == null) {
                return;
            }
            bytes.addAndGet(-oldest.getValue().bytes);
        }
    }

    /**
     * Reads the index (no batch is written meanwhile): rows of another block length are replaced by pending blocks
     * of this length covering the same time, then the filters are read newest first up to {@code max-memory}, and
     * the pending blocks are queued for the indexer.
     */
    public void load() throws SQLException {
        synchronized (indexing) {
            loaded = false;
            TreeMap<Long, Block> filters = new TreeMap<>();
            Map<Long, Long> waiting = new HashMap<>();
            long quiet = nanoTime.getAsLong() - delayNanos; // pending from before: to build at once
            long total = 0;
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                try {
                    String length = blockSeconds + " seconds";
                    try (PreparedStatement ps = c.prepareStatement("""
                            INSERT INTO text_blocks (block_start, block_end)
                            SELECT DISTINCT g, g + ?::interval FROM text_blocks t,
                              generate_series(date_bin(?::interval, t.block_start, timestamptz '1970-01-01 00:00:00+00'),
                                              t.block_end - interval '1 microsecond', ?::interval) g
                            WHERE t.block_end - t.block_start <> ?::interval
                            ON CONFLICT (block_start) DO UPDATE SET trigrams = NULL, block_end = EXCLUDED.block_end,
                              version = text_blocks.version + 1""")) {
                        for (int i = 1; i <= 4; i++) {
                            ps.setString(i, length);
                        }
                        int n = ps.executeUpdate();
                        if (n > 0) {
                            log.info("text index: {} blocks of {} to build (rows written before the index, or with"
                                    + " another block length)", n, block());
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM text_blocks WHERE block_end - block_start <> ?::interval")) {
                        ps.setString(1, length);
                        ps.executeUpdate();
                    }
                    try (Statement s = c.createStatement()) {
                        s.setFetchSize(256);
                        try (ResultSet rs = s.executeQuery(
                                "SELECT block_start, trigrams FROM text_blocks ORDER BY block_start DESC")) {
                            while (rs.next()) {
                                long start = rs.getTimestamp(1).toInstant().getEpochSecond();
                                byte[] serialized = rs.getBytes(2);
                                if (serialized == null) {
                                    waiting.put(start, quiet);
                                    continue;
                                }
                                if (total + serialized.length > maxBytes) {
                                    continue; // older filters stay in the table only
                                }
                                try {
                                    filters.put(start, new Block(deserialize(serialized), serialized.length));
                                    total += serialized.length;
                                } catch (IllegalArgumentException e) {
                                    log.warn("text filter of block {} unreadable, built again: {}",
                                            Instant.ofEpochSecond(start), e.getMessage());
                                    waiting.put(start, quiet);
                                }
                            }
                        }
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    c.rollback();
                    throw e;
                }
            }
            // Unreadable filters are built again (the version check needs them pending in the table too).
            blocks.clear();
            blocks.putAll(filters);
            pending.clear();
            pending.putAll(waiting);
            pendingInTable.clear();
            pendingInTable.addAll(waiting.keySet());
            bytes.set(total);
            if (!waiting.isEmpty()) {
                markPending(waiting.keySet());
            }
            loaded = true;
            log.info("text index: {} block filters ({} bytes) loaded, {} blocks pending", filters.size(), total,
                    waiting.size());
        }
    }

    /** Sets {@code trigrams} NULL for {@code starts} (unreadable filters), so the indexer's version check holds. */
    private void markPending(Set<Long> starts) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE text_blocks SET trigrams = NULL, version = version + 1 WHERE block_start = ?"
                             + " AND trigrams IS NOT NULL")) {
            for (long start : starts) {
                ps.setTimestamp(1, Timestamp.from(Instant.ofEpochSecond(start)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Deletes the index of the hours before {@code boundary} in the retention's transaction. */
    public static void deleteBefore(Connection c, Instant boundary) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM text_blocks WHERE block_start < ?")) {
            ps.setTimestamp(1, Timestamp.from(boundary));
            ps.executeUpdate();
        }
    }

    /** Forgets the blocks before {@code boundary} after the retention deleted them. */
    public void dropBefore(Instant boundary) {
        long before = boundary.getEpochSecond();
        synchronized (indexing) {
            var gone = blocks.headMap(before, false);
            long freed = 0;
            for (Block b : gone.values()) {
                freed += b.bytes;
            }
            gone.clear();
            bytes.addAndGet(-freed);
            pending.headMap(before, false).clear();
            pendingInTable.removeIf(s -> s < before);
        }
    }

    /**
     * Rounds while there is work, each followed by a pause as long as the round took: the indexer takes at most
     * about half of one core from ingest and queries (it catches up on a backlog at about half its full speed).
     */
    private void indexLogged() {
        try {
            long started = System.nanoTime();
            while (indexOnce() > 0 && thread != null) {
                long took = System.nanoTime() - started;
                TimeUnit.NANOSECONDS.sleep(Math.min(took, TimeUnit.SECONDS.toNanos(2)));
                started = System.nanoTime();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("text indexer round failed (tried again shortly): {}", e.toString());
        }
    }

    @Override
    public void start() {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "text-indexer");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(1000, delayNanos / 4_000_000));
        executor.scheduleWithFixedDelay(this::indexLogged, period, period, TimeUnit.MILLISECONDS);
        thread = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = thread;
        thread = null;
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    private static byte[] serialize(BloomFilter<Integer> filter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            filter.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static BloomFilter<Integer> deserialize(byte[] bytes) {
        // Guava's form: strategy (1 byte), hash count (1 byte), number of longs (int), the longs; Guava allocates
        // what the header claims before reading, so check the claim against the real length first.
        if (bytes.length < 6) {
            throw new IllegalArgumentException("too short for a Guava bloom filter");
        }
        long longs = ((bytes[2] & 0xFFL) << 24) | ((bytes[3] & 0xFFL) << 16) | ((bytes[4] & 0xFFL) << 8)
                | (bytes[5] & 0xFFL);
        if (6 + 8 * longs != bytes.length) {
            throw new IllegalArgumentException("header claims " + longs + " words, " + bytes.length + " bytes given");
        }
        try {
            return BloomFilter.readFrom(new ByteArrayInputStream(bytes), Funnels.integerFunnel());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a Guava bloom filter of ints", e);
        }
    }
}
