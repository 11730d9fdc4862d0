package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.query.VolumeExecutor;
import dev.logquery.node.query.VolumeSql;
import dev.logquery.node.text.TextIndex;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Truth;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text index against a real PostgreSQL: one node ingests a few thousand lines with varied messages (mixed case,
 * non-ASCII, LIKE's special characters) over six hours from a real broker; then, for many random texts, the plan
 * that skips blocks must read exactly the rows (same rows, same order) and count exactly the volumes of the full
 * scan ({@link ScanPlan#unpruned}), while skipping blocks. Again after a late line into an old block, and after a
 * restart of the node (filters read back from {@code text_blocks}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TextIndexIT {

    private static final Logger log = LoggerFactory.getLogger(TextIndexIT.class);

    static final List<String> WORDS = List.of("Timeout", "timeout", "TIMEOUT", "payment", "declined", "card", "user",
            "GET", "POST", "/api/orders", "/api/users", "took", "ms", "retry", "connection", "refused", "50%_off",
            "C:\\temp\\x", "a_b", "100%", "café", "CAFÉ", "naïve", "Über", "über", "日本語", "ログ", "o\u212Ay",
            "\u0130stanbul", "\u0131d", "IDLE", "idle", "grüße", "(id=", "status=500", "status=200", "cache", "miss",
            "hit", "queue", "full", "disk", "quota", "exceeded", "Kafka", "kafka", "rebalance", "zebra", "quokka",
            "xylophone", "jumbo", "wizard", "fjord", "sphinx", "vex", "glyph", "crwth", "pneumonia", "ΣΊΣΥΦΟΣ");

    @AutoClose
    static Cluster cluster;
    static Truth truth;
    static Instant oldest;
    static Instant newest;

    @BeforeAll
    static void ingest() throws Exception {
        cluster = Cluster.builder().partitions(2).node("logquery.node.text-index.index-delay", "1s").start();
        Instant end = Instant.now().truncatedTo(ChronoUnit.MICROS);
        truth = cluster.write(lines(new Random(11), 4_000, end, Duration.ofHours(6)));
        oldest = truth.oldest();
        newest = truth.newest();
        cluster.awaitStored(truth, Duration.ofSeconds(90));
        awaitIndexed();
        try (Connection c = cluster.node(0).bean(DataSource.class).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT datctype, datcollate, datlocprovider FROM pg_database"
                     + " WHERE datname = current_database()")) {
            rs.next();
            log.info("node database: ctype {}, collate {}, provider {}", rs.getString(1), rs.getString(2),
                    rs.getString(3));
        }
    }

    static List<LogEntry> lines(Random r, int count, Instant end, Duration window) {
        List<LogEntry> out = new ArrayList<>(count);
        String[] services = {"checkout", "search", "auth"};
        for (int i = 0; i < count; i++) {
            Instant ts = end.minusNanos(1000L * (long) (r.nextDouble() * window.toNanos() / 1000));
            StringBuilder m = new StringBuilder();
            int words = 2 + r.nextInt(6);
            for (int w = 0; w < words; w++) {
                m.append(WORDS.get(r.nextInt(WORDS.size()))).append(r.nextInt(4) == 0 ? "" : " ");
            }
            m.append("id=").append(r.nextInt(100_000));
            out.add(new LogEntry(ts, services[r.nextInt(services.length)], LogLevel.values()[r.nextInt(4)], "ns",
                    "pod-" + r.nextInt(3), "app", m.toString()));
        }
        return out;
    }

    /** Waits until the indexer built every pending block's filter. */
    static void awaitIndexed() throws Exception {
        Await.until(Duration.ofSeconds(60), "text index loaded and nothing pending",
                () -> node().bean(TextIndex.class).isLoaded() && node().bean(TextIndex.class).pendingCount() == 0);
    }

    static App node() {
        return cluster.node(0);
    }

    /** A random text: a piece of a stored message (case flipped at random), a word, random characters, short. */
    static String randomText(Random r) {
        List<StoredLogEntry> rows = truth.rows();
        return switch (r.nextInt(6)) {
            case 0, 1 -> {
                String m = rows.get(r.nextInt(rows.size())).entry().message();
                int from = r.nextInt(m.length());
                String piece = m.substring(from, Math.min(m.length(), from + 1 + r.nextInt(14)));
                StringBuilder b = new StringBuilder(piece);
                for (int i = 0; i < b.length(); i++) {
                    if (r.nextBoolean()) {
                        char c = b.charAt(i);
                        b.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                    }
                }
                yield b.toString();
            }
            case 2 -> WORDS.get(r.nextInt(WORDS.size()));
            case 3 -> WORDS.get(r.nextInt(WORDS.size())) + " " + WORDS.get(r.nextInt(WORDS.size()));
            case 4 -> {
                String alphabet = "abcdeiIkKoxyz%_\\ =é日\u0130\u0131\u212A0123";
                StringBuilder b = new StringBuilder();
                int n = 1 + r.nextInt(6);
                for (int i = 0; i < n; i++) {
                    b.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                yield b.toString();
            }
            default -> {
                String m = rows.get(r.nextInt(rows.size())).entry().message();
                int from = r.nextInt(m.length());
                yield m.substring(from, Math.min(m.length(), from + 1 + r.nextInt(2)));
            }
        };
    }

    static LogQuery randomQuery(Random r, String text) {
        Instant start = oldest.minus(Duration.ofMinutes(10));
        Instant end = newest.plus(Duration.ofMinutes(10));
        if (r.nextBoolean()) {
            long span = Duration.between(start, end).toMillis();
            Instant a = start.plusMillis((long) (r.nextDouble() * span));
            Instant b = start.plusMillis((long) (r.nextDouble() * span));
            start = a.isBefore(b) ? a : b;
            end = a.isBefore(b) ? b : a;
        }
        LogQueryBuilder q = LogQueryBuilder.between(start, end).contains(text).limit(r.nextInt(4) == 0 ? 7 : 10_000);
        if (r.nextInt(5) == 0) {
            q.service("checkout");
        }
        switch (r.nextInt(4)) {
            case 0 -> q.levels(LogLevel.values()[r.nextInt(4)]);
            case 1 -> q.levels(LogLevel.WARN, LogLevel.ERROR);
            default -> { } // any level
        }
        return q.build();
    }

    static List<StoredLogEntry> rows(LogQuery q, ScanPlan plan) {
        return node().bean(QueryExecutor.class).execute(q, plan).collectList().block(Duration.ofSeconds(30));
    }

    static List<String> volumes(LogQuery q, ScanPlan plan) {
        LogQuery window = LogQueryBuilder.between(q.startTime(), q.endTime()).contains(q.contains())
                .service(q.service()).levels(q.levels()).limit(1).build();
        VolumeSql.Volume v = VolumeSql.Volume.of(window, 0, 0,
                List.of(VolumeSql.Column.SERVICE, VolumeSql.Column.LEVEL));
        return node().bean(VolumeExecutor.class).execute(v, plan, 1000).block(Duration.ofSeconds(30)).stream()
                .map(g -> g.values() + "=" + g.count() + "/" + g.bytes()).sorted().toList();
    }

    /** Many random texts: the skipping plan reads what the full scan reads; returns the blocks skipped. */
    static long compareWithFullScan(long seed, int queries) {
        return compareWithFullScan(seed, queries, true);
    }

    static long compareWithFullScan(long seed, int queries, boolean checkFound) {
        Random r = new Random(seed);
        QueryExecutor executor = node().bean(QueryExecutor.class);
        long blocksSkipped = 0;
        int nonEmpty = 0;
        for (int i = 0; i < queries; i++) {
            String text = randomText(r);
            LogQuery q = randomQuery(r, text);
            ScanPlan skipping = executor.plan(q, true);
            ScanPlan full = executor.plan(q, false);
            List<StoredLogEntry> expected = rows(q, full);
            assertThat(rows(q, skipping)).as("rows of %s (plan %s)", q, skipping).isEqualTo(expected);
            if (q.limit() > 7) {
                assertThat(volumes(q, skipping)).as("volumes of %s", q).isEqualTo(volumes(q, full));
            }
            blocksSkipped += skipping.blocksSkipped();
            nonEmpty += expected.isEmpty() ? 0 : 1;
        }
        if (checkFound) {
            assertThat(nonEmpty).as("queries that found rows").isGreaterThan(queries / 5);
        }
        return blocksSkipped;
    }

    @Test
    @Order(1)
    void theSkippingScanReadsExactlyWhatTheFullScanReads() {
        assertThat(node().bean(TextIndex.class).blockCount()).isGreaterThan(300);
        long skipped = compareWithFullScan(1, 600);
        assertThat(skipped).as("blocks skipped").isGreaterThan(10_000);
    }

    @Test
    @Order(2)
    void aRareTextSkipsMostBlocks() {
        LogQuery q = LogQueryBuilder.between(oldest, newest).contains("XyLoPhOnE zebra").limit(10_000).build();
        ScanPlan plan = node().bean(QueryExecutor.class).plan(q, true);
        List<StoredLogEntry> found = rows(q, plan);
        assertThat(found).isEqualTo(rows(q, ScanPlan.unpruned(q, node().bean(ChunkStore.class).chunks())));
        assertThat(found.size()).isLessThan(200);
        int blocks = (int) Duration.between(oldest, newest).toMinutes();
        assertThat(plan.blocksSkipped()).isGreaterThan(blocks / 2);
    }

    /** A late line extends its old block's filter (and the stored one: checked after the restart below). */
    @Test
    @Order(3)
    void aLateLineIntoAnOldBlockIsFound() throws Exception {
        Instant old = oldest.plus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.MICROS);
        LogQuery q = LogQueryBuilder.between(oldest, newest).contains("LATE-zqxj").limit(100).build();
        QueryExecutor executor = node().bean(QueryExecutor.class);
        assertThat(rows(q, executor.plan(q, true))).isEmpty();
        assertThat(executor.plan(q, true).ranges()).as("no block has the text yet").isEmpty();

        Truth late = cluster.write(List.of(new LogEntry(old, "auth", LogLevel.WARN, "ns", "pod-1", "app",
                "a late-ZQXJ line")));
        truth = truth.plus(late);
        cluster.awaitStored(truth, Duration.ofSeconds(60));
        // Pending (no filter until the indexer built it again): read.
        List<StoredLogEntry> found = rows(q, executor.plan(q, true));
        assertThat(found).hasSize(1);
        assertThat(found.get(0).entry().timestamp()).isEqualTo(old);
        assertThat(executor.plan(q, true).ranges()).hasSize(1);
        // Built again from the stored rows: the new filter has the late line's trigrams.
        awaitIndexed();
        assertThat(node().bean(TextIndex.class).pendingCount()).isZero();
        assertThat(executor.plan(q, true).ranges()).hasSize(1);
        assertThat(rows(q, executor.plan(q, true))).isEqualTo(found);
    }

    @Test
    @Order(4)
    void afterARestartTheStoredFiltersAreReadBackAndStillAgree() throws Exception {
        TextIndex before = node().bean(TextIndex.class);
        int blocks = before.blockCount();
        long bytes = before.bytes();
        log.info("text index of {} lines: {} blocks, {} bytes ({} bytes per million rows)", truth.size(), blocks,
                bytes, bytes * 1_000_000 / truth.size());
        cluster.restartNode(0, 0);
        Await.until(Duration.ofSeconds(60), "chunks and text index loaded",
                () -> node().bean(ChunkStore.class).isLoaded() && node().bean(TextIndex.class).isLoaded());
        assertThat(node().bean(TextIndex.class).blockCount()).isEqualTo(blocks);
        assertThat(node().bean(TextIndex.class).pendingCount()).isZero();
        assertThat(node().bean(TextIndex.class).bytes()).isEqualTo(bytes);

        LogQuery q = LogQueryBuilder.between(oldest, newest).contains("late-zqxj").limit(100).build();
        ScanPlan plan = node().bean(QueryExecutor.class).plan(q, true);
        assertThat(plan.ranges()).as("only the late line's block is read").hasSize(1);
        assertThat(rows(q, plan)).hasSize(1);
        long skipped = compareWithFullScan(2, 300);
        assertThat(skipped).isGreaterThan(5_000);
    }

    /**
     * Rows without filters (as after the migration, which marks every hour holding rows pending with one row of an
     * hour's length): the node splits them into blocks of its length at start-up and the indexer builds them.
     */
    @Test
    @Order(5)
    void hoursWithoutFiltersAreIndexedAfterTheStart() throws Exception {
        int blocks = node().bean(TextIndex.class).blockCount();
        try (Connection c = node().bean(DataSource.class).getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM text_blocks");
            s.executeUpdate("INSERT INTO text_blocks (block_start, block_end) SELECT hour, hour + interval '1 hour'"
                    + " FROM chunks");
        }
        cluster.restartNode(0, 0);
        Await.until(Duration.ofSeconds(60), "text index loaded", () -> node().bean(TextIndex.class).isLoaded());
        // Before the indexer is done, blocks without filter are read: the answers agree at every moment.
        compareWithFullScan(4, 20, false);
        awaitIndexed();
        // Every block of every hour now has a filter, also the minutes without rows at the hours' edges.
        assertThat(node().bean(TextIndex.class).blockCount()).isGreaterThanOrEqualTo(blocks);
        assertThat(compareWithFullScan(5, 200)).isGreaterThan(3_000);
    }

    /** The retention drops the filters with their hours (in the table and on the heap). */
    @Test
    @Order(6)
    void theRetentionDropsTheBlocksOfItsHours() throws Exception {
        TextIndex text = node().bean(TextIndex.class);
        Instant boundary = oldest.plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.HOURS);
        int before = text.blockCount();
        try (Connection c = node().bean(DataSource.class).getConnection()) {
            c.setAutoCommit(false);
            TextIndex.deleteBefore(c, boundary);
            c.commit();
        }
        text.dropBefore(boundary);
        assertThat(text.blockCount()).isLessThan(before);
        try (Connection c = node().bean(DataSource.class).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT min(block_start) FROM text_blocks")) {
            rs.next();
            assertThat(rs.getTimestamp(1).toInstant()).isAfterOrEqualTo(boundary);
        }
        // Blocks without a filter now (their filter dropped while their rows stay here) are read: still exact.
        compareWithFullScan(3, 100);
    }
}
