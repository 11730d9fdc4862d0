package dev.logquery.coordinator.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.catalog.ShardCatalog.ReplicaHealth;
import dev.logquery.coordinator.catalog.ShardCatalog.ReplicaState;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardHealth;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ReplicaLoad;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class QueryStatsTest {

    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    static final Shard S0 = new Shard(0, "http://s0");
    static final Shard S1 = new Shard(1, "http://s1");
    static final Shard S2 = new Shard(2, "http://s2");
    static final CoordinatorProperties PROPERTIES = new CoordinatorProperties(List.of(S0, S1, S2),
            Duration.ofSeconds(2), Duration.ofSeconds(1), true, 10_000);

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final QueryMetrics metrics = new QueryMetrics(registry);
    final ShardCatalog catalog = mock(ShardCatalog.class);
    final Map<Replica, String> breakers = new HashMap<>();
    final ReplicaLoad load = new ReplicaLoad(PROPERTIES);
    final QueryStats stats = new QueryStats(registry, catalog, PROPERTIES,
            r -> breakers.getOrDefault(r, "CLOSED"), load, Clock.fixed(NOW, ZoneOffset.UTC));

    /** A shard with one replica, as the catalog last saw it. */
    static ShardHealth health(Shard shard, PartitionMetadata m, Instant readAt, String error) {
        Replica r = shard.replicaList().get(0);
        ReplicaState known = m == null ? null : new ReplicaState(r, m, readAt, null, null, "node");
        return new ShardHealth(shard, List.of(new ReplicaHealth(r, known, error)));
    }

    static PartitionMetadata meta(int shard, long rows, Instant from, Instant to) {
        return new PartitionMetadata(shard, 3, List.of(shard), rows, from, to, LevelSet.of(List.of(LogLevel.INFO)),
                StringBloom.create(64, 0.01), List.of(), to);
    }

    JsonNode json() {
        return JsonMapper.builder().build().valueToTree(stats.snapshot());
    }

    @Test
    void beforeAnyQueryEverythingIsZeroAndNeverReadShardsAreDown() {
        when(catalog.health()).thenReturn(List.of(health(S0, null, null, null)));
        JsonNode j = json();
        assertThat(j.get("queries").get("served").asLong()).isZero();
        assertThat(j.get("latencyMs").get("p99").asDouble()).isZero();
        assertThat(j.get("partitions").get("prunedRatio").asDouble()).isZero();
        assertThat(j.get("partitions").get("prunedBy").size()).isZero();
        assertThat(j.get("chunks").get("skippedRatio").asDouble()).isZero();
        JsonNode s0 = j.get("shards").get(0);
        assertThat(s0.get("health").asString()).isEqualTo("DOWN");
        assertThat(s0.get("rowCount").isNull()).isTrue();
        JsonNode r0 = s0.get("replicas").get(0);
        assertThat(r0.get("lastError").asString()).isEqualTo("metadata not read yet");
        assertThat(r0.get("metadataAgeMs").isNull()).isTrue();
    }

    @Test
    void metersAndCatalogStatesBecomeTheAnswersFields() {
        for (int ms = 1; ms <= 100; ms++) {
            metrics.executed(Duration.ofMillis(ms));
        }
        metrics.answered(false);
        metrics.answered(false);
        metrics.answered(true);
        metrics.answerFailed();
        metrics.badRequest();
        metrics.badRequest();
        metrics.rejected();
        metrics.refusedPartial();
        metrics.queried(3);
        metrics.queried(1);
        metrics.pruned("service");
        metrics.pruned("service");
        metrics.pruned("time");
        metrics.failed(2, "timeout"); // a shard failure is not an answer outcome
        metrics.chunks(10, 150);
        metrics.chunks(0, 40);

        Instant from = Instant.parse("2026-11-23T10:00:00Z");
        Instant to = Instant.parse("2026-11-23T11:59:00Z");
        Shard twoReplicas = new Shard(3, "http://s3a", List.of("http://s3b"));
        Replica s3a = twoReplicas.replicaList().get(0);
        Replica s3b = twoReplicas.replicaList().get(1);
        breakers.put(s3a, "OPEN");
        ReplicaLoad.Call running = load.start(s3b); // one query answering, one done
        load.start(s3b).end();
        when(catalog.health()).thenReturn(List.of(
                health(S0, meta(0, 42, from, to), NOW.minusMillis(300), null),
                // read long ago, failing since: DOWN, with the last error and the last known metadata
                health(S1, meta(1, 7, from, to), NOW.minusSeconds(60), "java.net.ConnectException: refused"),
                // one failed read right after a good one: still UP, the error shown
                health(S2, meta(2, 0, null, null), NOW.minusSeconds(2), "timeout"),
                // fresh metadata but an open breaker: that replica is DOWN, the other keeps the shard UP
                new ShardHealth(twoReplicas, List.of(
                        new ReplicaHealth(s3a, new ReplicaState(s3a, meta(3, 50, from, to), NOW, null, null, "redis"), null),
                        new ReplicaHealth(s3b, new ReplicaState(s3b, meta(3, 49, from, to), NOW, null, null, "redis"), null)))));

        JsonNode j = json();
        JsonNode q = j.get("queries");
        assertThat(q.get("served").asLong()).isEqualTo(3);
        assertThat(q.get("partial").asLong()).isEqualTo(1);
        assertThat(q.get("failed").asLong()).isEqualTo(1);
        assertThat(q.get("badRequests").asLong()).isEqualTo(2);
        assertThat(q.get("rejected").asLong()).isEqualTo(1);
        assertThat(q.get("partialRefused").asLong()).isEqualTo(1);

        JsonNode l = j.get("latencyMs");
        assertThat(l.get("count").asLong()).isEqualTo(100);
        assertThat(l.get("p50").asDouble()).isBetween(45.0, 55.0);
        assertThat(l.get("p95").asDouble()).isBetween(90.0, 100.0);
        assertThat(l.get("p99").asDouble()).isBetween(95.0, 105.0);
        assertThat(l.get("max").asDouble()).isEqualTo(100.0);
        assertThat(l.get("mean").asDouble()).isEqualTo(50.5);

        JsonNode p = j.get("partitions");
        assertThat(p.get("queried").asLong()).isEqualTo(4);
        assertThat(p.get("pruned").asLong()).isEqualTo(3);
        assertThat(p.get("prunedRatio").asDouble()).isEqualTo(3.0 / 7);
        assertThat(p.get("prunedBy").get("service").asLong()).isEqualTo(2);
        assertThat(p.get("prunedBy").get("time").asLong()).isEqualTo(1);

        JsonNode c = j.get("chunks");
        assertThat(c.get("scanned").asLong()).isEqualTo(10);
        assertThat(c.get("skipped").asLong()).isEqualTo(190);
        assertThat(c.get("skippedRatio").asDouble()).isEqualTo(0.95);

        JsonNode shards = j.get("shards");
        assertThat(shards).hasSize(4);
        JsonNode s0 = shards.get(0);
        assertThat(s0.get("id").asInt()).isZero();
        assertThat(s0.get("health").asString()).isEqualTo("UP");
        assertThat(s0.get("rowCount").asLong()).isEqualTo(42);
        assertThat(s0.get("minTime").asString()).isEqualTo("2026-11-23T10:00:00Z");
        assertThat(s0.get("maxTime").asString()).isEqualTo("2026-11-23T11:59:00Z");
        assertThat(s0.get("replicas")).hasSize(1);
        JsonNode r0 = s0.get("replicas").get(0);
        assertThat(r0.get("url").asString()).isEqualTo("http://s0");
        assertThat(r0.get("health").asString()).isEqualTo("UP");
        assertThat(r0.get("breaker").asString()).isEqualTo("CLOSED");
        assertThat(r0.get("metadataSource").asString()).isEqualTo("node");
        assertThat(r0.get("lastError").isNull()).isTrue();
        assertThat(r0.get("metadataAgeMs").asLong()).isEqualTo(300);

        JsonNode s1 = shards.get(1);
        assertThat(s1.get("health").asString()).isEqualTo("DOWN");
        assertThat(s1.get("rowCount").asLong()).isEqualTo(7);
        assertThat(s1.get("replicas").get(0).get("lastError").asString()).contains("refused");
        assertThat(s1.get("replicas").get(0).get("metadataAgeMs").asLong()).isEqualTo(60_000);

        JsonNode s2 = shards.get(2);
        assertThat(s2.get("health").asString()).isEqualTo("UP");
        assertThat(s2.get("replicas").get(0).get("lastError").asString()).isEqualTo("timeout");
        assertThat(s2.get("rowCount").asLong()).isZero();
        assertThat(s2.get("minTime").isNull()).isTrue();

        JsonNode s3 = shards.get(3);
        assertThat(s3.get("health").asString()).isEqualTo("UP");
        assertThat(s3.get("rowCount").asLong()).as("the most complete replica's").isEqualTo(50);
        assertThat(s3.get("replicas").get(0).get("health").asString()).isEqualTo("DOWN");
        assertThat(s3.get("replicas").get(0).get("breaker").asString()).isEqualTo("OPEN");
        assertThat(s3.get("replicas").get(0).get("lastError").asString()).contains("circuit breaker open");
        assertThat(s3.get("replicas").get(1).get("health").asString()).isEqualTo("UP");
        assertThat(s3.get("replicas").get(1).get("metadataSource").asString()).isEqualTo("redis");
        assertThat(s3.get("replicas").get(0).get("behindRows").asLong()).isZero();
        assertThat(s3.get("replicas").get(1).get("behindRows").asLong()).isEqualTo(1);
        assertThat(s3.get("replicas").get(1).get("inFlight").asInt()).isEqualTo(1);
        assertThat(s3.get("replicas").get(0).get("firstRowMs").isNull()).as("never measured").isTrue();
        running.sample();
        running.end();
        JsonNode after = json().get("shards").get(3).get("replicas").get(1);
        assertThat(after.get("inFlight").asInt()).isZero();
        assertThat(after.get("firstRowMs").asDouble()).isPositive();
    }
}
