package dev.logquery.coordinator.scatter;

import dev.logquery.coordinator.topology.Replica;
import java.util.ArrayList;
import java.util.List;

/**
 * What became of one shard's part of a query, as data beside its rows (as a Quickwit leaf's search response carries
 * its own failures and statistics with its hits): the search's summary, warnings and metrics are computed from these,
 * not told piece by piece while the rows stream.
 *
 * @param shard      the shard's id
 * @param answeredBy the replicas whose rows were used, in order: a second one when the answer resumed on it after
 *                   the first failed mid-stream; empty when none answered
 * @param behind     those of {@code answeredBy} known to lack rows of the query's window (asked only because no
 *                   caught-up replica answered): their answers are partial
 * @param chunks     the chunk plan of the first replica that answered ({@link ChunkPlan#UNKNOWN} when none did or it
 *                   did not say); a resumed part reads chunks already counted, so it is not counted again
 * @param failure    why the shard's rows ended early (every replica failed, or the query's deadline cut them off),
 *                   null when they did not
 */
public record ShardOutcome(int shard, List<Replica> answeredBy, List<Replica> behind, ChunkPlan chunks,
                           ShardFailure failure) {

    public ShardOutcome {
        answeredBy = List.copyOf(answeredBy);
        behind = List.copyOf(behind);
    }

    /** A shard no replica has answered yet, and that has not failed either. */
    static ShardOutcome pending(int shard) {
        return new ShardOutcome(shard, List.of(), List.of(), ChunkPlan.UNKNOWN, null);
    }

    /** The same, answered (also) by {@code replica} with {@code plan}, which counts if it is the first to answer. */
    ShardOutcome answered(Replica replica, boolean lacksRows, ChunkPlan plan) {
        List<Replica> by = new ArrayList<>(answeredBy);
        by.add(replica);
        List<Replica> late = new ArrayList<>(behind);
        if (lacksRows) {
            late.add(replica);
        }
        return new ShardOutcome(shard, by, late, answeredBy.isEmpty() ? plan : chunks, failure);
    }

    /** The same, ended by {@code why} (a first failure stays: no row came after it). */
    ShardOutcome failed(ShardFailure why) {
        return failure != null ? this : new ShardOutcome(shard, answeredBy, behind, chunks, why);
    }

    /**
     * The shard's entries of {@code failedPartitions}, in the order they happened: a {@code replica_behind} for each
     * answer taken from a replica that lacks rows, then the failure that ended the rows, if one did.
     */
    public List<ShardFailure> failures() {
        List<ShardFailure> all = new ArrayList<>(behind.size() + 1);
        behind.forEach(r -> all.add(new ShardFailure(shard, "replica_behind")));
        if (failure != null) {
            all.add(failure);
        }
        return all;
    }

    /** Whether the shard's rows in the answer may lack some of its matching rows. */
    public boolean partial() {
        return failure != null || !behind.isEmpty();
    }
}
