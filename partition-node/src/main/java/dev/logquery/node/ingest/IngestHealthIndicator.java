package dev.logquery.node.ingest;

import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health} component {@code ingest}: DOWN when the consumer thread died, three batch
 * writes in a row failed (PostgreSQL unreachable, say) or a stored offset lies beyond its partition's
 * log end; UP otherwise, with what it is doing. An unreachable Kafka keeps it UP with state
 * {@code KAFKA_UNREACHABLE} and {@code kafkaUnreachableSince}: the node still answers queries over what it
 * stored, which is what a coordinator needs of it; the detail says why no new lines arrive.
 *
 * <p>While writes fail, the detail {@code reason} says why in words: "disk full" when PostgreSQL answered
 * SQLSTATE 53100 (it could not extend a file), rather than a generic error; the node retries the same batch
 * (nothing is rejected or skipped) and turns UP again by itself once a write succeeds. The detail
 * {@code topicId} is the id of the Kafka topic being consumed.
 */
public final class IngestHealthIndicator implements HealthIndicator {

    private static final int FAILURES_BEFORE_DOWN = 3;
    private final Supplier<IngestLoop.Status> status;
    private final int shard;
    private final int replica;

    public IngestHealthIndicator(IngestLoop loop, int shard, int replica) {
        this(loop::status, shard, replica);
    }

    IngestHealthIndicator(Supplier<IngestLoop.Status> status, int shard, int replica) {
        this.status = status;
        this.shard = shard;
        this.replica = replica;
    }

    @Override
    public Health health() {
        IngestLoop.Status s = status.get();
        boolean up = s.threadAlive() && s.consecutiveFailures() < FAILURES_BEFORE_DOWN
                && s.state() != IngestLoop.State.OFFSET_PROBLEM;
        Health.Builder b = up ? Health.up() : Health.down();
        b.withDetail("shard", shard)
                .withDetail("replica", replica)
                .withDetail("state", s.state().name())
                .withDetail("threadAlive", s.threadAlive())
                .withDetail("kafkaPartitions", s.kafkaPartitions())
                .withDetail("consecutiveFailures", s.consecutiveFailures());
        if (s.topicId() != null) {
            b.withDetail("topicId", s.topicId());
        }
        if (s.failureReason() != null && s.consecutiveFailures() > 0) {
            b.withDetail("reason", s.failureReason());
        }
        if (s.lastBatchAt() != null) {
            b.withDetail("lastBatchAt", s.lastBatchAt().toString());
        }
        if (s.kafkaUnreachableSince() != null) {
            b.withDetail("kafkaUnreachableSince", s.kafkaUnreachableSince().toString());
        }
        if (s.lastError() != null) {
            b.withDetail("lastError", s.lastError());
        }
        if (s.lastErrorAt() != null) {
            b.withDetail("lastErrorAt", s.lastErrorAt().toString());
        }
        return b.build();
    }
}
