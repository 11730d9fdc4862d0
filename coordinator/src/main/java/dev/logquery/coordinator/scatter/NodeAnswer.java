package dev.logquery.coordinator.scatter;

import dev.logquery.common.model.StoredLogEntry;
import java.util.List;

/**
 * A node's answer to {@code POST /internal/query} as it arrives, as data rather than calls to a listener: first its
 * {@link ChunkPlan} (from the response headers), then {@link Rows}, one per read of the body. Whoever reads it
 * decides what the plan counts for and what a read means for the stream's liveness; the client only reports.
 */
public sealed interface NodeAnswer permits ChunkPlan, NodeAnswer.Rows {

    /**
     * The rows one read of the body completed, newest first. None when the read held only the blank keep-alive lines
     * a node sends while it scans without finding any: a sign of life (the node is working), not a row.
     */
    record Rows(List<StoredLogEntry> rows) implements NodeAnswer {
    }
}
