package dev.logquery.common.scan;

import java.time.Duration;
import java.time.Instant;

/**
 * What a query plan asks of the text index: the blocks' length, and per block whether a row of it may contain a
 * text with the given trigrams ({@link Trigrams#ofText}). Only a proof says no: a block without a known filter
 * (rows written before the index, an hour indexed with another block length, a filter forgotten to stay within
 * the memory budget) may always match.
 */
public interface BlockFilters {

    /** No filters: every block may match. */
    BlockFilters NONE = new BlockFilters() {
        @Override
        public Duration block() {
            return Duration.ofHours(1);
        }

        @Override
        public boolean mayContainAll(Instant blockStart, int[] trigrams) {
            return true;
        }
    };

    /** The length of every block; it divides an hour, and blocks start at whole multiples of it (UTC). */
    Duration block();

    /**
     * False only when the filter of the block starting at {@code blockStart} lacks one of {@code trigrams}, which
     * proves that no row of the block contains a text having them.
     */
    boolean mayContainAll(Instant blockStart, int[] trigrams);
}
