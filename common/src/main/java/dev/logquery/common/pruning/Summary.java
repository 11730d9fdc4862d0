package dev.logquery.common.pruning;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import java.time.Instant;

/**
 * What pruning knows of a shard or of one hour chunk. A null field is unknown and proves nothing.
 * {@code minTime}/{@code maxTime} bound every stored timestamp; {@code levels} holds every stored level;
 * {@code services} may answer "maybe" for an absent service but never "absent" for a present one, and
 * {@code attributes} likewise for attribute pairs.
 */
public record Summary(Instant minTime, Instant maxTime, LevelSet levels, StringBloom services,
                      StringBloom attributes) {

    /** A summary that knows nothing: it excludes nothing. */
    public static final Summary UNKNOWN = new Summary(null, null, null, null, null);

    /** A summary that knows nothing of attributes. */
    public Summary(Instant minTime, Instant maxTime, LevelSet levels, StringBloom services) {
        this(minTime, maxTime, levels, services, null);
    }

    public static Summary of(ChunkMetadata c) {
        return new Summary(c.minTime(), c.maxTime(), c.levels(), c.services(), c.attributes());
    }

    /** A shard's summary; a shard that reports no rows yet is unknown (its first rows may be in flight). */
    public static Summary of(PartitionMetadata m) {
        if (m.rowCount() == 0 || m.minTime() == null || m.maxTime() == null) {
            return UNKNOWN;
        }
        return new Summary(m.minTime(), m.maxTime(), m.levels(), m.services(), m.attributes());
    }
}
