package dev.logquery.node.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The shared secret of the internal API ({@code logquery.internal.token}; environment variable
 * {@code LOGQUERY_INTERNAL_TOKEN}): every request under {@code /internal/} must carry it in the header
 * {@value dev.logquery.common.query.InternalHeaders#TOKEN}. Empty or unset: the internal API is open (tests);
 * the node then warns once at start-up.
 */
@ConfigurationProperties("logquery.internal")
public record InternalProperties(String token) {

    public InternalProperties {
        token = token == null ? "" : token.strip();
    }

    public boolean open() {
        return token.isEmpty();
    }
}
