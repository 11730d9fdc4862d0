package dev.logquery.coordinator.catalog;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.PartitionMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Whether metadata read from Redis may be trusted for pruning: it must describe the shard its key names, be of
 * a sane age, and each hour chunk must be consistent (its times inside its hour, minimum not after maximum, a
 * row count that is not negative). Anything else (a value written by another deployment sharing the Redis, a
 * bug, a tampered value) is ignored and the node is asked instead: wrong metadata could prune rows away.
 */
final class MetadataCheck {

    /** How far ahead of the coordinator's clock a node's clock may be. */
    static final Duration MAX_CLOCK_AHEAD = Duration.ofMinutes(5);
    /** Older metadata is not from a live node (nodes republish every few seconds; keys expire after 30 s). */
    static final Duration MAX_AGE = Duration.ofHours(1);

    private MetadataCheck() {
    }

    /** Why {@code m}, read under the key of shard {@code shard}, cannot be used; empty when it can. */
    static Optional<String> problem(PartitionMetadata m, int shard, Instant now) {
        if (m.shard() != shard) {
            return Optional.of("shard_mismatch");
        }
        if (m.generatedAt() == null || m.generatedAt().isAfter(now.plus(MAX_CLOCK_AHEAD))
                || m.generatedAt().isBefore(now.minus(MAX_AGE))) {
            return Optional.of("generated_at");
        }
        if (m.rowCount() < 0) {
            return Optional.of("row_count");
        }
        for (ChunkMetadata c : m.chunks()) {
            Instant end = c.hour().plus(Duration.ofHours(1));
            if (c.rowCount() < 0 || c.minTime().isAfter(c.maxTime()) || c.minTime().isBefore(c.hour())
                    || !c.maxTime().isBefore(end)) {
                return Optional.of("chunk");
            }
        }
        return Optional.empty();
    }
}
