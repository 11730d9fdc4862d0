package dev.logquery.coordinator.scatter;

/**
 * What a node's plan did with its hour chunks for one query, from its response headers: how many it planned to
 * read and how many it skipped (outside the window, excluded by their metadata); {@code -1} where it did not say.
 * Read before the rows, and counted only for the replica whose answer is used.
 */
public record ChunkPlan(int scanned, int skipped) implements NodeAnswer {

    /** A node that said nothing of its chunks (or no replica answered). */
    public static final ChunkPlan UNKNOWN = new ChunkPlan(-1, -1);
}
