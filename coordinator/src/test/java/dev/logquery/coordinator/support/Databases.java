package dev.logquery.coordinator.support;

// Copied from partition-node test support (test sources are not shared between modules).

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Real PostgreSQL servers (zonky's embedded binaries), one per shard, and plain SQL helpers. */
public final class Databases implements AutoCloseable {

    private final List<EmbeddedPostgres> servers = new ArrayList<>();

    public static Databases start(int count) throws IOException {
        Databases d = new Databases();
        for (int i = 0; i < count; i++) {
            d.servers.add(EmbeddedPostgres.builder().start());
        }
        return d;
    }

    public String jdbcUrl(int shard) {
        return servers.get(shard).getJdbcUrl("postgres", "postgres");
    }

    public Connection connect(int shard) throws SQLException {
        return servers.get(shard).getPostgresDatabase().getConnection();
    }

    public long queryLong(int shard, String sql, Object... args) throws SQLException {
        try (Connection c = connect(shard); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // table not created yet: the node has not migrated
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        for (EmbeddedPostgres server : servers) {
            server.close();
        }
    }
}
