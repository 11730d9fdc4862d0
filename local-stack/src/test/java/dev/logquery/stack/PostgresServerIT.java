package dev.logquery.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PostgresServer} as {@code setup.sh} runs it: its own JVM, started, stopped with SIGTERM, started
 * again on the same data directory. Needs no Docker: the PostgreSQL binaries come with the build.
 */
class PostgresServerIT {

    @TempDir
    Path temp;

    /** Unpacked once per build, as setup.sh unpacks them once per checkout. */
    private static final Path BINARIES = Path.of("target", "postgres-binaries");

    @BeforeAll
    static void unpackBinaries() throws IOException {
        PostgresBinaries.prepare(BINARIES);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void keepsDataAcrossARestartAndStopsCleanlyOnSigterm() throws Exception {
        Path dataDir = temp.resolve("pg");
        int port = freePort();
        String url = "jdbc:postgresql://localhost:" + port + "/" + PostgresServer.DATABASE;

        Process first = startServer(dataDir, port);
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (line text)");
            s.execute("INSERT INTO kept VALUES ('written before the restart')");
        }
        stop(first);
        assertThat(portOpen(port)).as("port %d open after SIGTERM", port).isFalse();
        assertThat(dataDir.resolve("postmaster.pid")).as("PostgreSQL stopped cleanly").doesNotExist();

        Process second = startServer(dataDir, port);
        try (Connection c = DriverManager.getConnection(url, "postgres", "any password: trust");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT line FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("written before the restart");
        } finally {
            stop(second);
        }
        assertThat(portOpen(port)).isFalse();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void refusesToStartWithoutUnpackedBinariesInsteadOfUnpackingThemInItsSmallHeap() throws Exception {
        Path emptyCache = temp.resolve("empty-cache");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                PostgresServer.class.getName(), temp.resolve("pg").toString(), Integer.toString(freePort()),
                emptyCache.toString()))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("no complete PostgreSQL binaries").contains("PostgresBinaries");
        assertThat(emptyCache.resolve("PG-" + PostgresBinaries.archiveDigest())).doesNotExist();
    }

    /** Runs {@code PostgresServer} in a new JVM on this test's class path and waits for its ready line. */
    private static Process startServer(Path dataDir, int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                PostgresServer.class.getName(), dataDir.toString(), Integer.toString(port), BINARIES.toString()))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith(PostgresServer.READY_PREFIX)) {
                assertThat(line).contains("port=" + port);
                // Keep draining its output so that the server never blocks on a full pipe.
                CompletableFuture.runAsync(() -> out.lines().forEach(l -> { }));
                return p;
            }
        }
        throw new AssertionError("PostgresServer exited with " + p.waitFor() + " before its ready line:\n" + seen);
    }

    /** SIGTERM, as setup.sh down sends it, then waits for a clean exit. */
    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("PostgresServer did not exit within 30 s of SIGTERM");
        }
    }

    private static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
