package dev.logquery.node.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The node's two ways of holding a transaction, written once: a read-only one for queries (with a
 * transaction-local statement timeout, so the pooled connection keeps its own setting afterwards, and rolled back
 * at the end, which ends it before the pool gets the connection back), and a writing one that commits when its
 * work returns and rolls back on any failure, keeping the failure as the cause.
 */
public final class Transactions {

    /** Work on a connection inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    private Transactions() {
    }

    /** Runs {@code work} read-only, each statement bounded by {@code statementTimeout}; nothing it does is kept. */
    public static <T> T readOnly(DataSource dataSource, Duration statementTimeout, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setReadOnly(true);
            T result;
            try {
                try (PreparedStatement timeout = c.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
                    timeout.setString(1, statementTimeout.toMillis() + "ms");
                    timeout.execute();
                }
                result = work.apply(c);
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
            c.rollback();
            return result;
        }
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public static <T> T writing(DataSource dataSource, Work<T> work) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            }
        }
    }

    private static void rollback(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException rollback) {
            cause.addSuppressed(rollback);
        }
    }
}
