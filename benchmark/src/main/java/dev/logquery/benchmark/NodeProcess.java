package dev.logquery.benchmark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A partition node (or the coordinator) running from its runnable jar as a separate JVM, as in production. */
final class NodeProcess implements AutoCloseable {

    private final Process process;
    final int shard;
    final int port;
    final String baseUrl;

    private NodeProcess(Process process, int shard, int port) {
        this.process = process;
        this.shard = shard;
        this.port = port;
        this.baseUrl = "http://localhost:" + port;
    }

    static Path nodeJar() {
        return runnableJar("partition-node");
    }

    static Path runnableJar(String module) {
        Path dir = Path.of(module, "target");
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-exec.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no runnable jar in " + dir.toAbsolutePath()
                            + ": build with `mvn -DskipTests package` first"));
        } catch (IOException e) {
            throw new IllegalStateException("no " + dir.toAbsolutePath() + ": run from the repository root", e);
        }
    }

    static NodeProcess start(int shard, int shardCount, String topic, String jdbcUrl, String bootstrap,
                             String heap, List<String> extraArgs, File log) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-Xms" + heap, "-XX:+UseG1GC",
                "-jar", nodeJar().toString(),
                "--server.port=" + port,
                "--spring.datasource.url=" + jdbcUrl,
                "--logquery.node.shard=" + shard,
                "--logquery.node.shard-count=" + shardCount,
                "--logquery.node.topic=" + topic,
                "--logquery.node.bootstrap-servers=" + bootstrap,
                "--logquery.node.redis-url=", // no Redis: the benchmark measures the nodes, not a cache
                "--logquery.node.retention=30d")); // the generated week of lines is kept whole
        cmd.addAll(extraArgs);
        return launch(cmd, shard, port, log);
    }

    /** The coordinator on a free port, with {@code args} (its shards, settings) and a heap of {@code heap}. */
    static NodeProcess startCoordinator(List<String> args, String heap, File log) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-Xms" + heap, "-XX:+UseG1GC",
                "-jar", runnableJar("coordinator").toString(),
                "--server.port=" + port));
        cmd.addAll(args);
        return launch(cmd, -1, port, log);
    }

    private static NodeProcess launch(List<String> cmd, int shard, int port, File log) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
        NodeProcess node = new NodeProcess(p, shard, port);
        node.awaitHealthy(Duration.ofSeconds(90));
        return node;
    }

    void awaitHealthy(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("node " + shard + " exited with " + process.exitValue());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("node " + shard + " not healthy after " + timeout);
    }

    /** Peak resident memory of the process (VmHWM), in bytes; -1 where /proc is not available. */
    long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Live threads of the process (the {@code Threads:} line of /proc/<pid>/status); -1 where /proc is not available. */
    int threads() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("Threads:")) {
                    return Integer.parseInt(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
