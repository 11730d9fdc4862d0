package dev.logquery.coordinator.config;

import dev.logquery.common.query.LogQuery;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the coordinator ({@code logquery.coordinator.*}).
 *
 * @param shards         the partition nodes to query, one per shard ({@code id} is the shard number)
 * @param shardTimeout   how long a shard may take for its first row, and between two rows, before it counts
 *                       as failed (the answer is then partial)
 * @param metadataMaxAge how old a shard's metadata may be when a query prunes with it; the catalog also
 *                       refreshes at this period
 * @param pruning        {@code false} switches pruning off: every shard is queried and every node reads the
 *                       query's whole window, ignoring its chunk metadata (slower; the same answers — the
 *                       reference when pruning is in doubt)
 * @param maxLimit       the largest {@code limit} a request may ask (default 10,000; up to 1,000,000 for
 *                       exports: answers stream, so the coordinator's memory does not grow with it)
 */
@ConfigurationProperties("logquery.coordinator")
public record CoordinatorProperties(
        List<Shard> shards,
        @DefaultValue("2s") Duration shardTimeout,
        @DefaultValue("1s") Duration metadataMaxAge,
        @DefaultValue("true") boolean pruning,
        @DefaultValue("10000") int maxLimit) {

    public CoordinatorProperties {
        shards = shards == null ? List.of() : List.copyOf(shards);
        if (shardTimeout.isNegative() || shardTimeout.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator.shard-timeout must be positive");
        }
        if (metadataMaxAge.isNegative() || metadataMaxAge.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator.metadata-max-age must be positive");
        }
        if (maxLimit < 1 || maxLimit > LogQuery.HARD_MAX_LIMIT) {
            throw new IllegalArgumentException("logquery.coordinator.max-limit must be 1.." + LogQuery.HARD_MAX_LIMIT);
        }
        if (shards.stream().map(Shard::id).distinct().count() != shards.size()) {
            throw new IllegalArgumentException("logquery.coordinator.shards: shard ids must be distinct");
        }
    }

    /** One shard: its number and the base URL of its partition node ({@code http://localhost:8081}). */
    public record Shard(int id, String url) {
        public Shard {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("logquery.coordinator.shards: shard " + id + " has no url");
            }
            url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }
    }
}
