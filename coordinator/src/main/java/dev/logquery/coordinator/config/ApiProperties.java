package dev.logquery.coordinator.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits and access of the public API ({@code logquery.coordinator.*}, beside {@link CoordinatorProperties}).
 *
 * @param maxQueryWindow the longest window ({@code endTime - startTime}) a query may ask; longer: 400 naming
 *                       {@code endTime}
 * @param auth           bearer tokens that the public API requires (none: the API is open)
 */
@ConfigurationProperties("logquery.coordinator")
public record ApiProperties(@DefaultValue("30d") Duration maxQueryWindow, @DefaultValue Auth auth) {

    public ApiProperties {
        CoordinatorProperties.positive(maxQueryWindow, "max-query-window");
    }

    /**
     * @param tokens     accepted tokens ({@code Authorization: Bearer <token>}, or Basic with the token as the
     *                   password); blank entries are ignored
     * @param tokensFile a file with one token per line ({@code #} starts a comment), read at start; empty: none
     */
    public record Auth(@DefaultValue List<String> tokens, @DefaultValue("") String tokensFile) {
        public Auth {
            tokens = tokens == null ? List.of()
                    : tokens.stream().filter(t -> t != null && !t.isBlank()).map(String::trim).toList();
            tokensFile = tokensFile == null ? "" : tokensFile.trim();
        }
    }
}
