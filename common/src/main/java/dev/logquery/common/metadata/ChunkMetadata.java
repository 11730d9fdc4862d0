package dev.logquery.common.metadata;

import java.time.Instant;
import java.util.Objects;

/**
 * What a partition node knows of one hour of its rows: the hour (UTC, start), the smallest and largest
 * timestamp stored in it, the row count, the levels present, a bloom filter of the services present and one
 * of the attribute pairs present ({@link dev.logquery.common.model.Attributes#pair}). Either filter may be null
 * when unknown (then it must not be used to prune; chunks written before attributes existed have none).
 */
public record ChunkMetadata(Instant hour, Instant minTime, Instant maxTime, long rowCount,
                            LevelSet levels, StringBloom services, StringBloom attributes) {

    /** A chunk whose attribute pairs are unknown. */
    public ChunkMetadata(Instant hour, Instant minTime, Instant maxTime, long rowCount, LevelSet levels,
                         StringBloom services) {
        this(hour, minTime, maxTime, rowCount, levels, services, null);
    }

    public ChunkMetadata {
        Objects.requireNonNull(hour, "hour");
        Objects.requireNonNull(minTime, "minTime");
        Objects.requireNonNull(maxTime, "maxTime");
        Objects.requireNonNull(levels, "levels");
    }

    /** The union of two descriptions of the same hour; the bloom filter becomes unknown if incompatible. */
    public ChunkMetadata merge(ChunkMetadata other) {
        return combine(other, rowCount + other.rowCount);
    }

    /**
     * What two replicas say of the same hour, as one description that covers the rows of both: the widest
     * time range, the larger row count (replicas hold the same rows, one maybe fewer so far), the union of
     * levels, of services and of attribute pairs (unknown if incompatible).
     */
    public ChunkMetadata cover(ChunkMetadata other) {
        return combine(other, Math.max(rowCount, other.rowCount));
    }

    private ChunkMetadata combine(ChunkMetadata other, long rows) {
        if (!hour.equals(other.hour)) {
            throw new IllegalArgumentException("chunks of different hours: " + hour + " and " + other.hour);
        }
        return new ChunkMetadata(hour,
                minTime.isBefore(other.minTime) ? minTime : other.minTime,
                maxTime.isAfter(other.maxTime) ? maxTime : other.maxTime,
                rows,
                levels.union(other.levels),
                unionOrUnknown(services, other.services),
                unionOrUnknown(attributes, other.attributes));
    }

    static StringBloom unionOrUnknown(StringBloom a, StringBloom b) {
        if (a == null || b == null || !a.isCompatible(b)) {
            return null;
        }
        return a.union(b);
    }
}
