package dev.logquery.node.publish;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health} component {@code metadataPublish}: always UP (Redis is an optimisation: a
 * coordinator falls back to {@code GET /internal/metadata}), with where the node publishes and how the
 * last publishes went, so that a failing Redis shows without making the node look unavailable.
 */
public final class PublishHealthIndicator implements HealthIndicator {

    private final RedisMetadataPublisher publisher;

    public PublishHealthIndicator(RedisMetadataPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public Health health() {
        RedisMetadataPublisher.Status s = publisher.status();
        Health.Builder b = Health.up().withDetail("enabled", s.enabled()).withDetail("key", s.key());
        if (s.redis() != null) {
            b.withDetail("redis", s.redis());
        }
        if (s.lastSuccessAt() != null) {
            b.withDetail("lastSuccessAt", s.lastSuccessAt().toString());
        }
        if (s.failingSince() != null) {
            b.withDetail("failingSince", s.failingSince().toString()).withDetail("lastError", s.lastError());
        }
        return b.build();
    }
}
