package dev.logquery.common.order;

import dev.logquery.common.model.StoredLogEntry;
import java.util.Comparator;

/**
 * The one sort order of every result: newest first, then by Kafka partition and offset, both
 * descending. The shard needs no place in the tie-break because a Kafka partition belongs to exactly
 * one shard, so {@code (timestamp, kafkaPartition, offset)} is already unique and merges and cursors
 * are deterministic. Partition nodes use the same order in SQL ({@code ts DESC, kafka_partition DESC,
 * kafka_offset DESC}).
 */
public final class LogOrder {

    public static final Comparator<StoredLogEntry> NEWEST_FIRST = Comparator
            .comparing((StoredLogEntry e) -> e.entry().timestamp())
            .thenComparingInt(StoredLogEntry::kafkaPartition)
            .thenComparingLong(StoredLogEntry::offset)
            .reversed();

    private LogOrder() {
    }
}
