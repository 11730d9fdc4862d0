package dev.logquery.coordinator.tail;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Joins a replay of stored lines to the live stream without a gap or a duplicate. Pure.
 *
 * <p>At registration the viewer got the next Kafka offset {@code next(p)} of each partition: every line at or
 * beyond it comes live. So the replay is every matching line below it: the stored ones (the partition nodes
 * may be ahead of the tail reader, so stored lines at or beyond {@code next(p)} are left to the live stream)
 * and the recent lines the reader kept (the nodes may be behind, so the newest lines may not be stored yet),
 * each line once by its {@code (kafka partition, offset)}, in time order ({@link LogOrder#NEWEST_FIRST}
 * reversed), the newest {@code limit} of them.
 */
public final class ReplayMerge {

    private ReplayMerge() {
    }

    /**
     * @param stored      stored lines matching the filter in the window (any order)
     * @param recent      the reader's recent lines at registration (any filter, any time)
     * @param nextOffsets per partition, the first offset the live stream delivers; a partition not in it has
     *                    not been read yet, and all its stored lines belong to the replay
     * @param from        the start of the replay window (recent lines before it are left out)
     * @return the replay, oldest first
     */
    public static List<StoredLogEntry> merge(List<StoredLogEntry> stored, List<LiveLine> recent,
                                             Map<Integer, Long> nextOffsets, TailFilter filter, Instant from,
                                             int limit) {
        Set<Key> seen = new HashSet<>();
        List<StoredLogEntry> out = new ArrayList<>(stored.size() + 16);
        for (StoredLogEntry row : stored) {
            if (row.offset() < nextOffsets.getOrDefault(row.kafkaPartition(), Long.MAX_VALUE)
                    && seen.add(key(row))) {
                out.add(row);
            }
        }
        for (LiveLine line : recent) {
            StoredLogEntry row = line.row();
            if (!row.entry().timestamp().isBefore(from) && line.matches(filter) && seen.add(key(row))) {
                out.add(row);
            }
        }
        out.sort(LogOrder.NEWEST_FIRST);
        List<StoredLogEntry> newest = out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
        Collections.reverse(newest);
        return newest;
    }

    /** What identifies a line across the system. */
    private record Key(int kafkaPartition, long offset) {
    }

    private static Key key(StoredLogEntry row) {
        return new Key(row.kafkaPartition(), row.offset());
    }
}
