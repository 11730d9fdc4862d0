package dev.logquery.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.HealthJson;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.KnownLines;
import dev.logquery.testkit.StoredLines;
import dev.logquery.testkit.services.Postgres;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 1: PostgreSQL answers "could not extend file ...: No space left on device" (SQLSTATE 53100)
 * while the node writes its batches. A real full disk cannot be made here; a trigger on {@code logs} raises
 * exactly that error in the node's {@code COPY}, on a real PostgreSQL. The batch is not rejected (nothing in
 * {@code rejected_records}), nothing is stored and no offset moves; {@code ingest} turns DOWN with the reason
 * "disk full"; once writes succeed again (the trigger dropped) the node stores every line exactly once and is
 * UP again by itself.
 */
class DiskFullIT {

    static HealthJson health(App node) {
        return HealthJson.parse(Http.get(node.url() + "/actuator/health").body());
    }

    static void sql(Postgres db, String statement) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    @Test
    void aFullDiskStopsIngestWithoutRejectingOrSkippingAndItResumesByItself() throws Exception {
        try (Cluster cluster = Cluster.builder().partitions(2).node("logquery.node.batch.max-wait", "100ms")
                .node("management.endpoint.health.show-details", "always").start()) { // the test reads ingest details
            App node = cluster.node(0);
            Postgres db = cluster.database(0);
            List<StoredLogEntry> sent = new ArrayList<>();
            sent.addAll(cluster.write(KnownLines.generate(91, 300, 6, Instant.now(), Duration.ofHours(1))).rows());
            Await.until(Duration.ofSeconds(60), "first lines stored", db::storedLines, n -> n >= sent.size());
            long offsetsBefore = db.queryLong("SELECT sum(next_offset) FROM kafka_offsets");

            sql(db, """
                    CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      RAISE EXCEPTION 'could not extend file "base/5/16404.1": No space left on device'
                        USING ERRCODE = 'disk_full', HINT = 'Check free disk space.';
                    END $$""");
            sql(db, "CREATE TRIGGER disk_full BEFORE INSERT ON logs FOR EACH ROW EXECUTE FUNCTION disk_full()");
            sent.addAll(cluster.write(KnownLines.generate(92, 500, 6, Instant.now(), Duration.ofHours(1))).rows());

            HealthJson down = Await.until(Duration.ofSeconds(30), "ingest DOWN saying disk full", () -> health(node),
                    h -> h.status("ingest").equals("DOWN"));
            assertThat(down.detail("ingest", "reason")).as("%s", down).startsWith("disk full").contains("53100");
            assertThat(down.detail("ingest", "state")).isEqualTo("RETRYING");
            assertThat(down.status()).isEqualTo("DOWN");
            assertThat(down.status("database")).as("PostgreSQL itself answers").isEqualTo("UP");
            assertThat(db.queryLong("SELECT count(*) FROM rejected_records")).as("nothing rejected for a full disk")
                    .isZero();
            assertThat(db.storedLines()).isEqualTo(300);
            assertThat(db.queryLong("SELECT sum(next_offset) FROM kafka_offsets")).as("no offset moved")
                    .isEqualTo(offsetsBefore);

            sql(db, "DROP TRIGGER disk_full ON logs");
            HealthJson up = Await.until(Duration.ofSeconds(30), "ingest UP again", () -> health(node),
                    h -> h.status().equals("UP") && h.detail("ingest", "state").equals("RUNNING"));
            assertThat(up.hasDetail("ingest", "reason")).as("%s", up).isFalse();
            // The offsets reach the partitions' log ends (offsets from 0, one a line): nothing is left to store twice.
            Await.until(Duration.ofSeconds(60), "every offset stored",
                    () -> db.queryLong("SELECT sum(next_offset) FROM kafka_offsets"), n -> n == sent.size());
            try (Connection c = db.connect()) {
                StoredLines.assertExactly(c, sent);
            }
            assertThat(db.queryLong("SELECT count(*) FROM rejected_records")).isZero();
        }
    }
}
