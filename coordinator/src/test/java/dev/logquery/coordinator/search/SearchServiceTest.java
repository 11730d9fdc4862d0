package dev.logquery.coordinator.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.catalog.ShardCatalog.ShardState;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.scatter.ChunkPlan;
import dev.logquery.coordinator.scatter.NodeAnswer;
import dev.logquery.coordinator.scatter.ReplicaBreakers;
import dev.logquery.coordinator.scatter.ReplicaLoad;
import dev.logquery.coordinator.scatter.ShardClient;
import dev.logquery.coordinator.scatter.ShardDatabases;
import dev.logquery.coordinator.scatter.ShardFailure;
import dev.logquery.coordinator.scatter.ShardQuery;
import dev.logquery.coordinator.topology.Shard;
import dev.logquery.testkit.LogQueryBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class SearchServiceTest {

    static final Instant T0 = Instant.parse("2026-11-20T12:00:00Z");
    static final Shard S0 = new Shard(0, "http://s0");
    static final Shard S1 = new Shard(1, "http://s1");
    static final Shard S2 = new Shard(2, "http://s2");
    static final CoordinatorProperties PROPERTIES = new CoordinatorProperties(List.of(S0, S1, S2),
            Duration.ofMillis(300), Duration.ofSeconds(1), true, 10_000);

    final ShardCatalog catalog = mock(ShardCatalog.class);
    final ShardClient client = mock(ShardClient.class);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final SearchService search = new SearchService(PROPERTIES, catalog, shardQuery(PROPERTIES), new QueryMetrics(registry));

    ShardQuery shardQuery(CoordinatorProperties properties) {
        return new ShardQuery(client, new ShardDatabases(properties, r -> null), new ReplicaBreakers(properties, registry), new ReplicaLoad(properties), properties,
                registry);
    }

    /** A node's answer of {@code rows}, each in a read of its own, without a chunk plan. */
    static Flux<NodeAnswer> answer(Flux<StoredLogEntry> rows) {
        return rows.map(r -> new NodeAnswer.Rows(List.of(r)));
    }

    static Flux<NodeAnswer> answer(StoredLogEntry... rows) {
        return answer(Flux.just(rows));
    }

    static StoredLogEntry row(int shard, long secondsAfterT0, long offset) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(secondsAfterT0), "svc-" + shard, LogLevel.INFO, null,
                null, null, "m" + offset), shard, shard, offset);
    }

    /** Metadata of a shard holding {@code service} between {@code from} and {@code to}, levels INFO only. */
    /** A shard's metadata generated a day after its rows: every test window ends well before it. */
    static PartitionMetadata meta(int shard, Instant from, Instant to, String service) {
        return meta(shard, from, to, service, to.plus(Duration.ofDays(1)));
    }

    static PartitionMetadata meta(int shard, Instant from, Instant to, String service, Instant generatedAt) {
        StringBloom bloom = StringBloom.create(64, 0.01);
        bloom.put(service);
        ChunkMetadata chunk = new ChunkMetadata(from.truncatedTo(ChronoUnit.HOURS), from, from, 10,
                LevelSet.of(List.of(LogLevel.INFO)), bloom);
        return new PartitionMetadata(shard, 3, List.of(shard), 10, from, to, LevelSet.of(List.of(LogLevel.INFO)), bloom,
                List.of(chunk), generatedAt);
    }

    static LogQuery query(String service, int limit) {
        return LogQueryBuilder.between(T0, T0.plusSeconds(3600)).service(service).limit(limit).build();
    }

    void catalogHas(ShardState... states) {
        when(catalog.current()).thenReturn(Mono.just(List.of(states)));
    }

    static ShardState known(Shard shard, PartitionMetadata m) {
        return new ShardState(shard, m, Instant.now());
    }

    static ShardState unknown(Shard shard) {
        return new ShardState(shard, null, Instant.now());
    }

    record Answer(List<StoredLogEntry> rows, SearchSummary summary, List<ShardFailure> failedByFirstRow) {
    }

    Answer run(LogQuery q) {
        SearchExecution execution = search.search(q).block();
        List<StoredLogEntry> rows = new ArrayList<>(execution.rows().collectList().block(Duration.ofSeconds(5)));
        return new Answer(rows, execution.summary().block(), execution.failedByFirstRow().block());
    }

    @Test
    void mergesTheShardsNewestFirstAndGivesACursorWhenThePageIsFull() {
        catalogHas(unknown(S0), unknown(S1), unknown(S2));
        when(client.query(eq(S0.replicaList().get(0)), any(), anyBoolean())).thenReturn(answer(row(0, 50, 1), row(0, 10, 2)));
        when(client.query(eq(S1.replicaList().get(0)), any(), anyBoolean())).thenReturn(answer(row(1, 40, 1), row(1, 30, 2)));
        when(client.query(eq(S2.replicaList().get(0)), any(), anyBoolean())).thenReturn(Flux.empty());
        Answer a = run(query(null, 3));
        assertThat(a.rows()).containsExactly(row(0, 50, 1), row(1, 40, 1), row(1, 30, 2));
        assertThat(a.summary().partitionsTotal()).isEqualTo(3);
        assertThat(a.summary().partitionsQueried()).isEqualTo(3);
        assertThat(a.summary().partitionsPruned()).isZero();
        assertThat(a.summary().partial()).isFalse();
        assertThat(a.summary().nextCursor()).isNotNull();
        assertThat(run(query(null, 10)).summary().nextCursor()).isNull();
        assertThat(registry.get("query.execution.time").timer().count()).isEqualTo(2);
        assertThat(registry.get("query.partitions.queried").counter().count()).isEqualTo(6);
    }

    @Test
    void prunesOnlyShardsWhoseKnownMetadataExcludesTheQuery() {
        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0")),
                known(S1, meta(1, T0.minusSeconds(7200), T0.minusSeconds(3600), "svc-0")), // before the window
                unknown(S2));
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.empty());
        Answer a = run(query(null, 10));
        assertThat(a.summary().partitionsQueried()).isEqualTo(2);
        assertThat(a.summary().partitionsPruned()).isEqualTo(1);
        verify(client, never()).query(eq(S1.replicaList().get(0)), any(), anyBoolean());
        assertThat(registry.get("query.partitions.pruned").tag("pruner", "time").counter().count()).isEqualTo(1);

        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0")),
                known(S1, meta(1, T0, T0.plusSeconds(100), "svc-1")), unknown(S2));
        Answer b = run(query("svc-1", 10));
        assertThat(b.summary().partitionsPruned()).isEqualTo(1); // shard 0 lacks svc-1; unknown shard 2 is queried
        assertThat(registry.get("query.partitions.pruned").tag("pruner", "service").counter().count()).isEqualTo(1);
    }

    @Test
    void aWindowReachingIntoTheLastMinuteBeforeTheMetadataWasMadeAsksTheShardWhateverItSays() {
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.empty());
        LogQuery q = query("svc-1", 10); // ends at T0 + 1 h; shard 0's metadata knows svc-0 only, up to T0 + 100 s
        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0", T0.plusSeconds(3600 + 59))),
                unknown(S1), unknown(S2));
        assertThat(run(q).summary().partitionsPruned()).as("lines committed since may be svc-1's, stamped up to a"
                + " minute before the metadata was made").isZero();
        verify(client).query(eq(S0.replicaList().get(0)), any(), anyBoolean());

        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0", T0.plusSeconds(3600 + 61))),
                unknown(S1), unknown(S2));
        assertThat(run(q).summary().partitionsPruned()).as("the window ended more than a minute before").isEqualTo(1);
        verify(client, times(1)).query(eq(S0.replicaList().get(0)), any(), anyBoolean());
    }

    @Test
    void aFailedShardMakesThePagePartialAndTheOthersStillAnswer() {
        catalogHas(unknown(S0), unknown(S1), unknown(S2));
        when(client.query(eq(S0.replicaList().get(0)), any(), anyBoolean())).thenReturn(answer(row(0, 50, 1)));
        when(client.query(eq(S1.replicaList().get(0)), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(1, 60, 1)),
                Flux.error(new WebClientRequestException(new IOException("refused"), org.springframework.http.HttpMethod.POST,
                        java.net.URI.create("http://s1"), new org.springframework.http.HttpHeaders())))));
        when(client.query(eq(S2.replicaList().get(0)), any(), anyBoolean())).thenReturn(Flux.never()); // hangs: the shard timeout ends it
        Answer a = run(query(null, 10));
        assertThat(a.rows()).containsExactly(row(1, 60, 1), row(0, 50, 1));
        assertThat(a.summary().partial()).isTrue();
        assertThat(a.summary().failedPartitions()).containsExactly(new ShardFailure(1, "unreachable"),
                new ShardFailure(2, "timeout"));
        assertThat(a.failedByFirstRow()).as("the merge gave no row before the hanging shard timed out")
                .contains(new ShardFailure(2, "timeout"));
        assertThat(registry.get("query.partition.failures").tag("shard", "2").tag("reason", "timeout").counter().count())
                .isEqualTo(1);
    }

    @Test
    void pruningSwitchedOffQueriesEveryShardAndAsksTheNodesToReadTheWholeWindow() {
        CoordinatorProperties off = new CoordinatorProperties(List.of(S0, S1, S2), Duration.ofMillis(300),
                Duration.ofSeconds(1), false, 10_000);
        SearchService unpruned = new SearchService(off, catalog, shardQuery(off), new QueryMetrics(registry));
        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0")),
                known(S1, meta(1, T0.minusSeconds(7200), T0.minusSeconds(3600), "svc-1")), unknown(S2));
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.empty());
        SearchExecution execution = unpruned.search(query("svc-0", 10)).block();
        execution.rows().collectList().block(Duration.ofSeconds(5));
        assertThat(execution.summary().block().partitionsQueried()).isEqualTo(3);
        assertThat(execution.summary().block().partitionsPruned()).isZero();
        verify(client).query(eq(S1.replicaList().get(0)), any(), eq(false));
    }

    @Test
    void countsTheChunksTheNodesPlannedAndThoseOfPrunedShardsAsSkipped() {
        catalogHas(known(S0, meta(0, T0, T0.plusSeconds(100), "svc-0")),
                known(S1, meta(1, T0, T0.plusSeconds(100), "svc-1")), unknown(S2));
        when(client.query(eq(S0.replicaList().get(0)), any(), eq(true)))
                .thenReturn(Flux.concat(Flux.just(new ChunkPlan(2, 30)), answer(row(0, 50, 1))));
        when(client.query(eq(S2.replicaList().get(0)), any(), eq(true)))
                .thenReturn(Flux.just(ChunkPlan.UNKNOWN)); // a node that did not say
        Answer a = run(query("svc-0", 10));
        assertThat(a.rows()).containsExactly(row(0, 50, 1));
        assertThat(registry.get("query.shard.chunks.scanned").counter().count()).isEqualTo(2);
        assertThat(registry.get("query.shard.chunks.skipped").counter().count()).isEqualTo(31); // + shard 1's one chunk
    }

    @Test
    void aReplicaBehindIsAskedOnlyWhenTheCaughtUpOneFailsAndThenTheAnswerIsPartial() {
        Shard two = new Shard(0, null, List.of("http://behind", "http://current"));
        CoordinatorProperties p = new CoordinatorProperties(List.of(two), Duration.ofMillis(300), Duration.ofSeconds(1),
                true, 10_000);
        PartitionMetadata current = meta(0, T0, T0.plusSeconds(100), "svc-0");
        PartitionMetadata behindMeta = new PartitionMetadata(0, 3, List.of(0), 0, null, null, LevelSet.EMPTY,
                current.services(), List.of(), T0);
        var replicas = two.replicaList();
        ShardState state = new ShardState(two, PartitionMetadata.covering(List.of(behindMeta, current)), Instant.now(),
                List.of(new ShardCatalog.ReplicaState(replicas.get(0), behindMeta, Instant.now(), "a", new byte[0], "redis"),
                        new ShardCatalog.ReplicaState(replicas.get(1), current, Instant.now(), "b", new byte[0], "redis")));
        catalogHas(state);
        CoordinatorProperties lagAllowed = new CoordinatorProperties(p.shards(), p.shardTimeout(), p.metadataMaxAge(),
                p.pruning(), p.maxLimit(), p.queryTimeout(), p.admission(), p.breaker(), p.redisUrl(), p.cache(),
                p.hedge(), 5, p.freshSpan(), p.direct());
        assertThat(state.behind(query(null, 10), lagAllowed.replicaMaxLagRows())).containsExactly(replicas.get(0));
        assertThat(state.behind(query(null, 10), 10_000)).as("within the allowed lag").isEmpty();

        when(client.query(eq(replicas.get(0)), any(), anyBoolean())).thenReturn(answer(row(0, 20, 2)));
        when(client.query(eq(replicas.get(1)), any(), anyBoolean())).thenReturn(answer(row(0, 50, 1), row(0, 20, 2)));
        SearchService lagging = new SearchService(lagAllowed, catalog, shardQuery(lagAllowed), new QueryMetrics(registry));
        for (int i = 0; i < 10; i++) {
            SearchExecution e = lagging.search(query(null, 10)).block();
            assertThat(e.rows().collectList().block()).containsExactly(row(0, 50, 1), row(0, 20, 2));
            assertThat(e.summary().block().partial()).isFalse();
        }
        verify(client, never()).query(eq(replicas.get(0)), any(), anyBoolean());

        when(client.query(eq(replicas.get(1)), any(), anyBoolean()))
                .thenReturn(Flux.error(new WebClientRequestException(new java.net.ConnectException("refused"),
                        org.springframework.http.HttpMethod.POST, java.net.URI.create("http://current"),
                        new org.springframework.http.HttpHeaders())));
        SearchExecution e = lagging.search(query(null, 10)).block();
        assertThat(e.rows().collectList().block()).containsExactly(row(0, 20, 2));
        assertThat(e.summary().block().partial()).isTrue();
        assertThat(e.summary().block().failedPartitions()).containsExactly(new ShardFailure(0, "replica_behind"));
        assertThat(e.failedByFirstRow().block()).as("known when its first row came, not only at the end")
                .containsExactly(new ShardFailure(0, "replica_behind"));
    }

    static PartitionMetadata rowsPerHour(int shard, long... rows) {
        List<ChunkMetadata> chunks = new java.util.ArrayList<>();
        for (int h = 0; h < rows.length; h++) {
            Instant hour = T0.plus(Duration.ofHours(h));
            chunks.add(new ChunkMetadata(hour, hour, hour.plusSeconds(3599), rows[h], LevelSet.of(List.of(LogLevel.INFO)),
                    StringBloom.create(64, 0.01)));
        }
        return new PartitionMetadata(shard, 3, List.of(shard), 0, T0, T0.plus(Duration.ofHours(rows.length)),
                LevelSet.of(List.of(LogLevel.INFO)), StringBloom.create(64, 0.01), chunks, T0.plus(Duration.ofDays(1)));
    }

    @Test
    void eachShardsPartIsItsRowsWhereTheAnswerStarts() {
        // Hours 0..3; the answer starts at the window's end in hour 3, so hours 2 and 3 count.
        List<ShardState> targets = List.of(known(S0, rowsPerHour(0, 1_000, 1_000, 100, 500)),
                known(S1, rowsPerHour(1, 0, 0, 300, 100)), known(S2, rowsPerHour(2, 5, 5, 0, 0)));
        LogQuery toHour3 = LogQueryBuilder.between(T0, T0.plus(Duration.ofMinutes(200))).limit(100).build();
        assertThat(SearchService.shares(toHour3, targets)).containsExactly(0.6, 0.4, 0.0);
        // A cursor in hour 1 moves the start there: hours 0 and 1.
        LogQuery fromCursor = LogQueryBuilder.between(T0, T0.plus(Duration.ofMinutes(200))).limit(100)
                .after(new LogQuery.Position(T0.plus(Duration.ofMinutes(70)), 0, 0)).build();
        double[] atCursor = SearchService.shares(fromCursor, targets);
        assertThat(atCursor[0]).isCloseTo(2_000 / 2_010.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(atCursor[1]).isZero();
        // Nothing known there: even parts; one shard: all of it.
        LogQuery later = LogQueryBuilder.between(T0, T0.plus(Duration.ofHours(30))).limit(100).build();
        assertThat(SearchService.shares(later, targets)).containsExactly(1 / 3.0, 1 / 3.0, 1 / 3.0);
        assertThat(SearchService.shares(later, List.of(unknown(S0)))).containsExactly(1.0);
    }
}
