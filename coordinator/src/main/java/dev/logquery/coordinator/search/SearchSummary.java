package dev.logquery.coordinator.search;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.util.List;

/** Everything of an answer but its rows: the fields of the JSON response besides {@code logs}. */
public record SearchSummary(int partitionsTotal, int partitionsQueried, int partitionsPruned, boolean partial,
                            List<ShardFailure> failedPartitions, long tookMs, String nextCursor) {

    /** The same summary with another cursor (a page cut short by its size continues after its last row). */
    public SearchSummary withNextCursor(String cursor) {
        return new SearchSummary(partitionsTotal, partitionsQueried, partitionsPruned, partial, failedPartitions,
                tookMs, cursor);
    }
}
