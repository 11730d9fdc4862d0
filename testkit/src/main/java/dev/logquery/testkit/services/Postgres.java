package dev.logquery.testkit.services;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A real PostgreSQL server on a fixed port, which can be stopped (connections cut, as when the server crashes)
 * and started again with the same data where its clients' URL finds it.
 */
public abstract class Postgres implements AutoCloseable {

    /** The URL a node is configured with (user {@code postgres}, database {@code postgres}). */
    public abstract String jdbcUrl();

    public abstract void start() throws Exception;

    public abstract void stop() throws Exception;

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    /**
     * The first column of the first row of {@code sql}, 0 when there is none or the table does not exist yet
     * (the node has not migrated).
     */
    public long queryLong(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0;
            }
            throw e;
        }
    }

    /** How many lines the node on this database stored. */
    public long storedLines() throws SQLException {
        return queryLong("SELECT count(*) FROM logs");
    }
}
