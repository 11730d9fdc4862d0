package dev.logquery.node.storage;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code /actuator/health} component {@code database}: DOWN while the {@link DatabaseMonitor}'s last probe
 * failed, so the whole node answers 503 (it can neither store nor answer queries). Reads the monitor's
 * state only: a health request never waits for a connection. Replaces Spring Boot's {@code db} indicator,
 * which borrows a connection per request and would hang a health check for the pool's connection timeout.
 */
public final class DatabaseHealthIndicator implements HealthIndicator {

    private final DatabaseMonitor monitor;

    public DatabaseHealthIndicator(DatabaseMonitor monitor) {
        this.monitor = monitor;
    }

    @Override
    public Health health() {
        DatabaseMonitor.Status s = monitor.status();
        Health.Builder b = s.available() ? Health.up() : Health.down();
        b.withDetail(s.available() ? "availableSince" : "unavailableSince", s.since().toString());
        if (s.error() != null) {
            b.withDetail("error", s.error());
        }
        return b.build();
    }
}
