package dev.logquery.node.storage;

import dev.logquery.node.config.NodeProperties;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Daily range partitions of the {@code logs} table ({@code logs_YYYYMMDD}, UTC days). Days inside the
 * window [today - back, today + ahead] get their own partition, created ahead of time and on demand
 * before a batch writes to them; rows of other days stay in {@code logs_default}. Creating a day moves
 * any rows of that day already in the default partition into it, in one transaction, so a partition
 * can always be created whatever arrived before.
 */
public final class TimePartitions {

    private static final Logger log = LoggerFactory.getLogger(TimePartitions.class);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("'logs_'yyyyMMdd");

    private final DataSource dataSource;
    private final NodeProperties.Storage settings;
    private final Clock clock;
    private final Set<LocalDate> known = ConcurrentHashMap.newKeySet();

    public TimePartitions(DataSource dataSource, NodeProperties.Storage settings, Clock clock) {
        this.dataSource = dataSource;
        this.settings = settings;
        this.clock = clock;
    }

    /** Reads which daily partitions exist. */
    public void load() throws SQLException {
        known.clear();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT child.relname FROM pg_inherits i
                     JOIN pg_class child ON child.oid = i.inhrelid
                     JOIN pg_class parent ON parent.oid = i.inhparent
                     WHERE parent.relname = 'logs' AND child.relname ~ '^logs_[0-9]{8}$'""")) {
            while (rs.next()) {
                known.add(LocalDate.parse(rs.getString(1), NAME));
            }
        }
    }

    /** Creates the partitions of today and the days ahead that do not exist yet. */
    public void createAhead() throws SQLException {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        for (int d = 0; d <= settings.dailyPartitionsAhead(); d++) {
            ensure(today.plusDays(d));
        }
    }

    /** Makes sure every day of {@code days} inside the window has its partition. */
    public void ensureAll(Collection<LocalDate> days) throws SQLException {
        for (LocalDate day : days) {
            ensure(day);
        }
    }

    public boolean inWindow(LocalDate day) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        return !day.isBefore(today.minusDays(settings.dailyPartitionsBack()))
                && !day.isAfter(today.plusDays(settings.dailyPartitionsAhead()));
    }

    /** The day of a daily partition's name ({@code logs_YYYYMMDD}). */
    public static LocalDate day(String partitionName) {
        return LocalDate.parse(partitionName, NAME);
    }

    /** After the retention dropped a day's partition: created again on demand only. */
    public void forget(LocalDate day) {
        known.remove(day);
    }

    public int count() {
        return known.size();
    }

    private void ensure(LocalDate day) throws SQLException {
        if (known.contains(day) || !inWindow(day)) {
            return;
        }
        String name = NAME.format(day);
        String from = day.atStartOfDay().toInstant(ZoneOffset.UTC).toString();
        String to = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // Serialises concurrent creators; names and bounds are formatted dates, never user input.
                // Bounded waits: a long reader must not block ingestion (or queue readers behind us) for ever.
                s.execute("SET LOCAL lock_timeout = '5s'");
                s.execute("LOCK TABLE logs_default IN SHARE ROW EXCLUSIVE MODE");
                s.execute("CREATE TABLE IF NOT EXISTS " + name
                        + " (LIKE logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
                boolean attached;
                try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_inherits WHERE inhrelid = '" + name
                        + "'::regclass")) {
                    attached = rs.next();
                }
                if (!attached) {
                    int moved = s.executeUpdate("WITH moved AS (DELETE FROM logs_default WHERE ts >= '" + from
                            + "' AND ts < '" + to + "' RETURNING *) INSERT INTO " + name + " SELECT * FROM moved");
                    s.execute("ALTER TABLE " + name + " ADD CONSTRAINT " + name + "_range CHECK (ts >= '" + from
                            + "' AND ts < '" + to + "')");
                    s.execute("ALTER TABLE logs ATTACH PARTITION " + name + " FOR VALUES FROM ('" + from
                            + "') TO ('" + to + "')");
                    s.execute("ALTER TABLE " + name + " DROP CONSTRAINT " + name + "_range");
                    if (moved > 0) {
                        log.info("created partition {} and moved {} rows of that day from logs_default", name, moved);
                    } else {
                        log.info("created partition {}", name);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
        known.add(day);
    }
}
