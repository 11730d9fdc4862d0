package dev.logquery.benchmark;

import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.ClusterBuilder;
import dev.logquery.testkit.Deployment;
import dev.logquery.testkit.Jvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the benchmarks deploy the system, through the test kit: partition nodes and the coordinator as separate
 * JVMs running their runnable jars (as in production: each with its own dependencies and {@code application.yml},
 * the heap the benchmark names, G1 and both JIT compilers), the applications' own defaults, and PostgreSQL
 * configured as we would run it.
 */
final class BenchmarkDeployment {

    /** The topic every benchmark writes, with the six partitions of the deployed stack. */
    static final String TOPIC = "pod-logs";
    static final int PARTITIONS = 6;
    /** The generated week of lines is kept whole: the node's default retention (7 d) would start dropping it. */
    static final Map<String, String> NODE_RETENTION = Map.of("logquery.node.retention", "30d");

    private BenchmarkDeployment() {
    }

    /**
     * Nodes in {@code nodeJvm}, coordinators in {@code coordinatorJvm} (null: none forked), logs in {@code logs}.
     * PostgreSQL: fsync on (zonky turns it off by default), a larger buffer pool and WAL, and
     * {@code synchronous_commit=off}, which is safe for this design: rows and their Kafka offsets commit together,
     * so a commit lost in an OS crash is simply consumed again.
     */
    static Deployment deployment(Jvm nodeJvm, Jvm coordinatorJvm, File logs) {
        logs.mkdirs();
        return new Deployment().nodes(nodeJvm).coordinators(coordinatorJvm).applicationDefaults().logs(logs)
                .postgres("fsync", "on")
                .postgres("synchronous_commit", "off")
                .postgres("shared_buffers", "512MB")
                .postgres("max_wal_size", "4GB")
                .postgres("checkpoint_timeout", "15min");
    }

    /** {@code shards} forked nodes (one replica each) on {@link #TOPIC}, deployed as {@code deployment} says. */
    static ClusterBuilder cluster(int shards, Deployment deployment) {
        ClusterBuilder builder = Cluster.builder().shards(shards).replicas(1).partitions(PARTITIONS).topic(TOPIC)
                .deployment(deployment);
        NODE_RETENTION.forEach(builder::node);
        for (int shard = 0; shard < shards; shard++) {
            builder.forked(shard, 0);
        }
        return builder;
    }

    /**
     * The JVM of {@code module}'s runnable jar with a fixed heap of {@code heap} ({@code -Xmx -Xms}) and the collector
     * {@code ./setup.sh} and the compose file give it: the parallel one for the coordinator, G1 for the others.
     */
    static Jvm jvm(String module, String heap) {
        String gc = module.equals("coordinator") ? "-XX:+UseParallelGC" : "-XX:+UseG1GC";
        return Jvm.runnableJar(runnableJar(module), "-Xmx" + heap, "-Xms" + heap, gc);
    }

    /** {@code <module>/target/*-exec.jar}, which {@code ./benchmark.sh} builds; run from the repository root. */
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
}
