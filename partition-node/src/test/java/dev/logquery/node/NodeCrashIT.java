package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.services.Postgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A partition node running as its own JVM is killed with SIGKILL ({@code kill -9}): once after a
 * committed batch, and twice while PostgreSQL shows its {@code COPY} in progress. After each restart
 * it must have lost nothing and stored nothing twice.
 */
class NodeCrashIT {

    static boolean copyInProgress(Postgres db) throws Exception {
        return db.queryLong("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE 'COPY logs%'") > 0;
    }

    static void kill9(App node) throws Exception {
        node.kill(); // SIGKILL on Linux: no shutdown hook, no rollback by the JVM
        assertThat(node.running()).isFalse();
    }

    @Test
    void killedNodesLoseNothingAndStoreNothingTwice() throws Exception {
        try (Cluster cluster = Cluster.builder().partitions(4).forked(0, 0).nodesStartedByTest()
                .node("logquery.node.batch.max-wait", "100ms").start()) {
            App node = cluster.node(0); // its output: target/node-0-0.log
            Postgres db = cluster.database(0);
            List<LogEntry> sent = new ArrayList<>();
            List<LogEntry> first = KnownLines.generate(11, 20_000, 8, Instant.now(), Duration.ofHours(6));
            cluster.write(first);
            sent.addAll(first);

            node.start();
            Await.until(Duration.ofSeconds(90), "first lines stored", db::storedLines, n -> n >= first.size());
            kill9(node); // after a committed batch: everything sent is stored

            List<LogEntry> second = KnownLines.generate(12, 300_000, 8, Instant.now(), Duration.ofHours(6));
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    cluster.write(second);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            sent.addAll(second);

            // At least two kills, and more (up to six) until one lands right after a COPY was seen running: a batch's
            // COPY takes milliseconds, so checking again after seeing one (as this test once did) mostly missed it.
            int killsDuringCopy = 0;
            for (int round = 0; round < 6 && (round < 2 || killsDuringCopy == 0); round++) {
                long before = db.storedLines();
                node.start(); // returns once it serves HTTP
                Await.until(Duration.ofSeconds(90), "ingest progressing", db::storedLines, n -> n > before);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                boolean midBatch = false;
                while (!midBatch && System.nanoTime() < deadline) {
                    midBatch = copyInProgress(db);
                }
                kill9(node);
                killsDuringCopy += midBatch ? 1 : 0;
                System.out.printf("kill %d: %d rows stored, COPY seen running just before: %s%n", round + 1, db.storedLines(),
                        midBatch);
            }
            sending.get(120, TimeUnit.SECONDS);

            node.start();
            // Every offset stored (offsets from 0, one a line): nothing is left to store twice.
            Await.until(Duration.ofSeconds(120), "every offset stored",
                    () -> db.queryLong("SELECT sum(next_offset) FROM kafka_offsets"), n -> n == sent.size());
            assertThat(db.storedLines()).isEqualTo(sent.size());
            assertThat(db.queryLong("SELECT count(*) FROM (SELECT DISTINCT kafka_partition, kafka_offset FROM logs) d"))
                    .isEqualTo(sent.size());
            assertThat(db.queryLong("SELECT sum(row_count) FROM chunks")).isEqualTo(sent.size());
            assertThat(killsDuringCopy).as("kills that landed while a COPY was in progress").isGreaterThanOrEqualTo(1);
        }
    }
}
