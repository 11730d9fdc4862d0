package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.node.storage.OffsetStore;
import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * Issue 14, item 1: PostgreSQL out of disk space ("could not extend file ...: No space left on device",
 * SQLSTATE 53100) during a batch is no fault of the rows: the batch is retried, not moved to
 * {@code rejected_records}, and the {@code ingest} health goes DOWN saying "disk full", UP again once a write
 * succeeds. A real full disk cannot be made here: the errors are made up with the server's SQLSTATE and text.
 */
class DiskFullTest {

    static SQLException diskFull() {
        return new SQLException("ERROR: could not extend file \"base/5/16404.1\": No space left on device\n"
                + "  Hint: Check free disk space.", "53100");
    }

    @Test
    void aFullDiskIsNotADataError() {
        assertThat(BatchWriter.isDataError(diskFull())).isFalse();
        assertThat(BatchWriter.isDataError(new SQLException("out of memory", "53200"))).isFalse();
        assertThat(BatchWriter.isDataError(new SQLException("too many connections", "53300"))).isFalse();
        assertThat(BatchWriter.isDataError(new SQLException("connection failure", "08006"))).isFalse();
        // what the rows themselves can cause still is one
        assertThat(BatchWriter.isDataError(new SQLException("invalid byte sequence", "22021"))).isTrue();
        assertThat(BatchWriter.isDataError(new SQLException("not-null violation", "23502"))).isTrue();
        assertThat(BatchWriter.isDataError(new SQLException("index row size exceeds maximum", "54000"))).isTrue();
    }

    @Test
    void aFullDiskIsToldApartFromOtherFailures() {
        assertThat(WriteFailure.of(diskFull())).isEqualTo(WriteFailure.DISK_FULL);
        // wrapped by a batch statement, a pool or anything else: still a full disk
        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", "53100", new int[0]);
        assertThat(WriteFailure.of(batch)).isEqualTo(WriteFailure.DISK_FULL);
        SQLException chained = new SQLException("batch failed", (String) null);
        chained.setNextException(diskFull());
        assertThat(WriteFailure.of(chained)).isEqualTo(WriteFailure.DISK_FULL);
        assertThat(WriteFailure.of(new RuntimeException("write failed", diskFull()))).isEqualTo(WriteFailure.DISK_FULL);

        assertThat(WriteFailure.of(new SQLException("out of memory", "53200"))).isEqualTo(WriteFailure.OUT_OF_RESOURCES);
        assertThat(WriteFailure.of(new SQLException("connection refused", "08001")))
                .isEqualTo(WriteFailure.DATABASE_UNREACHABLE);
        assertThat(WriteFailure.of(new SQLTransientConnectionException("pool: connection is not available")))
                .isEqualTo(WriteFailure.DATABASE_UNREACHABLE);
        assertThat(WriteFailure.of(new IllegalStateException("bug"))).isEqualTo(WriteFailure.OTHER);
        assertThat(WriteFailure.of(null)).isEqualTo(WriteFailure.OTHER);
    }

    static IngestLoop.Status status(IngestLoop.State state, int failures, Exception lastFailure) {
        return new IngestLoop.Status(state, true, List.of(0, 3), failures,
                lastFailure == null ? null : "batch of 500 records failed (attempt " + failures + "), retrying: " + lastFailure,
                lastFailure == null ? null : Instant.now(), Instant.now().minusSeconds(30), null, "AAAAAAAAAAAAAAAAAAAAAA",
                lastFailure == null ? null : WriteFailure.of(lastFailure).reason());
    }

    @Test
    void healthGoesDownSayingDiskFullAndUpAgainOnceAWriteSucceeds() {
        IngestLoop.Status[] now = {status(IngestLoop.State.RETRYING, 1, diskFull())};
        IngestHealthIndicator indicator = new IngestHealthIndicator(() -> now[0], 0, 0);

        Health first = indicator.health();
        assertThat(first.getStatus()).as("one failed attempt").isEqualTo(Status.UP);
        assertThat((String) first.getDetails().get("reason")).startsWith("disk full");

        now[0] = status(IngestLoop.State.RETRYING, 3, diskFull());
        Health down = indicator.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat((String) down.getDetails().get("reason")).startsWith("disk full").contains("53100");
        assertThat(down.getDetails()).containsEntry("state", "RETRYING").containsEntry("consecutiveFailures", 3);

        now[0] = status(IngestLoop.State.RETRYING, 3, new SQLException("connection refused", "08001"));
        assertThat((String) indicator.health().getDetails().get("reason")).startsWith("database unreachable");

        now[0] = status(IngestLoop.State.RUNNING, 0, null);
        Health up = indicator.health();
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(up.getDetails()).doesNotContainKey("reason").containsEntry("topicId", "AAAAAAAAAAAAAAAAAAAAAA");
    }

    @Test
    void aStoredOffsetOfAnotherTopicIdCountsEveryRecordAsNew() {
        DecodedRecord r = DecodedRecord.rejected(0, 5, "x", new byte[0]);
        assertThat(BatchWriter.isNew(r, "new", Map.of(0, new OffsetStore.Stored(100, "new")))).isFalse();
        assertThat(BatchWriter.isNew(r, "new", Map.of(0, new OffsetStore.Stored(100, "old")))).isTrue();
        assertThat(BatchWriter.isNew(r, "new", Map.of(0, new OffsetStore.Stored(5, "new")))).isTrue();
        assertThat(BatchWriter.isNew(r, "new", Map.of())).isTrue();
        // rows written before topic ids were kept: their offsets are trusted as before
        assertThat(BatchWriter.isNew(r, "new", Map.of(0, new OffsetStore.Stored(100, null)))).isFalse();
    }
}
