package dev.logquery.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real PostgreSQL server for the local stack, held by this JVM until it is told to stop.
 *
 * <pre>java -Xmx64m -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.PostgresServer .run/pg/0 5432 .run/postgres-binaries</pre>
 *
 * <p>The server runs zonky's bundled PostgreSQL binaries, unpacked beforehand into the cache directory by
 * {@link PostgresBinaries} (this JVM is too small to unpack them, and three of them unpacking at once broke
 * each other: it refuses to start when the cache is not complete), on {@code localhost:<port>} with its data in
 * {@code <dataDir>}: the first start runs {@code initdb} (superuser {@code postgres}, {@code trust}
 * authentication, so any password is accepted), later starts reuse the data. The database
 * {@value #DATABASE} is created when it is missing. When the server accepts connections, one line starting
 * with {@value #READY_PREFIX} goes to standard output. SIGTERM (or Ctrl-C) stops PostgreSQL with a fast
 * shutdown ({@code pg_ctl stop -m fast}) before the JVM exits.
 *
 * <p>Why a JVM holds the server: started as root, zonky's binaries run from Java, while calling its
 * {@code pg_ctl}/{@code postgres} from a shell is refused for root. The postmaster itself is a daemon
 * started by {@code pg_ctl}; if this JVM is killed with SIGKILL, the postmaster survives and its pid is in
 * {@code <dataDir>/postmaster.pid} ({@code setup.sh} stops such orphans).
 */
public final class PostgresServer implements Closeable {

    /** The database the partition nodes use. */
    public static final String DATABASE = "logquery";

    /** Start of the line printed once the server accepts connections and {@value #DATABASE} exists. */
    public static final String READY_PREFIX = "READY postgres";

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final Path dataDir;

    private PostgresServer(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /**
     * Starts PostgreSQL on {@code localhost:port} with its data in {@code dataDir} (created and initialised
     * when empty, kept otherwise) with the binaries {@link PostgresBinaries} unpacked into {@code binaryCache},
     * and makes sure the database {@value #DATABASE} exists.
     *
     * @throws IOException if the server does not start, e.g. because the port is taken
     */
    public static PostgresServer start(Path dataDir, int port, Path binaryCache) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path cache = binaryCache.toAbsolutePath().normalize();
        Path binaries = cache.resolve("PG-" + PostgresBinaries.archiveDigest());
        if (!PostgresBinaries.isComplete(binaries)) {
            throw new IOException("no complete PostgreSQL binaries in " + binaries
                    + ": unpack them first with dev.logquery.stack.PostgresBinaries " + cache);
        }
        Files.createDirectories(dir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                // zonky finds the binaries unpacked in <cache>/PG-<digest> (marker .exists) and unpacks nothing.
                .setOverrideWorkingDirectory(cache.toFile())
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                .setPort(port)
                // Only local clients; the default of a fresh cluster too, set here so it stays true.
                .setServerConfig("listen_addresses", "localhost")
                // zonky tunes for throwaway test databases (postgres -F, synchronous_commit=off); this data is
                // kept across restarts, so commit like a real server. A later -c wins over -F.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                // Crash recovery after an unclean stop can take longer than zonky's 10 s default.
                .setPGStartupWait(Duration.ofSeconds(60))
                .start();
        PostgresServer server = new PostgresServer(postgres, dir);
        try {
            server.ensureDatabase();
        } catch (SQLException e) {
            server.close();
            throw new IOException("PostgreSQL on port " + port + " started, but creating database " + DATABASE
                    + " failed: " + e.getMessage(), e);
        }
        return server;
    }

    private void ensureDatabase() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, DATABASE);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
            log.info("created database {}", DATABASE);
        }
    }

    /** The port PostgreSQL listens on. */
    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of the {@value #DATABASE} database (user {@code postgres}, no password needed). */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** A connection to the {@value #DATABASE} database as {@code postgres}. */
    public Connection connect() throws SQLException {
        return postgres.getDatabase("postgres", DATABASE).getConnection();
    }

    /** Stops PostgreSQL (fast shutdown: open sessions are ended, committed data is kept). Idempotent. */
    @Override
    public void close() throws IOException {
        postgres.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: PostgresServer <dataDir> <port> <binaryCache>");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        int port;
        try {
            port = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            System.err.println("port must be a number, is " + args[1]);
            System.exit(2);
            return;
        }

        PostgresServer server;
        try {
            server = start(dataDir, port, Path.of(args[2]));
        } catch (IOException | RuntimeException e) {
            log.error("PostgreSQL did not start on port {} with data in {}", port, dataDir.toAbsolutePath(), e);
            System.exit(1);
            return;
        }

        // zonky registers a shutdown hook that stops the server too; close() runs only once either way.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping PostgreSQL on port {}", port);
            try {
                server.close();
            } catch (IOException e) {
                log.error("stopping PostgreSQL on port {} failed", port, e);
            }
        }, "postgres-stop"));

        System.out.println(READY_PREFIX + " port=" + server.port() + " data=" + server.dataDir
                + " url=" + server.jdbcUrl() + " user=postgres");
        System.out.flush();

        // Hold the server until the JVM is asked to exit; the shutdown hook does the rest.
        new CountDownLatch(1).await();
    }
}
