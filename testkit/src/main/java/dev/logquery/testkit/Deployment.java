package dev.logquery.testkit;

import dev.logquery.testkit.services.Kafka;
import dev.logquery.testkit.services.Postgres;
import java.io.File;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Cluster} deploys its applications and databases where the kit's test defaults do not fit
 * ({@link ClusterBuilder#deployment}); tests need none of it. A benchmark measures the system as it runs in
 * production: nodes and coordinators forked from their runnable jars with the heap it names ({@link Jvm}),
 * PostgreSQL configured as one would run it (zonky's binaries start with {@code fsync} off), the applications'
 * own defaults instead of the kit's test settings (small batches that make tests quick, immediate shutdown), and
 * the forked applications' logs where its report says they are.
 */
public final class Deployment {

    private Jvm nodeJvm = Jvm.TEST;
    private Jvm coordinatorJvm;
    private Jvm gatewayJvm;
    private final Map<String, String> postgresSettings = new LinkedHashMap<>();
    private boolean applicationDefaults;
    private File logs = new File("target");

    /** The JVM of the nodes the cluster forks ({@link ClusterBuilder#forked}); {@link Jvm#TEST} by default. */
    public Deployment nodes(Jvm jvm) {
        this.nodeJvm = jvm;
        return this;
    }

    /** Coordinators run forked, in this JVM each (by default they run in the caller's JVM). */
    public Deployment coordinators(Jvm jvm) {
        this.coordinatorJvm = jvm;
        return this;
    }

    /** The ingest gateway runs forked, in this JVM (by default it runs in the caller's JVM). */
    public Deployment gateways(Jvm jvm) {
        this.gatewayJvm = jvm;
        return this;
    }

    /** A setting of every PostgreSQL server the cluster starts ({@code postgresql.conf}: fsync, shared_buffers). */
    public Deployment postgres(String setting, String value) {
        postgresSettings.put(setting, value);
        return this;
    }

    /**
     * Nodes and coordinators run with their own defaults: the kit adds only what places them in the cluster
     * (database, shard, topic, broker, their peers' addresses), none of its test settings.
     */
    public Deployment applicationDefaults() {
        this.applicationDefaults = true;
        return this;
    }

    /** Where forked applications append their output ({@code <name>.log}); {@code target} by default. */
    public Deployment logs(File directory) {
        this.logs = directory;
        return this;
    }

    public Jvm nodeJvm() {
        return nodeJvm;
    }

    /** The coordinators' JVM, or null when they run in the caller's. */
    public Jvm coordinatorJvm() {
        return coordinatorJvm;
    }

    /** The gateway's JVM, or null when it runs in the caller's. */
    public Jvm gatewayJvm() {
        return gatewayJvm;
    }

    /** The PostgreSQL settings, for a server started beside the cluster ({@code ServiceFactory.postgres(settings)}). */
    public Map<String, String> postgresSettings() {
        return Collections.unmodifiableMap(postgresSettings);
    }

    public boolean usesApplicationDefaults() {
        return applicationDefaults;
    }

    public File logs() {
        return logs;
    }

    /**
     * Starts a partition node outside any cluster's shard layout: shard {@code shard} of {@code shardCount} on
     * {@code database}, reading {@code topic} from {@code kafka}, forked with the nodes' JVM, with
     * {@code properties} over the rest. A benchmark's baseline is one: alone on its shard ({@code shardCount} 1)
     * it reads the cluster's topic, so that one PostgreSQL holds every line the cluster's shards hold between
     * them. The caller closes it (and the database).
     */
    public App startNode(String name, Postgres database, Kafka kafka, String topic, int shard, int shardCount,
                         Map<String, String> properties) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spring.datasource.url", database.jdbcUrl());
        p.put("logquery.node.shard", Integer.toString(shard));
        p.put("logquery.node.shard-count", Integer.toString(shardCount));
        p.put("logquery.node.replica", "0");
        p.put("logquery.node.topic", topic);
        p.put("logquery.node.bootstrap-servers", kafka.bootstrapServers());
        p.put("logquery.node.redis-url", ""); // no Redis: nothing published
        if (!applicationDefaults) {
            p.put("logquery.node.batch.max-records", "5000");
            p.put("logquery.node.batch.max-wait", "200ms");
            p.put("server.shutdown", "immediate");
        }
        p.putAll(properties);
        List<String> args = p.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return new App(name, Cluster.NODE_MAIN, FreePorts.next(), args, nodeJvm, logs).start();
    }
}
