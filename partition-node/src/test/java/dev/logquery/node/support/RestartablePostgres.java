package dev.logquery.node.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.springframework.util.FileSystemUtils;

/**
 * A real PostgreSQL (zonky's binaries) on a fixed port and data directory, so that it can be stopped
 * ({@code pg_ctl stop -m fast}: connections are cut, as in a crash of the server) and started again with
 * the same data, where the node's connection URL finds it.
 */
public final class RestartablePostgres implements AutoCloseable {

    private final Path dataDirectory;
    private final int port;
    private EmbeddedPostgres server;

    public RestartablePostgres() throws IOException {
        this.dataDirectory = Files.createTempDirectory("node-pg-");
        this.port = FreePorts.next();
        start();
    }

    public synchronized void start() throws IOException {
        if (server == null) {
            server = EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                    .setPort(port).start();
        }
    }

    public synchronized void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    public long count(String sql) throws SQLException {
        try (Connection c = connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                return 0; // table not created yet: the node has not migrated
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        FileSystemUtils.deleteRecursively(dataDirectory);
    }
}
