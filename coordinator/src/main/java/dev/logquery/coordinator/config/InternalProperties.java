package dev.logquery.coordinator.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code logquery.internal.*}: the shared secret the coordinator sends to the partition nodes on every
 * {@code /internal/*} call (header {@code Logquery-Internal-Token}); nodes configured with the same token refuse
 * calls without it. Empty: no header is sent.
 */
@ConfigurationProperties("logquery.internal")
public record InternalProperties(@DefaultValue("") String token) {

    public InternalProperties {
        token = token == null ? "" : token.trim();
    }
}
