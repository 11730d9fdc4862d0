package dev.logquery.testkit;

import dev.logquery.common.model.LogEntry;
import dev.logquery.testkit.services.Kafka;
import dev.logquery.testkit.services.Postgres;
import dev.logquery.testkit.services.Redis;
import dev.logquery.testkit.services.ServiceFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole logquery system for one test class, started in one call:
 * {@code Cluster.builder().shards(3).replicas(2).redis().coordinator().start()}. Kafka with the topic, one real
 * PostgreSQL per replica, the partition nodes (in this JVM, or forked where a test kills one) and the
 * coordinators, all from the services {@link ServiceFactory#chosen()} gives. Tests write known lines with
 * {@link #write}, wait on conditions ({@link #awaitStored}, {@link #awaitCatalog}) and compare answers with the
 * {@link Truth}. Closing stops everything, in reverse order.
 */
public final class Cluster implements AutoCloseable {

    public static final String NODE_MAIN = "dev.logquery.node.PartitionNodeApplication";
    public static final String COORDINATOR_MAIN = "dev.logquery.coordinator.CoordinatorApplication";
    public static final String GATEWAY_MAIN = "dev.logquery.gateway.IngestGatewayApplication";
    /** The coordinator must not configure the nodes' DataSource and Flyway, which share its classpath in tests. */
    static final String COORDINATOR_EXCLUDES = "spring.autoconfigure.exclude="
            + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
            + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ClusterBuilder spec;
    private final ServiceFactory services;
    private Kafka kafka;
    private Redis redis;
    private final Map<String, Postgres> databases = new LinkedHashMap<>();
    private final Map<String, App> nodes = new LinkedHashMap<>();
    private final List<App> coordinators = new ArrayList<>();
    private App gateway;
    /** Where a shard's address points when the cluster has no nodes: nothing listens there. */
    private final int nowhere = FreePorts.next();

    Cluster(ClusterBuilder spec) {
        this.spec = spec;
        this.services = spec.services != null ? spec.services : ServiceFactory.chosen();
    }

    public static ClusterBuilder builder() {
        return new ClusterBuilder();
    }

    Cluster startAll() throws Exception {
        try {
            if (spec.withNodes) {
                kafka = services.kafka(spec.restartableKafka);
                kafka.createTopic(spec.topic, spec.partitions);
            }
            if (spec.redis) {
                redis = services.redis();
            }
            if (spec.withNodes) {
                for (int shard = 0; shard < spec.shards; shard++) {
                    for (int replica = 0; replica < spec.replicas; replica++) {
                        databases.put(key(shard, replica), services.postgres(spec.deployment.postgresSettings()));
                    }
                }
                for (int shard = 0; shard < spec.shards; shard++) {
                    for (int replica = 0; replica < spec.replicas; replica++) {
                        App node = new App("node-" + shard + "-" + replica, NODE_MAIN, FreePorts.next(),
                                nodeProperties(shard, replica, Map.of()), spec.forked.contains(key(shard, replica))
                                ? spec.deployment.nodeJvm() : null, spec.deployment.logs());
                        nodes.put(key(shard, replica), node);
                        if (spec.startNodes) {
                            node.start();
                        }
                    }
                }
            }
            for (int i = 0; i < spec.coordinators; i++) {
                startCoordinator();
            }
            if (spec.gateway) {
                gateway = new App("gateway", GATEWAY_MAIN, FreePorts.next(), gatewayProperties(), spec.deployment.gatewayJvm(),
                        spec.deployment.logs());
                gateway.start();
            }
            return this;
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    static String key(int shard, int replica) {
        return shard + "/" + replica;
    }

    /** The properties node {@code (shard, replica)} runs with: the builder's defaults, then the test's. */
    List<String> nodeProperties(int shard, int replica, Map<String, String> extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spring.datasource.url", database(shard, replica).jdbcUrl());
        p.put("logquery.node.shard", Integer.toString(shard));
        p.put("logquery.node.shard-count", Integer.toString(spec.shards));
        p.put("logquery.node.replica", Integer.toString(replica));
        p.put("logquery.node.topic", spec.topic);
        p.put("logquery.node.bootstrap-servers", kafka.bootstrapServers());
        p.put("logquery.node.redis-url", redis == null ? "" : redis.url()); // none: nothing published
        if (!spec.deployment.usesApplicationDefaults()) {
            p.put("logquery.node.batch.max-records", "5000");
            p.put("logquery.node.batch.max-wait", "200ms");
            p.put("server.shutdown", "immediate"); // a node whose server a test stopped never drains
        }
        p.putAll(spec.nodeProperties);
        p.putAll(extra);
        return asArgs(p);
    }

    /** The properties a coordinator runs with: every shard's replicas, the cluster's Kafka and Redis, the test's. */
    List<String> coordinatorProperties(Map<String, String> extra) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(COORDINATOR_EXCLUDES.substring(0, COORDINATOR_EXCLUDES.indexOf('=')),
                COORDINATOR_EXCLUDES.substring(COORDINATOR_EXCLUDES.indexOf('=') + 1));
        p.put("logquery.coordinator.tail.bootstrap-servers",
                kafka == null ? "localhost:" + nowhere : kafka.bootstrapServers());
        p.put("logquery.coordinator.tail.topic", spec.topic);
        p.put("logquery.coordinator.redis-url", redis == null ? "" : redis.url()); // none: metadata from the nodes
        if (!spec.deployment.usesApplicationDefaults()) {
            p.put("logquery.coordinator.shard-timeout", "2s");
            p.put("logquery.coordinator.metadata-max-age", "1s");
        }
        for (int shard = 0; shard < spec.shards; shard++) {
            p.put("logquery.coordinator.shards[" + shard + "].id", Integer.toString(shard));
            for (int replica = 0; replica < spec.replicas; replica++) {
                App node = nodes.get(key(shard, replica));
                p.put("logquery.coordinator.shards[" + shard + "].replicas[" + replica + "]",
                        node == null ? "http://localhost:" + nowhere : node.url());
                if (spec.directReads && spec.withNodes) { // the coordinator reads the replica's PostgreSQL itself
                    p.put("logquery.coordinator.shards[" + shard + "].databases[" + replica + "]",
                            database(shard, replica).jdbcUrl());
                }
            }
        }
        p.putAll(spec.coordinatorProperties);
        p.putAll(extra);
        return asArgs(p);
    }

    /** The properties the ingest gateway runs with: the cluster's Kafka and topic, then the test's. */
    List<String> gatewayProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        // Node classes share its classpath in tests: no DataSource or Flyway for the gateway either.
        p.put(COORDINATOR_EXCLUDES.substring(0, COORDINATOR_EXCLUDES.indexOf('=')),
                COORDINATOR_EXCLUDES.substring(COORDINATOR_EXCLUDES.indexOf('=') + 1));
        p.put("spring.kafka.bootstrap-servers",
                kafka == null ? "localhost:" + nowhere : kafka.bootstrapServers());
        p.put("logquery.gateway.topic", spec.topic);
        p.putAll(spec.gatewayProperties);
        return asArgs(p);
    }

    private static List<String> asArgs(Map<String, String> properties) {
        return properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** Starts one more coordinator over the same shards, with {@code extra} properties ({@code key, value, ...}). */
    public App startCoordinator(String... extra) throws Exception {
        App coordinator = new App("coordinator-" + coordinators.size(), COORDINATOR_MAIN, FreePorts.next(),
                coordinatorProperties(pairs(extra)), spec.deployment.coordinatorJvm(), spec.deployment.logs());
        coordinators.add(coordinator);
        return coordinator.start();
    }

    /**
     * Stops node {@code (shard, replica)} and starts it again on the same port, database and topic with
     * {@code properties} ({@code key, value, ...}) over its own: the node an operator restarts with other settings.
     */
    public App restartNode(int shard, int replica, String... properties) throws Exception {
        App old = node(shard, replica);
        old.stop();
        App node = new App(old.name(), NODE_MAIN, old.port(), nodeProperties(shard, replica, pairs(properties)),
                old.forked() ? spec.deployment.nodeJvm() : null, spec.deployment.logs());
        nodes.put(key(shard, replica), node);
        return node.start();
    }

    private static Map<String, String> pairs(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("properties come as key, value pairs");
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    public Kafka kafka() {
        return kafka;
    }

    public Redis redis() {
        if (redis == null) {
            throw new IllegalStateException("this cluster has no Redis: ask the builder for redis()");
        }
        return redis;
    }

    public String topic() {
        return spec.topic;
    }

    public int shards() {
        return spec.shards;
    }

    public int replicas() {
        return spec.replicas;
    }

    public Postgres database(int shard, int replica) {
        return databases.get(key(shard, replica));
    }

    /** Replica 0's database of shard {@code shard}. */
    public Postgres database(int shard) {
        return database(shard, 0);
    }

    public App node(int shard, int replica) {
        return nodes.get(key(shard, replica));
    }

    public App node(int shard) {
        return node(shard, 0);
    }

    /** The first coordinator. */
    public App coordinator() {
        return coordinators.get(0);
    }

    /** The ingest gateway ({@link ClusterBuilder#gateway()}): Loki push and OTLP/HTTP into the cluster's topic. */
    public App gateway() {
        if (gateway == null) {
            throw new IllegalStateException("this cluster has no gateway: ask the builder for gateway()");
        }
        return gateway;
    }

    /** Writes {@code lines} into the topic (keyed by service) and returns them as the nodes will store them. */
    public Truth write(List<LogEntry> lines) throws Exception {
        return new Truth(LineWriter.sendTracked(kafka.bootstrapServers(), spec.topic, lines, spec.shards));
    }

    /** Lines stored by all shards (replica 0 of each). */
    public long storedLines() throws Exception {
        long total = 0;
        for (int shard = 0; shard < spec.shards; shard++) {
            total += database(shard).storedLines();
        }
        return total;
    }

    /**
     * Waits until every replica stored exactly its shard's lines of {@code truth} (at least, then exactly: more
     * would be a line stored twice).
     */
    public void awaitStored(Truth truth, Duration timeout) throws Exception {
        for (int shard = 0; shard < spec.shards; shard++) {
            long expected = truth.onShard(shard);
            for (int replica = 0; replica < spec.replicas; replica++) {
                Postgres db = database(shard, replica);
                long stored = Await.until(timeout, "replica " + replica + " of shard " + shard + " stored "
                        + expected + " lines", db::storedLines, n -> n >= expected);
                if (stored != expected) {
                    throw new AssertionError("replica " + replica + " of shard " + shard + " stored " + stored
                            + " lines, " + expected + " were written");
                }
            }
        }
    }

    /**
     * Waits until {@code coordinator}'s catalog (its {@code GET /api/query/stats}) shows metadata of every shard
     * covering that shard's lines of {@code truth}: from then on, its pruning knows every written line.
     */
    public void awaitCatalog(App coordinator, Truth truth, Duration timeout) throws Exception {
        Await.until(timeout, coordinator.name() + "'s metadata covers every written line (value: shards behind)", () -> {
            Set<Integer> behind = new HashSet<>();
            JsonNode shards = JSON.readTree(Http.get(coordinator.url() + "/api/query/stats").body()).path("shards");
            for (int shard = 0; shard < spec.shards; shard++) {
                behind.add(shard);
            }
            for (JsonNode s : shards) {
                long rows = s.path("rowCount").isNumber() ? s.path("rowCount").asLong() : -1;
                if (rows >= truth.onShard(s.path("id").asInt())) {
                    behind.remove(s.path("id").asInt());
                }
            }
            return behind;
        }, Set::isEmpty);
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        List<AutoCloseable> all = new ArrayList<>();
        List<App> apps = new ArrayList<>(nodes.values());
        apps.addAll(coordinators);
        if (gateway != null) {
            apps.add(gateway);
        }
        java.util.Collections.reverse(apps);
        all.addAll(apps);
        all.addAll(databases.values());
        all.add(redis);
        all.add(kafka);
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
