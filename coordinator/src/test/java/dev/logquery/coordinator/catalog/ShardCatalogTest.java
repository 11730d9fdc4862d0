package dev.logquery.coordinator.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.MetadataCodec;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.redis.RedisStore;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

class ShardCatalogTest {

    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final CoordinatorProperties PROPERTIES = new CoordinatorProperties(
            List.of(new Shard(0, "http://s0"), new Shard(1, "http://s1")), Duration.ofMillis(500), Duration.ofSeconds(1), true, 10_000);

    static byte[] metadataJson() {
        StringBloom bloom = StringBloom.create(64, 0.01);
        bloom.put("svc-0");
        return MetadataCodec.toJsonBytes(new PartitionMetadata(0, 2, List.of(0), 5, NOW.minusSeconds(60), NOW,
                LevelSet.of(List.of(LogLevel.INFO)), bloom, List.of(), NOW));
    }

    @Test
    void aReadableShardIsKnownAnUnreadableOneUnknownAndFreshMetadataIsNotFetchedAgain() {
        AtomicInteger calls = new AtomicInteger();
        byte[] json = metadataJson();
        WebClient client = WebClient.builder().exchangeFunction(request -> {
            calls.incrementAndGet();
            if (request.url().getHost().equals("s0")) {
                return Mono.just(ClientResponse.create(HttpStatus.OK)
                        .header("Content-Type", MediaType.APPLICATION_JSON_VALUE)
                        .body(new String(json, java.nio.charset.StandardCharsets.UTF_8)).build());
            }
            return Mono.just(ClientResponse.create(HttpStatus.SERVICE_UNAVAILABLE).build());
        }).build();
        Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
        ShardCatalog catalog = new ShardCatalog(PROPERTIES, client, new RedisStore(PROPERTIES), clock);

        List<ShardState> states = catalog.current().block();
        assertThat(states).extracting(s -> s.shard().id()).containsExactly(0, 1);
        assertThat(states.get(0).metadata()).isNotNull();
        assertThat(states.get(0).metadata().rowCount()).isEqualTo(5);
        assertThat(states.get(0).metadata().services().mightContain("svc-0")).isTrue();
        assertThat(states.get(1).metadata()).as("a 503 shard is unknown").isNull();
        assertThat(calls).hasValue(2);

        catalog.current().block();
        assertThat(calls).as("nothing is stale at the same instant").hasValue(2);
    }

    @Test
    void healthKeepsTheLastReadableMetadataAndTheLatestError() {
        java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
        byte[] json = metadataJson();
        WebClient client = WebClient.builder().exchangeFunction(request -> up.get()
                ? Mono.just(ClientResponse.create(HttpStatus.OK)
                        .header("Content-Type", MediaType.APPLICATION_JSON_VALUE)
                        .body(new String(json, java.nio.charset.StandardCharsets.UTF_8)).build())
                : Mono.just(ClientResponse.create(HttpStatus.SERVICE_UNAVAILABLE).build())).build();
        ShardCatalog catalog = new ShardCatalog(PROPERTIES, client, new RedisStore(PROPERTIES),
                Clock.fixed(NOW, ZoneOffset.UTC));
        Replica s0 = PROPERTIES.shards().get(0).replicaList().get(0);

        assertThat(catalog.health()).flatExtracting(ShardCatalog.ShardHealth::replicas)
                .extracting(ShardCatalog.ReplicaHealth::lastKnown).containsOnlyNulls();
        catalog.fromNode(s0).block();
        assertThat(replica0(catalog, 0).lastKnown().metadata().rowCount()).isEqualTo(5);
        assertThat(replica0(catalog, 0).lastError()).isNull();

        up.set(false);
        catalog.fromNode(s0).block();
        assertThat(replica0(catalog, 0).lastKnown().metadata().rowCount()).as("kept").isEqualTo(5);
        assertThat(replica0(catalog, 0).lastError()).contains("503");

        up.set(true);
        catalog.fromNode(s0).block();
        assertThat(replica0(catalog, 0).lastError()).isNull();
        assertThat(replica0(catalog, 1).lastKnown()).isNull();
    }

    static ShardCatalog.ReplicaHealth replica0(ShardCatalog catalog, int shard) {
        return catalog.health().get(shard).replicas().get(0);
    }

    @Test
    void aShardIsKnownWhileOneOfItsReplicasIsAndPrunesWithTheirCoveringMetadata() {
        byte[] json = metadataJson();
        WebClient client = WebClient.builder().exchangeFunction(request -> request.url().getHost().equals("r1")
                ? Mono.just(ClientResponse.create(HttpStatus.OK)
                        .header("Content-Type", MediaType.APPLICATION_JSON_VALUE)
                        .body(new String(json, java.nio.charset.StandardCharsets.UTF_8)).build())
                : Mono.error(new java.net.ConnectException("refused"))).build();
        CoordinatorProperties twoReplicas = new CoordinatorProperties(
                List.of(new Shard(0, null, List.of("http://r0", "http://r1"))), Duration.ofMillis(500),
                Duration.ofSeconds(1), true, 10_000);
        ShardCatalog catalog = new ShardCatalog(twoReplicas, client, new RedisStore(twoReplicas),
                Clock.fixed(NOW, ZoneOffset.UTC));

        ShardState state = catalog.current().block().get(0);

        assertThat(state.metadata()).as("replica 1 answered").isNotNull();
        assertThat(state.metadata().rowCount()).isEqualTo(5);
        assertThat(state.replicas()).extracting(r -> r.metadata() == null).containsExactly(true, false);
        assertThat(catalog.health().get(0).replicas().get(0).lastError()).contains("refused");
    }
}
