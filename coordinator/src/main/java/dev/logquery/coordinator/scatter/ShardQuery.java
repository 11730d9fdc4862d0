package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.config.CoordinatorProperties.Replica;
import dev.logquery.coordinator.config.CoordinatorProperties.Shard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.reactor.circuitbreaker.operator.CircuitBreakerOperator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One shard's rows from one of its replicas: the first in {@link ReplicaBreakers#order} is asked; when it
 * fails before it sent a row (cannot connect, its breaker is open, an error status, no first row in time)
 * the next is asked, within the same query. All attempts share one budget for the first row, the
 * {@code shardTimeout}, so a shard whose every replica fails is given up within it (a half-open replica
 * tried first as a probe gets half of it, so that a hanging one leaves time for the next). Once rows flow, the
 * answer stays with that replica: a failure then (or {@code shardTimeout} without a row) ends the shard's
 * stream with that error, as a replica switch could not continue the sorted stream without repeating rows.
 */
@Component
public class ShardQuery {

    private static final Logger log = LoggerFactory.getLogger(ShardQuery.class);

    private final ShardClient client;
    private final ReplicaBreakers breakers;
    private final Duration shardTimeout;

    public ShardQuery(ShardClient client, ReplicaBreakers breakers, CoordinatorProperties properties) {
        this.client = client;
        this.breakers = breakers;
        this.shardTimeout = properties.shardTimeout();
    }

    /** The shard's rows, newest first; errors with the last replica's failure when none could answer. */
    public Flux<StoredLogEntry> query(Shard shard, LogQuery query, boolean prune, ShardClient.ChunkListener chunks) {
        return Flux.defer(() -> {
            long deadline = System.nanoTime() + shardTimeout.toNanos();
            return attempt(breakers.order(shard), 0, deadline, query, prune, chunks);
        });
    }

    private Flux<StoredLogEntry> attempt(List<Replica> order, int i, long deadline, LogQuery query, boolean prune,
                                         ShardClient.ChunkListener chunks) {
        Replica replica = order.get(i);
        AtomicBoolean rowSeen = new AtomicBoolean();
        long remaining = deadline - System.nanoTime();
        // A probe of a half-open replica that hangs may use half of what is left, not all of it.
        boolean probe = breakers.of(replica).getState() == CircuitBreaker.State.HALF_OPEN && i + 1 < order.size();
        Duration firstRow = Duration.ofNanos(Math.max(1, probe ? remaining / 2 : remaining));
        return client.query(replica, query, prune, chunks)
                .timeout(Mono.delay(firstRow), row -> Mono.delay(shardTimeout))
                .transformDeferred(CircuitBreakerOperator.of(breakers.of(replica)))
                .doOnNext(row -> rowSeen.lazySet(true))
                .onErrorResume(e -> !rowSeen.get() && i + 1 < order.size() && System.nanoTime() < deadline, e -> {
                    log.info("{} failed before its first row ({}); asking {}", replica.name(),
                            ShardFailure.reason(e), order.get(i + 1).name());
                    return attempt(order, i + 1, deadline, query, prune, chunks);
                });
    }
}
