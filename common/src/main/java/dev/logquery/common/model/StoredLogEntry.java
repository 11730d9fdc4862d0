package dev.logquery.common.model;

/**
 * A log entry together with where it is stored: the shard that holds it and the Kafka record it came
 * from. {@code (kafkaPartition, offset)} identifies a line across the whole system: a Kafka partition
 * belongs to exactly one shard, and every replica of that shard stores the line under the same pair.
 */
public record StoredLogEntry(LogEntry entry, int shard, int kafkaPartition, long offset) {
}
