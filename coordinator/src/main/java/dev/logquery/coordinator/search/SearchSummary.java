package dev.logquery.coordinator.search;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.util.List;

/** Everything of an answer but its rows: the fields of the JSON response besides {@code logs}. */
public record SearchSummary(int partitionsTotal, int partitionsQueried, int partitionsPruned, boolean partial,
                            List<ShardFailure> failedPartitions, long tookMs, String nextCursor) {
}
