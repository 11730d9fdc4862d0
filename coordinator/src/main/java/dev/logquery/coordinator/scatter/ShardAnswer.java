package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.topology.Replica;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * One shard's answer to a query: its rows as they stream, and its {@link ShardOutcome}, emitted once the rows ended
 * however they ended (complete, failed on every replica, cut off by the deadline, or cancelled by their reader). The
 * rows never fail: a failure is the outcome's, so a reader merges rows and reads outcomes without handling errors.
 *
 * <p>The outcome is one immutable value replaced as the answer goes ({@link #soFar()}), because one decision cannot
 * wait for the end: an answer that refuses to be partial must know, when the merge gives its first row, that a shard
 * is answered by a replica that lacks rows.
 */
public final class ShardAnswer {

    private final AtomicReference<ShardOutcome> known;
    private final Sinks.One<ShardOutcome> ended = Sinks.one();
    private final Flux<StoredLogEntry> rows;

    /** @param rows the shard's rows, told through this answer how they go; they must not fail */
    ShardAnswer(int shard, Function<ShardAnswer, Flux<StoredLogEntry>> rows) {
        this.known = new AtomicReference<>(ShardOutcome.pending(shard));
        this.rows = rows.apply(this)
                .doOnComplete(this::end)
                .doOnCancel(this::end);
    }

    /** The shard's rows, newest first; subscribe once. Nothing is sent to a replica before. */
    public Flux<StoredLogEntry> rows() {
        return rows;
    }

    /** The shard's outcome, once its rows ended. */
    public Mono<ShardOutcome> outcome() {
        return ended.asMono();
    }

    /** What is known of the outcome now; once the rows ended, the outcome. */
    public ShardOutcome soFar() {
        return known.get();
    }

    void answered(Replica replica, boolean lacksRows, ChunkPlan plan) {
        known.updateAndGet(o -> o.answered(replica, lacksRows, plan));
    }

    void failed(ShardFailure failure) {
        known.updateAndGet(o -> o.failed(failure));
    }

    private void end() {
        ended.tryEmitValue(known.get()); // once: a cancel racing the completion finds it emitted
    }
}
