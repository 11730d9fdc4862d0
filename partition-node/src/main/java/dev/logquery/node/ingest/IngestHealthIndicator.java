package dev.logquery.node.ingest;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health} component {@code ingest}: DOWN when the consumer thread died or three
 * batch writes in a row failed (PostgreSQL unreachable, say); UP otherwise, with what it is doing.
 */
public final class IngestHealthIndicator implements HealthIndicator {

    private static final int FAILURES_BEFORE_DOWN = 3;
    private final IngestLoop loop;

    public IngestHealthIndicator(IngestLoop loop) {
        this.loop = loop;
    }

    @Override
    public Health health() {
        IngestLoop.Status s = loop.status();
        Health.Builder b = s.threadAlive() && s.consecutiveFailures() < FAILURES_BEFORE_DOWN ? Health.up() : Health.down();
        b.withDetail("state", s.state().name())
                .withDetail("threadAlive", s.threadAlive())
                .withDetail("kafkaPartitions", s.kafkaPartitions())
                .withDetail("consecutiveFailures", s.consecutiveFailures());
        if (s.lastBatchAt() != null) {
            b.withDetail("lastBatchAt", s.lastBatchAt().toString());
        }
        if (s.lastError() != null) {
            b.withDetail("lastError", s.lastError()).withDetail("lastErrorAt", s.lastErrorAt().toString());
        }
        return b.build();
    }
}
