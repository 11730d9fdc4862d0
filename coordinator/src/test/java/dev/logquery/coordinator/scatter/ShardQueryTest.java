package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
import dev.logquery.coordinator.config.CoordinatorProperties.Replica;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

class ShardQueryTest {

    static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    static final Shard SHARD = new Shard(0, null, List.of("http://r0", "http://r1"));
    static final Replica R0 = SHARD.replicaList().get(0);
    static final Replica R1 = SHARD.replicaList().get(1);
    static final LogQuery QUERY = new LogQuery(T0, T0.plusSeconds(60), null, null, null, null, null, 10, null);

    final ShardClient client = mock(ShardClient.class);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    static StoredLogEntry row(long offset) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(offset), "svc", LogLevel.INFO, null, null, null,
                "m" + offset), 0, 0, offset);
    }

    static CoordinatorProperties properties(Duration shardTimeout, CoordinatorProperties.Hedge hedge) {
        CoordinatorProperties p = new CoordinatorProperties(List.of(SHARD), shardTimeout, Duration.ofSeconds(1), true,
                10_000);
        return new CoordinatorProperties(p.shards(), p.shardTimeout(), p.metadataMaxAge(), p.pruning(), p.maxLimit(),
                p.queryTimeout(), p.admission(), p.breaker(), p.redisUrl(), p.cache(), hedge, p.replicaMaxLagRows());
    }

    ShardQuery shardQuery(CoordinatorProperties properties, ReplicaLoad load) {
        return new ShardQuery(client, new ReplicaBreakers(properties, registry), load, properties, registry);
    }

    /** A replica that answers {@code rows} after {@code delay}; {@code cancelled} tells whether it was cut off. */
    static Flux<StoredLogEntry> answering(Duration delay, AtomicBoolean cancelled, StoredLogEntry... rows) {
        return Flux.just(rows).delaySubscription(delay).doOnCancel(() -> cancelled.set(true));
    }

    double hedges(String result) {
        return registry.get("query.shard.hedges").tag("result", result).counter().count();
    }

    @Test
    void aSlowReplicaIsHedgedAndTheQuickerAnswerWinsWhileTheSlowOneIsCancelled() {
        ReplicaLoad load = new ReplicaLoad(properties(Duration.ofSeconds(2), CoordinatorProperties.Hedge.DEFAULT));
        // r1 measured slow before: r0 is asked first, and is slow now; r1 is quick now.
        ReplicaLoad.Call old = load.start(R1);
        sleep(30);
        old.sample();
        old.end();
        AtomicBoolean r0Cancelled = new AtomicBoolean();
        AtomicBoolean r1Cancelled = new AtomicBoolean();
        when(client.query(eq(R0), any(), anyBoolean(), any()))
                .thenReturn(answering(Duration.ofSeconds(5), r0Cancelled, row(1)));
        when(client.query(eq(R1), any(), anyBoolean(), any()))
                .thenReturn(answering(Duration.ofMillis(10), r1Cancelled, row(2), row(3)));
        ShardQuery shards = shardQuery(properties(Duration.ofSeconds(2),
                new CoordinatorProperties.Hedge(Duration.ofMillis(100), 10)), load);

        long started = System.nanoTime();
        List<StoredLogEntry> rows = shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block();
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(rows).containsExactly(row(2), row(3));
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
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.just(row(1)));
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        for (int i = 0; i < 5; i++) {
            assertThat(shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block()).containsExactly(row(1));
        }
        assertThat(hedges("sent")).isZero();
    }

    @Test
    void anAnswerWithoutRowsIsAnAnswerNotAFailure() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(50), 10));
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.empty());
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        assertThat(shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block()).isEmpty();
        assertThat(hedges("sent")).isZero();
    }

    @Test
    void aReplicaThatCannotConnectFailsOverAtOnceWithoutAHedge() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(500), 10));
        List<Replica> asked = new ArrayList<>();
        when(client.query(any(), any(), anyBoolean(), any())).thenAnswer(call -> {
            Replica r = call.getArgument(0);
            asked.add(r);
            return r.equals(R0) ? Flux.error(new ConnectException("refused")) : Flux.just(row(7));
        });
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        long started = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            assertThat(shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block()).containsExactly(row(7));
        }
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(400);
        assertThat(hedges("sent")).isZero();
        assertThat(asked).contains(R0, R1);
    }

    @Test
    void whenEveryReplicaFailsTheErrorIsTheReplicasNotAnInternalOne() {
        CoordinatorProperties p = properties(Duration.ofMillis(400), new CoordinatorProperties.Hedge(Duration.ofMillis(100), 10));
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.never());
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        assertThatThrownBy(() -> shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block())
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(hedges("sent")).isEqualTo(1);

        when(client.query(any(), any(), anyBoolean(), any()))
                .thenReturn(Flux.error(new WebClientRequestException(new ConnectException("refused"),
                        org.springframework.http.HttpMethod.POST, java.net.URI.create("http://r"),
                        new org.springframework.http.HttpHeaders())));
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(
                () -> shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block());
        assertThat(ShardFailure.reason(e)).isEqualTo("unreachable");
    }

    @Test
    void aReplicaThatShowsLifeWithoutRowsIsWaitedForNotFailedOver() {
        // A long scan that finds nothing for a while: the node's keep-alive lines reach the listener.
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        List<Replica> asked = java.util.Collections.synchronizedList(new ArrayList<>());
        when(client.query(any(), any(), anyBoolean(), any())).thenAnswer(call -> {
            asked.add(call.getArgument(0));
            ShardClient.AnswerListener listener = call.getArgument(3);
            return Flux.interval(Duration.ofMillis(100)).take(10).doOnNext(tick -> listener.alive())
                    .thenMany(Flux.just(row(5), row(4)));
        });
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        assertThat(shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block())
                .as("1 s without a row, with a 300 ms shard timeout").containsExactly(row(5), row(4));
        assertThat(asked).hasSize(1);

        // The same wait without signs of life is a stall; it used up the shard's whole budget, so no other
        // replica is asked and the shard fails.
        when(client.query(eq(R0), any(), anyBoolean(), any())).thenAnswer(call -> {
            asked.add(R0);
            return Flux.just(row(5)).delaySubscription(Duration.ofSeconds(1));
        });
        when(client.query(eq(R1), any(), anyBoolean(), any())).thenAnswer(call -> {
            asked.add(R1);
            return Flux.just(row(5));
        });
        ReplicaLoad load = askingR0First(p);
        asked.clear(); // (stubbing called the first answer with null arguments)
        assertThatThrownBy(() -> shardQuery(p, load).query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { })
                .collectList().block())
                .as("r0 silent past the shard's whole budget: no time is left to ask r1")
                .hasCauseInstanceOf(TimeoutException.class);
        assertThat(asked).containsExactly(R0);
    }

    @Test
    void onlyTheAnsweringReplicasChunkPlanIsCounted() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ofMillis(50), 10));
        ReplicaLoad load = askingR0First(p);
        when(client.query(eq(R0), any(), anyBoolean(), any())).thenAnswer(call -> {
            ShardClient.AnswerListener chunks = call.getArgument(3);
            chunks.planned(100, 1); // its headers came, its rows do not
            return Flux.<StoredLogEntry>never();
        });
        when(client.query(eq(R1), any(), anyBoolean(), any())).thenAnswer(call -> {
            ShardClient.AnswerListener chunks = call.getArgument(3);
            return Flux.defer(() -> {
                chunks.planned(3, 4);
                return Flux.just(row(1));
            }).delaySubscription(Duration.ofMillis(20));
        });
        List<int[]> plans = new ArrayList<>();
        ShardQuery shards = shardQuery(p, load);
        assertThat(shards.query(SHARD, QUERY, true, (s, k) -> plans.add(new int[] {s, k}), Set.of(), r -> { }).collectList().block())
                .containsExactly(row(1));
        assertThat(plans).hasSize(1);
        assertThat(plans.get(0)).containsExactly(3, 4);
    }

    @Test
    void theHedgeBudgetStopsHedgingWhenEveryReplicaIsSlow() {
        CoordinatorProperties p = properties(Duration.ofMillis(200), new CoordinatorProperties.Hedge(Duration.ofMillis(20), 10));
        when(client.query(any(), any(), anyBoolean(), any()))
                .thenReturn(Flux.just(row(1)).delaySubscription(Duration.ofMillis(60)));
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        int queries = 40;
        for (int i = 0; i < queries; i++) {
            assertThat(shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList().block()).containsExactly(row(1));
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
        verify(client, never()).query(any(), any(), anyBoolean(), any());
    }

    /** Replica load that asks r0 first: r1 has a first-row time on record, r0 none yet. */
    static ReplicaLoad askingR0First(CoordinatorProperties p) {
        ReplicaLoad load = new ReplicaLoad(p);
        ReplicaLoad.Call old = load.start(R1);
        sleep(20);
        old.sample();
        old.end();
        return load;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aReplicaThatFailsMidStreamIsReplacedByTheOtherRightAfterTheLastRowSent() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        ReplicaLoad load = askingR0First(p);
        List<LogQuery> asked = new ArrayList<>();
        when(client.query(eq(R0), any(), anyBoolean(), any())).thenReturn(Flux.concat(Flux.just(row(9), row(8), row(7)),
                Flux.error(new java.io.IOException("connection reset"))));
        when(client.query(eq(R1), any(), anyBoolean(), any())).thenAnswer(call -> {
            asked.add(call.getArgument(1));
            return Flux.just(row(6), row(5));
        });
        List<Replica> answeredBy = new ArrayList<>();
        ShardQuery shards = shardQuery(p, load);
        List<StoredLogEntry> rows = shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), answeredBy::add)
                .collectList().block();
        assertThat(rows).containsExactly(row(9), row(8), row(7), row(6), row(5));
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).after()).isEqualTo(new LogQuery.Position(row(7).entry().timestamp(), 0, 7));
        assertThat(asked.get(0).limit()).isEqualTo(QUERY.limit() - 3);
        assertThat(answeredBy).containsExactly(R0, R1);
        assertThat(registry.get("query.shard.resumed").counter().count()).isEqualTo(1);

        // With one replica left nothing can resume: the error ends the stream after the rows sent.
        when(client.query(eq(R1), any(), anyBoolean(), any())).thenReturn(Flux.concat(Flux.just(row(4)),
                Flux.error(new java.io.IOException("reset again"))));
        assertThatThrownBy(() -> shards.query(SHARD, QUERY, true, (s, k) -> { }, Set.of(), r -> { })
                .collectList().block()).hasMessageContaining("reset again");
    }

    @Test
    void aReaderThatStopsAskingDoesNotMakeTheShardTimeOutButANodeThatStopsSendingDoes() throws Exception {
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.range(1, 10).map(ShardQueryTest::row));
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        // A slow reader: one row per 500 ms (more than the 300 ms shard timeout), every row arrives.
        Reader slow = new Reader(0, 500, 4);
        shards.query(one, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).subscribe(slow);
        assertThat(slow.ended.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(slow.rows).containsExactly(row(1), row(2), row(3), row(4));

        // A node that sends one row, then nothing while asked: a timeout.
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.concat(Flux.just(row(1)), Flux.never()));
        long started = System.nanoTime();
        assertThatThrownBy(() -> shards.query(one, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList()
                .block(Duration.ofSeconds(5))).hasCauseInstanceOf(TimeoutException.class);
        assertThat((System.nanoTime() - started) / 1_000_000).isBetween(250L, 1_500L);
    }

    @Test
    void timeoutsDoNotOpenABreakerButRefusedConnectionsDo() {
        CoordinatorProperties p = properties(Duration.ofMillis(100), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        Replica only = one.replicaList().get(0);
        ReplicaBreakers breakers = new ReplicaBreakers(p, registry);
        ShardQuery shards = new ShardQuery(client, breakers, new ReplicaLoad(p), p, registry);
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.never());
        for (int i = 0; i < 12; i++) {
            assertThatThrownBy(() -> shards.query(one, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).collectList()
                    .block()).hasCauseInstanceOf(TimeoutException.class);
        }
        assertThat(breakers.of(only).getState()).as("slow is not dead").isEqualTo(
                io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED);

        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.error(new ConnectException("refused")));
        for (int i = 0; i < 12; i++) {
            org.assertj.core.api.Assertions.catchThrowable(() -> shards.query(one, QUERY, true, (s, k) -> { }, Set.of(),
                    r -> { }).collectList().block());
        }
        assertThat(breakers.of(only).getState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);
    }

    @Test
    void noFirstRowIsExpectedWhileNoneIsAsked() throws Exception {
        CoordinatorProperties p = properties(Duration.ofMillis(300), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        Shard one = new Shard(0, "http://only");
        when(client.query(any(), any(), anyBoolean(), any())).thenReturn(Flux.just(row(1), row(2)));
        ShardQuery shards = shardQuery(p, new ReplicaLoad(p));
        // Asks for nothing for 800 ms (a resumed answer whose reader is busy), then for everything.
        Reader late = new Reader(800, 0, Integer.MAX_VALUE);
        shards.query(one, QUERY, true, (s, k) -> { }, Set.of(), r -> { }).subscribe(late);
        assertThat(late.ended.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(late.rows).containsExactly(row(1), row(2));
    }

    /**
     * A reader that asks for its first row after {@code firstAfterMs}, for each next one {@code nextAfterMs} after
     * the last arrived, and stops after {@code max} rows; {@code ended} is its error, or null.
     */
    static final class Reader extends BaseSubscriber<StoredLogEntry> {
        final List<StoredLogEntry> rows = new CopyOnWriteArrayList<>();
        final CompletableFuture<Throwable> ended = new CompletableFuture<>();
        private final long firstAfterMs;
        private final long nextAfterMs;
        private final int max;

        Reader(long firstAfterMs, long nextAfterMs, int max) {
            this.firstAfterMs = firstAfterMs;
            this.nextAfterMs = nextAfterMs;
            this.max = max;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            Schedulers.parallel().schedule(() -> request(1), firstAfterMs, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void hookOnNext(StoredLogEntry row) {
            rows.add(row);
            if (rows.size() == max) {
                cancel();
                ended.complete(null);
                return;
            }
            Schedulers.parallel().schedule(() -> request(1), nextAfterMs, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void hookOnError(Throwable e) {
            ended.complete(e);
        }

        @Override
        protected void hookOnComplete() {
            ended.complete(null);
        }
    }
}
