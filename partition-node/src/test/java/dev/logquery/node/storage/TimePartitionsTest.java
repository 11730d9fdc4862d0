package dev.logquery.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.config.NodeProperties;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link TimePartitions}: which UTC days get a partition ({@code logs_YYYYMMDD}, [day, next day)), which stay in
 * {@code logs_default}, and that each is created once. The database is {@link RecordingJdbc}.
 */
class TimePartitionsTest {

    /** 23:30 UTC on 10 March: already 11 March in Tokyo, the clock's zone. Partitions follow UTC days. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T23:30:00Z"), ZoneId.of("Asia/Tokyo"));
    static final LocalDate TODAY = LocalDate.of(2026, 3, 10);

    final RecordingJdbc db = new RecordingJdbc();
    final TimePartitions partitions = new TimePartitions(db.dataSource(), new NodeProperties.Storage(35, 3), CLOCK);

    List<String> created() {
        return db.sql().stream().filter(s -> s.startsWith("CREATE TABLE IF NOT EXISTS "))
                .map(s -> s.substring("CREATE TABLE IF NOT EXISTS ".length(), s.indexOf(" (LIKE"))).toList();
    }

    @Test
    void todayAndTheDaysAheadAreCreatedOnce() throws SQLException {
        partitions.createAhead();
        assertThat(created()).containsExactly("logs_20260310", "logs_20260311", "logs_20260312", "logs_20260313");
        assertThat(partitions.count()).isEqualTo(4);

        db.executed.clear();
        partitions.createAhead();
        assertThat(db.executed).as("known: nothing asked").isEmpty();
    }

    @Test
    void aDayIsAttachedWithItsUtcBoundsAndTakesItsRowsFromTheDefaultPartition() throws SQLException {
        partitions.ensureAll(List.of(TODAY.minusDays(1)));
        assertThat(db.sql()).containsExactly(
                "SET LOCAL lock_timeout = '5s'",
                "LOCK TABLE logs_default IN SHARE ROW EXCLUSIVE MODE",
                "CREATE TABLE IF NOT EXISTS logs_20260309 (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
                "SELECT 1 FROM pg_inherits WHERE inhrelid = 'logs_20260309'::regclass",
                "WITH moved AS (DELETE FROM logs_default WHERE ts >= '2026-03-09T00:00:00Z' AND ts < '2026-03-10T00:00:00Z'"
                        + " RETURNING *) INSERT INTO logs_20260309 SELECT * FROM moved",
                "ALTER TABLE logs_20260309 ADD CONSTRAINT logs_20260309_range CHECK (ts >= '2026-03-09T00:00:00Z'"
                        + " AND ts < '2026-03-10T00:00:00Z')",
                "ALTER TABLE logs ATTACH PARTITION logs_20260309 FOR VALUES FROM ('2026-03-09T00:00:00Z')"
                        + " TO ('2026-03-10T00:00:00Z')",
                "ALTER TABLE logs_20260309 DROP CONSTRAINT logs_20260309_range");
        assertThat(db.transactionEvents).containsExactly("autoCommit=false", "commit");
        assertThat(db.connectionsOpen).isZero();
    }

    @Test
    void aTableAlreadyAttachedIsOnlyRemembered() throws SQLException {
        db.rows = sql -> sql.contains("pg_inherits WHERE inhrelid") ? List.<Object[]>of(new Object[] {1}) : List.of();
        partitions.ensureAll(List.of(TODAY));
        assertThat(db.sql()).noneMatch(s -> s.startsWith("ALTER") || s.startsWith("WITH"));
        assertThat(partitions.count()).isEqualTo(1);
    }

    @Test
    void daysOutsideTheWindowStayInTheDefaultPartition() throws SQLException {
        partitions.ensureAll(List.of(TODAY.minusDays(36), TODAY.minusDays(35), TODAY.plusDays(3), TODAY.plusDays(4)));
        assertThat(created()).containsExactly("logs_20260203", "logs_20260313");
        assertThat(partitions.inWindow(TODAY.minusDays(35))).isTrue();
        assertThat(partitions.inWindow(TODAY.minusDays(36))).isFalse();
        assertThat(partitions.inWindow(TODAY.plusDays(3))).isTrue();
        assertThat(partitions.inWindow(TODAY.plusDays(4))).isFalse();
    }

    @Test
    void partitionsThatExistAreNotCreatedAgain() throws SQLException {
        db.rows = sql -> sql.contains("FROM pg_inherits i")
                ? List.of(new Object[] {"logs_20260310"}, new Object[] {"logs_20260311"}) : List.of();
        partitions.load();
        assertThat(partitions.count()).isEqualTo(2);
        partitions.createAhead();
        assertThat(created()).containsExactly("logs_20260312", "logs_20260313");
    }

    @Test
    void aFailedCreationRollsBackAndIsTriedAgainNextTime() throws SQLException {
        db.failure = sql -> sql.contains("ATTACH PARTITION")
                ? new SQLException("canceling statement due to lock timeout", "55P03") : null;
        assertThatThrownBy(() -> partitions.ensureAll(List.of(TODAY))).isInstanceOf(SQLException.class);
        assertThat(db.transactionEvents).containsExactly("autoCommit=false", "rollback");
        assertThat(partitions.count()).isZero();

        db.failure = sql -> null;
        partitions.ensureAll(List.of(TODAY));
        assertThat(created()).containsExactly("logs_20260310", "logs_20260310");
        assertThat(partitions.count()).isEqualTo(1);
    }

    @Test
    void aForgottenDayIsCreatedAgainOnDemandAndNamesReadBack() throws SQLException {
        partitions.ensureAll(List.of(TODAY));
        partitions.forget(TODAY);
        partitions.ensureAll(List.of(TODAY));
        assertThat(created()).containsExactly("logs_20260310", "logs_20260310");
        assertThat(TimePartitions.day("logs_20260310")).isEqualTo(TODAY);
        assertThat(TimePartitions.day("logs_20251231")).isEqualTo(LocalDate.of(2025, 12, 31));
    }
}
