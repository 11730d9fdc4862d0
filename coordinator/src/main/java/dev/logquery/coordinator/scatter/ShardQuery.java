package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.config.CoordinatorProperties.Replica;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import dev.logquery.coordinator.merge.NextCursor;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One shard's rows from one of its replicas. The replicas are tried in the order of their circuit breakers
 * ({@link ReplicaBreakers#group}: half-open probes, closed, open), within that the quickest and least busy
 * first ({@link ReplicaLoad}); a replica known to be behind (lacking rows of the window) comes after all
 * others. When the replica asked fails before it sent a row (cannot connect, its breaker is
 * open, an error status, no first row in time) the next is asked, within the same query; when it has sent
 * no row after {@code hedge.after}, the next is asked too (a hedged request, within the {@link HedgeBudget})
 * and the first of them to answer is used, the other cancelled. All attempts share one budget for the first
 * row, the {@code shardTimeout}, so a shard whose every replica fails is given up within it (a half-open
 * replica tried first as a probe gets half of it, so that a hanging one leaves time for the next). Once rows
 * flow, a replica that fails (or sends no row for {@code shardTimeout} while rows are asked: {@link StallWatch})
 * is replaced by the others, resuming right after the last row it sent; only when none is left does the
 * shard's stream end with the error.
 */
@Component
public class ShardQuery {

    private static final Logger log = LoggerFactory.getLogger(ShardQuery.class);
    /** Added to the breaker group of a replica that is behind: after every replica that is not. */
    private static final int BEHIND = 10;

    private final ShardClient client;
    private final ReplicaBreakers breakers;
    private final ReplicaLoad load;
    private final Duration shardTimeout;
    private final CoordinatorProperties.Hedge hedge;
    private final HedgeBudget hedges;
    private final Counter hedgesSent;
    private final Counter hedgesWon;
    private final Counter resumed;

    public ShardQuery(ShardClient client, ReplicaBreakers breakers, ReplicaLoad load, CoordinatorProperties properties,
                      MeterRegistry meters) {
        this.client = client;
        this.breakers = breakers;
        this.load = load;
        this.shardTimeout = properties.shardTimeout();
        this.hedge = properties.hedge();
        this.hedges = new HedgeBudget(hedge.budgetPercent());
        this.hedgesSent = Counter.builder("query.shard.hedges").tag("result", "sent")
                .description("Hedged shard requests: sent, and those that answered first").register(meters);
        this.hedgesWon = Counter.builder("query.shard.hedges").tag("result", "won")
                .description("Hedged shard requests: sent, and those that answered first").register(meters);
        this.resumed = Counter.builder("query.shard.resumed")
                .description("Shard answers resumed on another replica after the answering one failed mid-stream")
                .register(meters);
    }

    /**
     * The shard's rows, newest first; errors with the last replica's failure when none could answer.
     *
     * @param behind     replicas known to lack rows of the query's window: asked only after every other
     *                   (never as a hedge)
     * @param answeredBy told which replica answers, once it sent its first row (or its whole, empty answer)
     */
    public Flux<StoredLogEntry> query(Shard shard, LogQuery query, boolean prune, ShardClient.AnswerListener chunks,
                                      Set<Replica> behind, Consumer<Replica> answeredBy) {
        return Flux.defer(() -> {
            List<Replica> order = load.order(shard.replicaList(),
                    r -> (behind.contains(r) ? BEHIND : 0) + breakers.group(r));
            return run(order, query, prune, chunks, behind, answeredBy);
        });
    }

    /**
     * The rows from the first of {@code order} that answers. When the answering replica fails after it sent
     * rows, the query resumes on the others right after the last row sent (a cursor position: every replica
     * holds the same rows in the same order, so nothing repeats and nothing is skipped), asking for what is
     * left of the limit.
     */
    private Flux<StoredLogEntry> run(List<Replica> order, LogQuery query, boolean prune,
                                     ShardClient.AnswerListener chunks, Set<Replica> behind,
                                     Consumer<Replica> answeredBy) {
        hedges.earn();
        Attempts attempts = new Attempts(order, behind, answeredBy, System.nanoTime() + shardTimeout.toNanos(),
                query, prune, chunks);
        AtomicReference<StoredLogEntry> last = new AtomicReference<>();
        AtomicLong sent = new AtomicLong();
        return attempts.from(0, false)
                .onErrorMap(NoSuchElementException.class, e -> attempts.lastError.get() != null
                        ? attempts.lastError.get() : e)
                .takeWhile(item -> item != Item.END)
                .map(Item::row)
                .doOnNext(row -> {
                    last.set(row);
                    sent.incrementAndGet();
                })
                .onErrorResume(e -> last.get() != null && attempts.answering.get() != null
                        && order.size() > 1 && sent.get() < query.limit(), e -> {
                    Replica failed = attempts.answering.get();
                    List<Replica> rest = order.stream().filter(r -> !r.equals(failed)).toList();
                    log.info("{} failed after {} rows ({}); resuming on {} after the last row", failed.name(),
                            sent.get(), ShardFailure.reason(e), rest.get(0).name());
                    resumed.increment();
                    LogQuery after = new LogQuery(query.startTime(), query.endTime(), query.service(),
                            query.levels(), query.namespace(), query.pod(), query.contains(),
                            (int) (query.limit() - sent.get()), NextCursor.position(last.get()));
                    // The resumed part's chunk plan is not counted again.
                    return run(rest, after, prune, (scanned, skipped) -> { }, behind, answeredBy);
                });
    }

    /** A row, or the end of a replica's answer (so that an answer without rows also counts as one). */
    private record Item(StoredLogEntry row) {
        static final Item END = new Item(null);
    }

    /** The attempts of one shard query. */
    private final class Attempts {
        final List<Replica> order;
        final Set<Replica> behind;
        final Consumer<Replica> answeredBy;
        final long deadline;
        final LogQuery query;
        final boolean prune;
        final ShardClient.AnswerListener chunks;
        final AtomicReference<Throwable> lastError = new AtomicReference<>();
        /** The replica whose answer is used, once one sent its first row. */
        final AtomicReference<Replica> answering = new AtomicReference<>();

        Attempts(List<Replica> order, Set<Replica> behind, Consumer<Replica> answeredBy, long deadline,
                 LogQuery query, boolean prune, ShardClient.AnswerListener chunks) {
            this.order = order;
            this.behind = behind;
            this.answeredBy = answeredBy;
            this.deadline = deadline;
            this.query = query;
            this.prune = prune;
            this.chunks = chunks;
        }

        /** Replica {@code i}, failing over (or hedging) to the ones after it. */
        Flux<Item> from(int i, boolean hedged) {
            AtomicBoolean answered = new AtomicBoolean();
            Flux<Item> mine = one(order.get(i), i, hedged, answered);
            if (i + 1 == order.size()) {
                return mine;
            }
            AtomicBoolean nextAsked = new AtomicBoolean();
            Flux<Item> failover = mine.onErrorResume(e -> !answered.get() && System.nanoTime() < deadline, e -> {
                if (!nextAsked.compareAndSet(false, true)) {
                    return Flux.error(e); // a hedge asks the next one already
                }
                log.info("{} failed before its first row ({}); asking {}", order.get(i).name(),
                        ShardFailure.reason(e), order.get(i + 1).name());
                return from(i + 1, false);
            });
            long remaining = deadline - System.nanoTime();
            if (!hedge.enabled() || hedge.after().toNanos() >= remaining || behind.contains(order.get(i + 1))) {
                return failover;
            }
            Flux<Item> hedgeRequest = Mono.delay(hedge.after()).flatMapMany(tick -> {
                if (nextAsked.get() || !hedges.trySpend() || !nextAsked.compareAndSet(false, true)) {
                    return Flux.empty();
                }
                hedgesSent.increment();
                log.debug("{} sent no row in {}; asking {} too", order.get(i).name(), hedge.after(),
                        order.get(i + 1).name());
                return from(i + 1, true);
            });
            // The first with a row (or a complete answer) wins; an attempt that fails leaves the race to the other.
            return Flux.firstWithValue(failover, hedgeRequest);
        }

        /** Replica {@code i} alone: its rows then {@link Item#END}. */
        Flux<Item> one(Replica replica, int i, boolean hedged, AtomicBoolean answered) {
            return Flux.defer(() -> {
                long remaining = deadline - System.nanoTime();
                // A probe of a half-open replica that hangs may use half of what is left, not all of it.
                boolean probe = breakers.of(replica).getState() == CircuitBreaker.State.HALF_OPEN
                        && i + 1 < order.size();
                Duration firstRow = Duration.ofNanos(Math.max(1, probe ? remaining / 2 : remaining));
                StallWatch watch = new StallWatch(firstRow, shardTimeout);
                PlannedChunks planned = new PlannedChunks(watch);
                ReplicaLoad.Call call = load.start(replica);
                return watch.watch(client.query(replica, query, prune, planned))
                        .transformDeferred(CircuitBreakerOperator.of(breakers.of(replica)))
                        .map(Item::new)
                        .concatWithValues(Item.END)
                        .doOnNext(item -> {
                            if (answered.compareAndSet(false, true)) {
                                call.sample();
                                answering.set(replica);
                                answeredBy.accept(replica);
                                planned.forwardTo(chunks); // only the answering replica's plan counts
                                if (hedged) {
                                    hedgesWon.increment();
                                }
                            }
                        })
                        .doOnError(e -> {
                            lastError.set(e);
                            if (e instanceof TimeoutException) {
                                call.sample(); // slow: at least this slow (its breaker does not count timeouts)
                            }
                        })
                        .doOnCancel(() -> {
                            if (!answered.get()) {
                                call.sample(); // another replica was quicker
                            }
                        })
                        .doFinally(signal -> call.end());
            });
        }
    }

    /** A replica's chunk plan, kept until it is known to be the one answering; its signs of life, to its watch. */
    private static final class PlannedChunks implements ShardClient.AnswerListener {
        private final StallWatch watch;
        private volatile int scanned = Integer.MIN_VALUE;
        private volatile int skipped;

        PlannedChunks(StallWatch watch) {
            this.watch = watch;
        }

        @Override
        public void alive() {
            watch.alive();
        }

        @Override
        public void planned(int scanned, int skipped) {
            this.skipped = skipped;
            this.scanned = scanned;
        }

        void forwardTo(ShardClient.AnswerListener chunks) {
            if (scanned != Integer.MIN_VALUE) {
                chunks.planned(scanned, skipped);
            }
        }
    }
}
