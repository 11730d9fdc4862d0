package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import dev.logquery.testkit.LogQueryBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Flux;

/** Failover, hedging, resumption and timeouts of one shard's query, with replicas that are mocks of the node client. */
class ShardQueryTest {

    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    static final Shard SHARD = new Shard(0, null, List.of("http://r0", "http://r1"));
    static final Replica R0 = SHARD.replicaList().get(0);
    static final Replica R1 = SHARD.replicaList().get(1);
    static final LogQuery QUERY = LogQueryBuilder.between(T0, T0.plusSeconds(60)).limit(10).build();

    final ShardClient client = mock(ShardClient.class);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Added to the replica load's clock: time passes for it without a test waiting. */
    final AtomicLong skew = new AtomicLong();

    static StoredLogEntry row(long offset) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(offset), "svc", LogLevel.INFO, null, null, null,
                "m" + offset), 0, 0, offset);
    }

    /** A node's answer of {@code rows}, each in a read of its own, without a chunk plan. */
    static Flux<NodeAnswer> answer(Flux<StoredLogEntry> rows) {
        return rows.map(r -> new NodeAnswer.Rows(List.of(r)));
    }

    static Flux<NodeAnswer> answer(StoredLogEntry... rows) {
        return answer(Flux.just(rows));
    }

    /** A deadline the query will not reach. */
    static long far() {
        return System.nanoTime() + Duration.ofMinutes(10).toNanos();
    }

    static CoordinatorProperties properties(Duration shardTimeout, CoordinatorProperties.Hedge hedge) {
        CoordinatorProperties p = new CoordinatorProperties(List.of(SHARD), shardTimeout, Duration.ofSeconds(1), true,
                10_000);
        return new CoordinatorProperties(p.shards(), p.shardTimeout(), p.metadataMaxAge(), p.pruning(), p.maxLimit(),
                p.queryTimeout(), p.admission(), p.breaker(), p.redisUrl(), p.cache(), hedge, p.replicaMaxLagRows(),
                p.freshSpan(), p.direct());
    }

    ShardQuery shardQuery(CoordinatorProperties properties, ReplicaLoad load) {
        return new ShardQuery(client, new ShardDatabases(properties, r -> null), new ReplicaBreakers(properties, registry), load, properties, registry);
    }

    ShardQuery shardQuery(CoordinatorProperties properties) {
        return shardQuery(properties, load(properties));
    }

    ReplicaLoad load(CoordinatorProperties properties) {
        return new ReplicaLoad(properties, () -> System.nanoTime() + skew.get());
    }

    /** Replica load that asks r0 first: r1 has a first-row time on record ({@code ms}), r0 none yet. */
    ReplicaLoad askingR0First(CoordinatorProperties p, long ms) {
        ReplicaLoad load = load(p);
        ReplicaLoad.Call old = load.start(R1);
        skew.addAndGet(Duration.ofMillis(ms).toNanos());
        old.sample();
        old.end();
        return load;
    }

    /** The rows of one shard query, read whole, and its outcome. */
    record Run(List<StoredLogEntry> rows, ShardOutcome outcome) {
        String failure() {
            return outcome.failure() == null ? null : outcome.failure().reason();
        }
    }

    static Run run(ShardAnswer answer) {
        List<StoredLogEntry> rows = answer.rows().collectList().block(Duration.ofSeconds(10));
        return new Run(rows, answer.outcome().block(Duration.ofSeconds(1)));
    }

    double hedges(String result) {
        return registry.get("query.shard.hedges").tag("result", result).counter().count();
    }

    @Test
    void aSlowReplicaIsHedgedAndTheQuickerAnswerWinsWhileTheSlowOneIsCancelled() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(100), 10));
        // r1 measured slow before: r0 is asked first, and is slow now; r1 is quick now.
        ReplicaLoad load = askingR0First(p, 30);
        AtomicBoolean r0Cancelled = new AtomicBoolean();
        AtomicBoolean r1Cancelled = new AtomicBoolean();
        when(client.query(eq(R0), any(), anyBoolean()))
                .thenReturn(answer(Flux.just(row(1)).delaySubscription(Duration.ofSeconds(5)))
                        .doOnCancel(() -> r0Cancelled.set(true)));
        when(client.query(eq(R1), any(), anyBoolean()))
                .thenReturn(answer(Flux.just(row(2), row(3)).delaySubscription(Duration.ofMillis(10)))
                        .doOnCancel(() -> r1Cancelled.set(true)));

        long started = System.nanoTime();
        Run run = run(shardQuery(p, load).query(SHARD, QUERY, true, Set.of(), far()));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(run.rows()).containsExactly(row(2), row(3));
        assertThat(run.outcome().answeredBy()).containsExactly(R1);
        assertThat(run.outcome().partial()).isFalse();
        assertThat(tookMs).as("the hedge answered, not the slow replica").isLessThan(1_500);
        assertThat(r0Cancelled).isTrue();
        assertThat(r1Cancelled).isFalse();
        assertThat(hedges("sent")).isEqualTo(1);
        assertThat(hedges("won")).isEqualTo(1);
        assertThat(load.inFlight(R0)).isZero();
        assertThat(load.inFlight(R1)).isZero();
        assertThat(load.averageMillis(R0)).as("the slow one is penalised").isGreaterThanOrEqualTo(90);
    }

    @Test
    void aReplicaThatAnswersBeforeTheHedgeDelayIsNotHedged() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(300), 10));
        when(client.query(any(), any(), anyBoolean())).thenAnswer(call -> answer(row(1)));
        ShardQuery shards = shardQuery(p);
        for (int i = 0; i < 5; i++) {
            assertThat(run(shards.query(SHARD, QUERY, true, Set.of(), far())).rows()).containsExactly(row(1));
        }
        assertThat(hedges("sent")).isZero();
    }

    @Test
    void anAnswerWithoutRowsIsAnAnswerNotAFailure() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(50), 10));
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.empty());
        Run run = run(shardQuery(p).query(SHARD, QUERY, true, Set.of(), far()));
        assertThat(run.rows()).isEmpty();
        assertThat(run.outcome().answeredBy()).hasSize(1);
        assertThat(run.outcome().failure()).isNull();
        assertThat(hedges("sent")).isZero();
    }

    @Test
    void aReplicaThatCannotConnectFailsOverAtOnceWithoutAHedge() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(500), 10));
        List<Replica> asked = new CopyOnWriteArrayList<>();
        when(client.query(any(), any(), anyBoolean())).thenAnswer(call -> {
            Replica r = call.getArgument(0);
            asked.add(r);
            return r.equals(R0) ? Flux.error(new ConnectException("refused")) : answer(row(7));
        });
        ShardQuery shards = shardQuery(p);
        long started = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            Run run = run(shards.query(SHARD, QUERY, true, Set.of(), far()));
            assertThat(run.rows()).containsExactly(row(7));
            assertThat(run.outcome().answeredBy()).containsExactly(R1);
            assertThat(run.outcome().failure()).as("a failover before the first row is no failure").isNull();
        }
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(400);
        assertThat(hedges("sent")).isZero();
        assertThat(asked).contains(R0, R1);
    }

    @Test
    void whenEveryReplicaFailsTheFailureIsTheReplicasNotAnInternalOne() {
        CoordinatorProperties p = properties(Duration.ofMillis(400), new CoordinatorProperties.Hedge(Duration.ofMillis(100), 10));
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.never());
        ShardQuery shards = shardQuery(p);
        Run hanging = run(shards.query(SHARD, QUERY, true, Set.of(), far()));
        assertThat(hanging.rows()).isEmpty();
        assertThat(hanging.failure()).isEqualTo("timeout");
        assertThat(hanging.outcome().answeredBy()).isEmpty();
        assertThat(hedges("sent")).isEqualTo(1);

        when(client.query(any(), any(), anyBoolean()))
                .thenReturn(Flux.error(new WebClientRequestException(new ConnectException("refused"),
                        org.springframework.http.HttpMethod.POST, java.net.URI.create("http://r"),
                        new org.springframework.http.HttpHeaders())));
        assertThat(run(shards.query(SHARD, QUERY, true, Set.of(), far())).failure()).isEqualTo("unreachable");
    }

    @Test
    void aReplicaThatShowsLifeWithoutRowsIsWaitedForNotFailedOver() {
        // A long scan that finds nothing for a while: the node's keep-alive lines are reads without rows.
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        List<Replica> asked = new CopyOnWriteArrayList<>();
        when(client.query(any(), any(), anyBoolean())).thenAnswer(call -> {
            asked.add(call.getArgument(0));
            return Flux.interval(Duration.ofMillis(100)).take(10).<NodeAnswer>map(tick -> new NodeAnswer.Rows(List.of()))
                    .concatWith(answer(row(5), row(4)));
        });
        assertThat(run(shardQuery(p).query(SHARD, QUERY, true, Set.of(), far())).rows())
                .as("1 s without a row, with a 300 ms shard timeout").containsExactly(row(5), row(4));
        assertThat(asked).hasSize(1);

        // The same wait without signs of life is a stall; it used up the shard's whole budget, so no other
        // replica is asked and the shard fails.
        when(client.query(eq(R0), any(), anyBoolean())).thenAnswer(call -> {
            asked.add(R0);
            return answer(Flux.just(row(5)).delaySubscription(Duration.ofSeconds(1)));
        });
        when(client.query(eq(R1), any(), anyBoolean())).thenAnswer(call -> {
            asked.add(R1);
            return answer(row(5));
        });
        ReplicaLoad load = askingR0First(p, 20);
        asked.clear(); // (stubbing called the first answer with null arguments)
        Run stalled = run(shardQuery(p, load).query(SHARD, QUERY, true, Set.of(), far()));
        assertThat(stalled.failure()).as("r0 silent past the shard's whole budget: no time is left to ask r1")
                .isEqualTo("timeout");
        assertThat(asked).containsExactly(R0);
    }

    @Test
    void theHedgeBudgetStopsHedgingWhenEveryReplicaIsSlow() {
        CoordinatorProperties p = properties(Duration.ofMillis(200), new CoordinatorProperties.Hedge(Duration.ofMillis(20), 10));
        when(client.query(any(), any(), anyBoolean()))
                .thenReturn(answer(Flux.just(row(1)).delaySubscription(Duration.ofMillis(60))));
        ShardQuery shards = shardQuery(p);
        int queries = 40;
        for (int i = 0; i < queries; i++) {
            assertThat(run(shards.query(SHARD, QUERY, true, Set.of(), far())).rows()).containsExactly(row(1));
        }
        // A burst of 10, then one per 10 queries.
        assertThat(hedges("sent")).isBetween(10.0, 10.0 + queries / 10.0 + 1);
    }

    @Test
    void theQuickerReplicaIsPreferredAndTheOtherIsTriedAgainLater() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        AtomicLong now = new AtomicLong();
        ReplicaLoad load = new ReplicaLoad(p, now::get);
        ReplicaBreakers breakers = new ReplicaBreakers(p, registry);
        for (Replica r : List.of(R0, R1)) {
            ReplicaLoad.Call c = load.start(r);
            now.addAndGet(r.equals(R0) ? 40_000_000 : 2_000_000); // 40 ms and 2 ms to the first row
            c.sample();
            c.end();
        }
        int r1First = 0;
        int r0First = 0;
        for (int i = 0; i < 200; i++) {
            Replica first = load.order(SHARD.replicaList(), breakers::group).get(0);
            if (first.equals(R1)) {
                r1First++;
            } else {
                r0First++;
                ReplicaLoad.Call c = load.start(R0); // it was quick this time
                c.sample();
                c.end();
            }
        }
        assertThat(r1First).as("the quicker replica").isGreaterThan(50);
        assertThat(r0First).as("the slow one, tried again once its average decayed").isPositive();
        verify(client, never()).query(any(), any(), anyBoolean());
    }

    @Test
    void aResumedQueryKeepsItsAttributeFilter() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        ReplicaLoad load = askingR0First(p, 20);
        List<LogQuery> asked = new ArrayList<>();
        when(client.query(eq(R0), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(9), row(8)),
                Flux.error(new java.io.IOException("connection reset")))));
        when(client.query(eq(R1), any(), anyBoolean())).thenAnswer(call -> {
            asked.add(call.getArgument(1));
            return answer(row(7));
        });
        LogQuery filtered = QUERY.withAttributes(java.util.Map.of("cluster", "eu-1"));
        Run resumed = run(shardQuery(p, load).query(SHARD, filtered, true, Set.of(), far()));
        assertThat(resumed.rows()).containsExactly(row(9), row(8), row(7));
        assertThat(asked).singleElement().satisfies(q -> {
            assertThat(q.attributes()).isEqualTo(filtered.attributes());
            assertThat(q.after()).isNotNull();
        });
    }

    @Test
    void aReplicaThatFailsMidStreamIsReplacedByTheOtherRightAfterTheLastRowSent() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        ReplicaLoad load = askingR0First(p, 20);
        List<LogQuery> asked = new ArrayList<>();
        when(client.query(eq(R0), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(9), row(8), row(7)),
                Flux.error(new java.io.IOException("connection reset")))));
        when(client.query(eq(R1), any(), anyBoolean())).thenAnswer(call -> {
            asked.add(call.getArgument(1));
            return answer(row(6), row(5));
        });
        ShardQuery shards = shardQuery(p, load);
        Run resumed = run(shards.query(SHARD, QUERY, true, Set.of(), far()));
        assertThat(resumed.rows()).containsExactly(row(9), row(8), row(7), row(6), row(5));
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).after()).isEqualTo(new LogQuery.Position(row(7).entry().timestamp(), 0, 7));
        assertThat(asked.get(0).limit()).isEqualTo(QUERY.limit() - 3);
        assertThat(resumed.outcome().answeredBy()).containsExactly(R0, R1);
        assertThat(resumed.outcome().failure()).as("resumed whole: nothing is missing").isNull();
        assertThat(registry.get("query.shard.resumed").counter().count()).isEqualTo(1);

        // With one replica left nothing can resume: the failure ends the rows after those sent.
        when(client.query(eq(R1), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(4)),
                Flux.error(new java.io.IOException("reset again")))));
        Run broken = run(shards.query(SHARD, QUERY, true, Set.of(), far()));
        assertThat(broken.rows()).contains(row(4));
        assertThat(broken.failure()).isEqualTo("error");
    }

    @Test
    void aReaderThatStopsAskingDoesNotMakeTheShardTimeOutButANodeThatStopsSendingDoes() throws Exception {
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        when(client.query(any(), any(), anyBoolean())).thenReturn(answer(Flux.range(1, 10).map(ShardQueryTest::row)));
        ShardQuery shards = shardQuery(p);
        // A slow reader: one row per 500 ms (more than the 300 ms shard timeout), every row arrives.
        PacedReader slow = new PacedReader(0, 500, 4);
        ShardAnswer read = shards.query(one, QUERY, true, Set.of(), far());
        read.rows().subscribe(slow);
        assertThat(slow.ended.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(slow.rows).containsExactly(row(1), row(2), row(3), row(4));
        assertThat(read.outcome().block(Duration.ofSeconds(1)).failure()).as("stopped by its reader").isNull();

        // A node that sends one row, then nothing while asked: a timeout.
        when(client.query(any(), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(1)), Flux.never())));
        long started = System.nanoTime();
        Run stalled = run(shards.query(one, QUERY, true, Set.of(), far()));
        assertThat(stalled.rows()).containsExactly(row(1));
        assertThat(stalled.failure()).isEqualTo("timeout");
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(250L, 1_500L);
    }

    @Test
    void timeoutsDoNotOpenABreakerButRefusedConnectionsDo() {
        CoordinatorProperties p = properties(Duration.ofMillis(100), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        Replica only = one.replicaList().get(0);
        ReplicaBreakers breakers = new ReplicaBreakers(p, registry);
        ShardQuery shards = new ShardQuery(client, new ShardDatabases(p, r -> null), breakers, load(p), p, registry);
        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.never());
        for (int i = 0; i < 12; i++) {
            assertThat(run(shards.query(one, QUERY, true, Set.of(), far())).failure()).isEqualTo("timeout");
        }
        assertThat(breakers.of(only).getState()).as("slow is not dead").isEqualTo(
                io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);

        when(client.query(any(), any(), anyBoolean())).thenReturn(Flux.error(new ConnectException("refused")));
        for (int i = 0; i < 12; i++) {
            assertThat(run(shards.query(one, QUERY, true, Set.of(), far())).failure()).isIn("unreachable", "circuit_open");
        }
        assertThat(breakers.of(only).getState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);
    }

    @Test
    void noFirstRowIsExpectedWhileNoneIsAsked() throws Exception {
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        when(client.query(any(), any(), anyBoolean())).thenReturn(answer(row(1), row(2)));
        // Asks for nothing for 800 ms (a resumed answer whose reader is busy), then for everything.
        PacedReader late = new PacedReader(800, 0, Integer.MAX_VALUE);
        shardQuery(p).query(one, QUERY, true, Set.of(), far()).rows().subscribe(late);
        assertThat(late.ended.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(late.rows).containsExactly(row(1), row(2));
    }
}
