package dev.logquery.coordinator.scatter;

import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.TimeoutException;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * A Resilience4j circuit breaker per replica (named {@link Replica#name()}), and the order in which a
 * shard's replicas are tried. A breaker counts a query that could not connect, broke off or got a 5xx as
 * failed (not one that timed out: slowness is {@link ReplicaLoad}'s and the hedges' business); once enough of the last queries failed it opens and the replica gets no queries for
 * {@code openFor}; then it turns half-open by itself and the next queries of the shard go to it first, as
 * probes, until a few of them decide whether it closes again or opens for another while. Its state and calls are metrics
 * ({@code resilience4j_circuitbreaker_state{name}} and friends).
 */
@Component
public class ReplicaBreakers {

    private final CircuitBreakerRegistry registry;

    public ReplicaBreakers(CoordinatorProperties properties, MeterRegistry meters) {
        CoordinatorProperties.Breaker b = properties.breaker();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(b.window())
                .minimumNumberOfCalls(b.minimumCalls())
                .failureRateThreshold(b.failureRate())
                .waitDurationInOpenState(b.openFor())
                .permittedNumberOfCallsInHalfOpenState(b.probes())
                // Without this a replica stays open until a query asks it, and none does while another answers.
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                // A 4xx is the query's fault, not the replica's (the coordinator validated it, so it is rare).
                // A timeout is slowness, which the choice among replicas and hedging deal with: under overload
                // every replica is slow, and opening their breakers would turn slow answers into no answers.
                .recordException(e -> !(e instanceof WebClientResponseException r && r.getStatusCode().is4xxClientError())
                        && !(e instanceof TimeoutException))
                .build();
        this.registry = CircuitBreakerRegistry.of(config);
        for (Shard shard : properties.shards()) {
            shard.replicaList().forEach(this::of);
        }
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
    }

    /** The breaker of a replica. */
    public CircuitBreaker of(Replica replica) {
        return registry.circuitBreaker(replica.name());
    }

    /**
     * Where a replica stands in the order in which a shard's replicas are tried (lower first): half-open
     * breakers first (the probes; a failed probe fails over at once, see {@link ShardQuery}), then closed ones,
     * then open ones (they refuse at once). {@link ReplicaLoad} orders the replicas within each.
     */
    public int group(Replica replica) {
        return switch (of(replica).getState()) {
            case HALF_OPEN -> 0;
            case CLOSED, DISABLED, METRICS_ONLY -> 1;
            default -> 2;
        };
    }
}
