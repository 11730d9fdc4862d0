package dev.logquery.testkit;

import dev.logquery.testkit.services.ServiceFactory;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What to start. Defaults: one shard, one replica, six partitions of {@code pod-logs}, no Redis, no coordinator. */
public final class ClusterBuilder {
    int shards = 1;
    int replicas = 1;
    int partitions = 6;
    String topic = "pod-logs";
    boolean redis;
    boolean restartableKafka;
    boolean withNodes = true;
    boolean startNodes = true;
    int coordinators;
    boolean gateway;
    boolean directReads = true;
    final Set<String> forked = new HashSet<>();
    final Map<String, String> nodeProperties = new LinkedHashMap<>();
    final Map<String, String> coordinatorProperties = new LinkedHashMap<>();
    final Map<String, String> gatewayProperties = new LinkedHashMap<>();
    ServiceFactory services;
    Deployment deployment = new Deployment();

    public ClusterBuilder shards(int n) {
        this.shards = n;
        return this;
    }

    public ClusterBuilder replicas(int n) {
        this.replicas = n;
        return this;
    }

    /** How many partitions the topic has. */
    public ClusterBuilder partitions(int n) {
        this.partitions = n;
        return this;
    }

    public ClusterBuilder topic(String name) {
        this.topic = name;
        return this;
    }

    /** A Redis that nodes publish their metadata to and coordinators read it and cache answers in. */
    public ClusterBuilder redis() {
        this.redis = true;
        return this;
    }

    /** A broker in its own JVM, so that a test can stop and start it where its clients find it again. */
    public ClusterBuilder restartableKafka() {
        this.restartableKafka = true;
        return this;
    }

    /** Node {@code (shard, replica)} runs in a JVM of its own, which a test can kill. */
    public ClusterBuilder forked(int shard, int replica) {
        this.forked.add(Cluster.key(shard, replica));
        return this;
    }

    /** No Kafka, database or node: the coordinators' shards point where nothing listens. */
    public ClusterBuilder withoutNodes() {
        this.withNodes = false;
        return this;
    }

    /** The nodes are prepared (databases, ports) but the test starts them ({@code node(s, r).start()}). */
    public ClusterBuilder nodesStartedByTest() {
        this.startNodes = false;
        return this;
    }

    /** Starts a coordinator over the shards once the nodes run ({@link Cluster#coordinator()}). */
    public ClusterBuilder coordinator() {
        this.coordinators = 1;
        return this;
    }

    /**
     * Starts an ingest gateway ({@link Cluster#gateway()}) that writes into the cluster's topic on its Kafka, once
     * the nodes and coordinators run.
     */
    public ClusterBuilder gateway() {
        this.gateway = true;
        return this;
    }

    /** A property of the ingest gateway, as {@code logquery.gateway.max-in-flight}, {@code 1MB}. */
    public ClusterBuilder gateway(String property, String value) {
        gatewayProperties.put(property, value);
        return gateway();
    }

    /** A property of every node, as {@code logquery.node.batch.max-wait}, {@code 100ms}. */
    public ClusterBuilder node(String property, String value) {
        nodeProperties.put(property, value);
        return this;
    }

    /**
     * The coordinators read every shard through its nodes only ({@code POST /internal/query}), not from the shards'
     * PostgreSQL directly as they do by default: for tests of what the nodes' query path does when a node fails.
     */
    public ClusterBuilder throughNodesOnly() {
        this.directReads = false;
        return this;
    }

    /** A property of every coordinator. */
    public ClusterBuilder coordinator(String property, String value) {
        coordinatorProperties.put(property, value);
        return this;
    }

    /** How applications and databases are deployed, where the tests' defaults do not fit (a benchmark). */
    public ClusterBuilder deployment(Deployment value) {
        this.deployment = value;
        return this;
    }

    /** Other services than {@link ServiceFactory#chosen()}. */
    public ClusterBuilder services(ServiceFactory factory) {
        this.services = factory;
        return this;
    }

    public Cluster start() throws Exception {
        return new Cluster(this).startAll();
    }
}
