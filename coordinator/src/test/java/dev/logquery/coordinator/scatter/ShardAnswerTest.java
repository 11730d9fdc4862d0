package dev.logquery.coordinator.scatter;

import static dev.logquery.coordinator.scatter.ShardQueryTest.QUERY;
import static dev.logquery.coordinator.scatter.ShardQueryTest.R0;
import static dev.logquery.coordinator.scatter.ShardQueryTest.R1;
import static dev.logquery.coordinator.scatter.ShardQueryTest.SHARD;
import static dev.logquery.coordinator.scatter.ShardQueryTest.answer;
import static dev.logquery.coordinator.scatter.ShardQueryTest.far;
import static dev.logquery.coordinator.scatter.ShardQueryTest.properties;
import static dev.logquery.coordinator.scatter.ShardQueryTest.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyBoolean;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.config.CoordinatorProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * A shard's outcome as a value beside its rows: which replica answered, whether it lacks rows, its chunk plan and
 * its failure, known when the rows end however they end (and what is known of it while they stream).
 */
class ShardAnswerTest {

    final ShardClient client = mock(ShardClient.class);
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    ShardQuery shardQuery(CoordinatorProperties p) {
        return new ShardQuery(client, new ShardDatabases(p, r -> null), new ReplicaBreakers(p, registry), new ReplicaLoad(p), p, registry);
    }

    @Test
    void onlyTheAnsweringReplicasChunkPlanCounts() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2),
                new CoordinatorProperties.Hedge(Duration.ofMillis(50), 10));
        // r0 is asked first (r1 has a first-row time on record, r0 none): its headers came, its rows do not.
        ReplicaLoad load = new ReplicaLoad(p, System::nanoTime);
        ReplicaLoad.Call old = load.start(R1);
        old.sample();
        old.end();
        when(client.query(eq(R0), any(), anyBoolean()))
                .thenReturn(Flux.concat(Flux.just(new ChunkPlan(100, 1)), Flux.never()));
        when(client.query(eq(R1), any(), anyBoolean()))
                .thenReturn(Flux.concat(Flux.just(new ChunkPlan(3, 4)), answer(row(1)))
                        .delaySubscription(Duration.ofMillis(20)));
        ShardAnswer answer = new ShardQuery(client, new ShardDatabases(p, r -> null), new ReplicaBreakers(p, registry), load, p, registry)
                .query(SHARD, QUERY, true, Set.of(), far());
        assertThat(answer.rows().collectList().block(Duration.ofSeconds(5))).containsExactly(row(1));
        ShardOutcome outcome = answer.outcome().block(Duration.ofSeconds(1));
        assertThat(outcome.answeredBy()).containsExactly(R1);
        assertThat(outcome.chunks()).isEqualTo(new ChunkPlan(3, 4));
        assertThat(outcome.partial()).isFalse();
    }

    @Test
    void anAnswerFromAReplicaBehindIsKnownPartialFromItsFirstRow() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), CoordinatorProperties.Hedge.DEFAULT);
        when(client.query(eq(R1), any(), anyBoolean())).thenReturn(Flux.error(new ConnectException("refused")));
        when(client.query(eq(R0), any(), anyBoolean())).thenReturn(answer(row(3), row(2)));
        ShardAnswer answer = shardQuery(p).query(SHARD, QUERY, true, Set.of(R0), far());
        assertThat(answer.soFar().partial()).as("nothing is known before the rows are read").isFalse();
        StepVerifier.create(answer.rows(), 1)
                .expectNext(row(3))
                .then(() -> assertThat(answer.soFar().failures())
                        .containsExactly(new ShardFailure(0, "replica_behind")))
                .thenRequest(Long.MAX_VALUE)
                .expectNext(row(2))
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        ShardOutcome outcome = answer.outcome().block(Duration.ofSeconds(1));
        assertThat(outcome.answeredBy()).containsExactly(R0);
        assertThat(outcome.behind()).containsExactly(R0);
        assertThat(outcome.failure()).as("r1 failed before its first row: a failover, not a failure").isNull();
        assertThat(outcome.failures()).containsExactly(new ShardFailure(0, "replica_behind"));
    }

    @Test
    void theQueryDeadlineCutsTheShardOffAndSaysSo() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        when(client.query(any(), any(), anyBoolean())).thenReturn(answer(Flux.concat(Flux.just(row(1)), Flux.never())));
        long started = System.nanoTime();
        ShardAnswer answer = shardQuery(p).query(SHARD, QUERY, true, Set.of(),
                System.nanoTime() + Duration.ofMillis(200).toNanos());
        assertThat(answer.rows().collectList().block(Duration.ofSeconds(5))).containsExactly(row(1));
        assertThat((System.nanoTime() - started) / 1_000_000).as("the deadline, not the 2 s shard timeout")
                .isLessThan(1_500);
        ShardOutcome outcome = answer.outcome().block(Duration.ofSeconds(1));
        assertThat(outcome.failures()).containsExactly(new ShardFailure(0, "deadline"));
        assertThat(outcome.answeredBy()).hasSize(1);
    }

    @Test
    void aReaderThatHasEnoughStillGetsTheOutcome() {
        CoordinatorProperties p = properties(Duration.ofSeconds(2), new CoordinatorProperties.Hedge(Duration.ZERO, 10));
        when(client.query(any(), any(), anyBoolean()))
                .thenReturn(Flux.concat(Flux.just(new ChunkPlan(5, 6)), answer(row(3), row(2), row(1))));
        ShardAnswer answer = shardQuery(p).query(SHARD, QUERY, true, Set.of(), far());
        List<StoredLogEntry> first = answer.rows().take(1).collectList().block(Duration.ofSeconds(5));
        assertThat(first).containsExactly(row(3));
        ShardOutcome outcome = answer.outcome().block(Duration.ofSeconds(1));
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.chunks()).isEqualTo(new ChunkPlan(5, 6));
    }

    @Test
    void failuresAreListedInTheOrderTheyHappenedAndTheFirstPlanStays() {
        ShardOutcome outcome = ShardOutcome.pending(4)
                .answered(R0, true, new ChunkPlan(7, 1))
                .answered(R1, false, new ChunkPlan(9, 9))
                .failed(new ShardFailure(4, "timeout"))
                .failed(new ShardFailure(4, "deadline"));
        assertThat(outcome.failures()).containsExactly(new ShardFailure(4, "replica_behind"),
                new ShardFailure(4, "timeout"));
        assertThat(outcome.chunks()).as("a resumed part reads chunks counted already").isEqualTo(new ChunkPlan(7, 1));
        assertThat(outcome.answeredBy()).containsExactly(R0, R1);
        assertThat(outcome.partial()).isTrue();
        assertThat(ShardOutcome.pending(4).partial()).isFalse();
    }
}
