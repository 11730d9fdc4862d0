package dev.logquery.coordinator.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits and access of the public API ({@code logquery.coordinator.*}, beside {@link CoordinatorProperties}).
 *
 * @param maxQueryWindow the longest window ({@code endTime - startTime}) a query may ask; longer: 400 naming
 *                       {@code endTime}
 * @param auth           bearer tokens that the public API requires (none: the API is open)
 * @param maxAnswerBytes the most a JSON answer's rows may take (estimated): a page that would be larger ends
 *                       early, with a {@code nextCursor} at its last row, so long lines cannot exhaust the heap
 *                       (NDJSON answers stream and are not bounded by it); the same bound holds a tail's replay
 * @param maxQueriesPerClient queries one client (its token, else its address) may have in flight; one more: 429
 * @param maxViewersPerClient live-tail streams one client may have open; one more: 429
 * @param writeTimeout   how long one write to a client may wait for its socket; a client that reads nothing that
 *                       long loses its connection (and the answer's permit and shares)
 */
@ConfigurationProperties("logquery.coordinator")
public record ApiProperties(@DefaultValue("30d") Duration maxQueryWindow, @DefaultValue Auth auth,
                            @DefaultValue("8MB") DataSize maxAnswerBytes,
                            @DefaultValue("64") int maxQueriesPerClient,
                            @DefaultValue("1000") int maxViewersPerClient,
                            @DefaultValue("60s") Duration writeTimeout) {

    public ApiProperties {
        CoordinatorProperties.positive(maxQueryWindow, "max-query-window");
        if (maxAnswerBytes == null || maxAnswerBytes.toBytes() < 1024) {
            throw new IllegalArgumentException("logquery.coordinator.max-answer-bytes must be at least 1KB");
        }
        CoordinatorProperties.positive(writeTimeout, "write-timeout");
        if (maxQueriesPerClient < 1 || maxViewersPerClient < 1) {
            throw new IllegalArgumentException(
                    "logquery.coordinator.max-queries-per-client and max-viewers-per-client must be at least 1");
        }
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
