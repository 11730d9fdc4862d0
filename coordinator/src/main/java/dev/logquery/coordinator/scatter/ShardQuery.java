package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.merge.NextCursor;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * is replaced by the others, resuming right after the last row it sent; only when none is left do the
 * shard's rows end, and its {@link ShardOutcome} says why. Which replica answered, whether it lacks rows, its
 * chunk plan and the failure are all that outcome's ({@link ShardAnswer}): nothing is told to the caller while
 * the rows stream.
 */
@Component
public class ShardQuery {

    private static final Logger log = LoggerFactory.getLogger(ShardQuery.class);
    /** Added to the breaker group of a replica that is behind: after every replica that is not. */
    private static final int BEHIND = 10;
    /** A replica's failing direct reads are logged at most this often. */
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ShardClient client;
    private final ShardDatabases databases;
    private final ReplicaBreakers breakers;
    private final ReplicaLoad load;
    private final Duration shardTimeout;
    private final Duration queryTimeout;
    private final CoordinatorProperties.Hedge hedge;
    private final HedgeBudget hedges;
    private final Counter hedgesSent;
    private final Counter hedgesWon;
    private final Counter resumed;
    private final Counter directFallbacks;
    private final MeterRegistry meters;
    /** Per shard and path ({@code database}, {@code node}): reads started, and how long each ran. */
    private final Map<String, ReadMeters> reads = new ConcurrentHashMap<>();
    /** When a failed direct read of each replica was last logged. */
    private final Map<Replica, Long> fallbackWarned = new ConcurrentHashMap<>();

    public ShardQuery(ShardClient client, ShardDatabases databases, ReplicaBreakers breakers, ReplicaLoad load,
                      CoordinatorProperties properties, MeterRegistry meters) {
        this.client = client;
        this.databases = databases;
        this.breakers = breakers;
        this.load = load;
        this.shardTimeout = properties.shardTimeout();
        this.queryTimeout = properties.queryTimeout();
        this.hedge = properties.hedge();
        this.hedges = new HedgeBudget(hedge.budgetPercent());
        this.hedgesSent = Counter.builder("query.shard.hedges").tag("result", "sent")
                .description("Hedged shard requests: sent, and those that answered first").register(meters);
        this.hedgesWon = Counter.builder("query.shard.hedges").tag("result", "won")
                .description("Hedged shard requests: sent, and those that answered first").register(meters);
        this.resumed = Counter.builder("query.shard.resumed")
                .description("Shard answers resumed on another replica after the answering one failed mid-stream")
                .register(meters);
        this.directFallbacks = Counter.builder("query.shard.direct.fallbacks")
                .description("Direct reads of a replica's PostgreSQL that failed before their first rows and were"
                        + " asked of the replica's node instead")
                .register(meters);
        this.meters = meters;
        for (var shard : properties.shards()) { // exported from the start, so that dashboards show zeros
            readMeters(shard.id(), "database");
            readMeters(shard.id(), "node");
        }
    }

    /** The meters of one shard's reads by one path. */
    private record ReadMeters(Counter started, Timer duration) {
    }

    private ReadMeters readMeters(int shard, String path) {
        return reads.computeIfAbsent(shard + "/" + path, key -> new ReadMeters(
                Counter.builder("query.shard.reads").tag("shard", Integer.toString(shard)).tag("path", path)
                        .description("Replica reads, by shard and path: from the replica's PostgreSQL directly,"
                                + " or through its node")
                        .register(meters),
                Timer.builder("query.shard.read.duration").tag("shard", Integer.toString(shard)).tag("path", path)
                        .description("How long a replica read ran, until its last row or until the merge needed"
                                + " no more")
                        .publishPercentileHistogram()
                        .register(meters)));
    }

    /** {@code answer} counted and timed as a read of {@code replica} by {@code path}. */
    private Flux<NodeAnswer> measured(Flux<NodeAnswer> answer, Replica replica, String path) {
        return Flux.defer(() -> {
            ReadMeters m = readMeters(replica.shard(), path);
            m.started().increment();
            long start = System.nanoTime();
            return answer.doFinally(signal -> m.duration().record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        });
    }

    /**
     * The replica's answer: read from its PostgreSQL when it can be ({@link ShardDatabases#reads}), else from its
     * node. A direct read that fails before its first rows (a database the coordinator cannot reach or log in to,
     * a statement error) is asked of the node instead, within the same attempt; one that fails later fails the
     * attempt, as a node's would.
     */
    private Flux<NodeAnswer> answers(Replica replica, LogQuery query, boolean prune, double share) {
        Flux<NodeAnswer> node = measured(client.query(replica, query, prune), replica, "node");
        return databases.reads(replica, query, prune, ShardDatabases.firstRows(query.limit(), share)).map(direct -> {
            AtomicBoolean rowsCame = new AtomicBoolean();
            return measured(direct, replica, "database").doOnNext(part -> {
                        if (part instanceof NodeAnswer.Rows r && !r.rows().isEmpty()) {
                            rowsCame.set(true);
                        }
                    })
                    .onErrorResume(e -> !rowsCame.get(), e -> {
                        directFallbacks.increment();
                        long now = System.nanoTime();
                        Long last = fallbackWarned.get(replica);
                        if (last == null || now - last > WARN_EVERY_NANOS) { // a wrong password: not every query
                            fallbackWarned.put(replica, now);
                            log.warn("{}: reading its PostgreSQL failed ({}); asking its node (said at most once a"
                                    + " minute; query_shard_direct_fallbacks_total counts them all)", replica.name(),
                                    e.toString());
                        }
                        return node;
                    });
        }).orElse(node);
    }

    /**
     * The shard's answer: its rows, newest first, and its outcome. The rows end early, and the outcome says why,
     * when no replica could answer (the last one's failure) or when {@code deadline} passes first.
     *
     * @param behind   replicas known to lack rows of the query's window: asked only after every other (never as a
     *                 hedge), and an answer from one is partial ({@code replica_behind})
     * @param deadline when the whole query ends ({@link System#nanoTime()} based): the shard is cut off then
     */
    public ShardAnswer query(Shard shard, LogQuery query, boolean prune, Set<Replica> behind, long deadline) {
        return query(shard, query, prune, behind, deadline, 1.0);
    }

    /**
     * {@link #query(Shard, LogQuery, boolean, Set, long)} when other shards answer the query too: {@code share} is
     * the part of the answer this shard likely holds (0..1), and a shard read from its database first asks for that
     * part of the limit, with room to spare ({@link ShardDatabases#firstRows}).
     */
    public ShardAnswer query(Shard shard, LogQuery query, boolean prune, Set<Replica> behind, long deadline,
                             double share) {
        Mono<Long> cutOff = Mono.defer(() -> Mono.delay(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        return new ShardAnswer(shard.id(), answer -> Flux.defer(() -> {
                    List<Replica> order = load.order(shard.replicaList(),
                            r -> (behind.contains(r) ? BEHIND : 0) + breakers.group(r));
                    return run(order, query, prune, behind, answer, share);
                })
                .takeUntilOther(cutOff.doOnNext(t -> {
                    log.warn("shard {} cut off by the query deadline ({})", shard.id(), queryTimeout);
                    answer.failed(new ShardFailure(shard.id(), "deadline"));
                }))
                .onErrorResume(e -> {
                    ShardFailure failure = ShardFailure.of(shard.id(), e);
                    log.warn("shard {} failed during a query ({}): {}", shard.id(), failure.reason(), e.toString());
                    answer.failed(failure);
                    return Flux.empty();
                }));
    }

    /**
     * The rows from the first of {@code order} that answers. When the answering replica fails after it sent
     * rows, the query resumes on the others right after the last row sent (a cursor position: every replica
     * holds the same rows in the same order, so nothing repeats and nothing is skipped), asking for what is
     * left of the limit.
     */
    private Flux<StoredLogEntry> run(List<Replica> order, LogQuery query, boolean prune, Set<Replica> behind,
                                     ShardAnswer answer, double share) {
        hedges.earn();
        Attempts attempts = new Attempts(order, behind, answer, query, prune, share);
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
                            (int) (query.limit() - sent.get()), NextCursor.position(last.get()), query.attributes());
                    return run(rest, after, prune, behind, answer, share);
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
        final ShardAnswer answer;
        final LogQuery query;
        final boolean prune;
        /** The part of the answer this shard likely holds. */
        final double share;
        /** Until when a first row may come, whichever replica sends it: one budget for all attempts. */
        final long deadline;
        final AtomicReference<Throwable> lastError = new AtomicReference<>();
        /** The replica whose answer is used, once one sent its first row. */
        final AtomicReference<Replica> answering = new AtomicReference<>();

        Attempts(List<Replica> order, Set<Replica> behind, ShardAnswer answer, LogQuery query, boolean prune,
                 double share) {
            this.order = order;
            this.behind = behind;
            this.answer = answer;
            this.deadline = System.nanoTime() + shardTimeout.toNanos();
            this.query = query;
            this.prune = prune;
            this.share = share;
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
                AtomicReference<ChunkPlan> plan = new AtomicReference<>(ChunkPlan.UNKNOWN);
                ReplicaLoad.Call call = load.start(replica);
                Flux<StoredLogEntry> rows = answers(replica, query, prune, share)
                        .concatMapIterable(part -> {
                            if (part instanceof NodeAnswer.Rows read) {
                                watch.alive(); // bytes came: rows, or keep-alive lines while the node scans
                                return read.rows();
                            }
                            plan.set((ChunkPlan) part); // kept until this replica is known to be the one answering
                            return List.of();
                        }, 1); // one read at a time: memory stays bounded
                return watch.watch(rows)
                        .transformDeferred(CircuitBreakerOperator.of(breakers.of(replica)))
                        .map(Item::new)
                        .concatWithValues(Item.END)
                        .doOnNext(item -> {
                            if (answered.compareAndSet(false, true)) {
                                call.sample();
                                answering.set(replica);
                                boolean lacksRows = behind.contains(replica);
                                if (lacksRows) {
                                    log.warn("shard {} answered by {}, which lacks rows of the window",
                                            replica.shard(), replica.name());
                                }
                                answer.answered(replica, lacksRows, plan.get());
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
}
