package dev.logquery.common.order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogOrderTest {

    private static StoredLogEntry stored(String timestamp, int shard, int partition, long offset) {
        LogEntry entry = new LogEntry(Instant.parse(timestamp), "svc", LogLevel.INFO, null, null, null,
                "p" + partition + "@" + offset);
        return new StoredLogEntry(entry, shard, partition, offset);
    }

    /** {@code first} says which of a and b comes first: "a", "b", or "tie". */
    @ParameterizedTest(name = "[{index}] ({0},{1},{2}) vs ({3},{4},{5}) -> {6}")
    @CsvSource({
            // newer timestamp first, whatever the partition and offset
            "2024-12-01T10:00:01Z,        0, 0,   2024-12-01T10:00:00Z,        9, 999, a",
            "2024-12-01T10:00:00Z,        9, 999, 2024-12-01T10:00:01Z,        0, 0,   b",
            "2024-12-01T10:00:00.000001Z, 0, 0,   2024-12-01T10:00:00Z,        5, 5,   a",
            "2024-12-01T10:00:00Z,        5, 5,   2024-12-01T10:00:00.000001Z, 0, 0,   b",
            "2025-01-01T00:00:00Z,        0, 0,   2024-12-31T23:59:59.999999Z, 0, 1,   a",
            "1969-12-31T23:59:59Z,        0, 0,   1970-01-01T00:00:00Z,        0, 0,   b",
            // equal timestamps: higher Kafka partition first
            "2024-12-01T10:00:00Z,        2, 0,   2024-12-01T10:00:00Z,        1, 999, a",
            "2024-12-01T10:00:00Z,        1, 999, 2024-12-01T10:00:00Z,        2, 0,   b",
            "2024-12-01T10:00:00Z,        0, 5,   2024-12-01T10:00:00Z,        11, 5,  b",
            // equal timestamps and partitions: higher offset first
            "2024-12-01T10:00:00Z,        3, 11,  2024-12-01T10:00:00Z,        3, 10,  a",
            "2024-12-01T10:00:00Z,        3, 10,  2024-12-01T10:00:00Z,        3, 11,  b",
            "2024-12-01T10:00:00Z,        3, 0,   2024-12-01T10:00:00Z,        3, 9223372036854775807, b",
            "2024-12-01T10:00:00Z,        3, 4294967296, 2024-12-01T10:00:00Z, 3, 4294967295, a",
            // the same Kafka record
            "2024-12-01T10:00:00Z,        3, 10,  2024-12-01T10:00:00Z,        3, 10,  tie"})
    void newestFirstThenPartitionThenOffsetDescending(String tsA, int partA, long offA,
                                                      String tsB, int partB, long offB, String first) {
        StoredLogEntry a = stored(tsA, 0, partA, offA);
        StoredLogEntry b = stored(tsB, 0, partB, offB);

        int ab = LogOrder.NEWEST_FIRST.compare(a, b);
        int ba = LogOrder.NEWEST_FIRST.compare(b, a);

        switch (first) {
            case "a" -> assertThat(ab).isNegative();
            case "b" -> assertThat(ab).isPositive();
            default -> assertThat(ab).isZero();
        }
        assertThat(Integer.signum(ba)).isEqualTo(-Integer.signum(ab));
    }

    @Test
    void shardPlaysNoPartInTheOrder() {
        // a Kafka partition lives on one shard; replicas hold the same (partition, offset) pair
        StoredLogEntry onShard0 = stored("2024-12-01T10:00:00Z", 0, 4, 7);
        StoredLogEntry onShard2 = stored("2024-12-01T10:00:00Z", 2, 4, 7);

        assertThat(LogOrder.NEWEST_FIRST.compare(onShard0, onShard2)).isZero();
    }

    private static List<StoredLogEntry> manyEntriesWithTies() {
        List<StoredLogEntry> all = new ArrayList<>();
        String[] times = {"2024-12-01T10:00:00Z", "2024-12-01T10:00:00.000001Z", "2024-12-01T09:59:59.999999Z",
                "2024-12-01T10:00:01Z"};
        for (String t : times) {
            for (int partition = 0; partition < 6; partition++) {
                for (long offset = 0; offset < 8; offset++) {
                    all.add(stored(t, partition % 3, partition, offset * 1_000_003L));
                }
            }
        }
        return all;
    }

    @Test
    void sortingAShuffledListIsDeterministicAndOrdered() {
        List<StoredLogEntry> reference = new ArrayList<>(manyEntriesWithTies());
        reference.sort(LogOrder.NEWEST_FIRST);

        for (int i = 1; i < reference.size(); i++) {
            StoredLogEntry prev = reference.get(i - 1);
            StoredLogEntry next = reference.get(i);
            Instant pt = prev.entry().timestamp();
            Instant nt = next.entry().timestamp();
            assertThat(pt).isAfterOrEqualTo(nt);
            if (pt.equals(nt)) {
                assertThat(prev.kafkaPartition()).isGreaterThanOrEqualTo(next.kafkaPartition());
                if (prev.kafkaPartition() == next.kafkaPartition()) {
                    assertThat(prev.offset()).isGreaterThan(next.offset());
                }
            }
        }
        assertThat(reference.get(0).entry().timestamp()).isEqualTo(Instant.parse("2024-12-01T10:00:01Z"));
        assertThat(reference.get(0).kafkaPartition()).isEqualTo(5);
        assertThat(reference.get(0).offset()).isEqualTo(7 * 1_000_003L);

        for (long seed = 0; seed < 50; seed++) {
            List<StoredLogEntry> shuffled = new ArrayList<>(manyEntriesWithTies());
            Collections.shuffle(shuffled, new Random(seed));
            shuffled.sort(LogOrder.NEWEST_FIRST);
            assertThat(shuffled).as("seed %d", seed).containsExactlyElementsOf(reference);
        }
    }

    @Test
    void mergingSortedStreamsGivesTheSameOrderAsSortingEverything() {
        List<StoredLogEntry> all = manyEntriesWithTies();
        List<List<StoredLogEntry>> perShard = new ArrayList<>();
        for (int shard = 0; shard < 3; shard++) {
            int s = shard;
            List<StoredLogEntry> mine = new ArrayList<>(all.stream().filter(e -> e.shard() == s).toList());
            mine.sort(LogOrder.NEWEST_FIRST);
            perShard.add(mine);
        }
        // a simple k-way merge, as the coordinator does
        List<StoredLogEntry> merged = new ArrayList<>();
        int[] heads = new int[perShard.size()];
        while (true) {
            int best = -1;
            for (int s = 0; s < perShard.size(); s++) {
                if (heads[s] < perShard.get(s).size() && (best < 0 || LogOrder.NEWEST_FIRST.compare(
                        perShard.get(s).get(heads[s]), perShard.get(best).get(heads[best])) < 0)) {
                    best = s;
                }
            }
            if (best < 0) {
                break;
            }
            merged.add(perShard.get(best).get(heads[best]++));
        }
        List<StoredLogEntry> sorted = new ArrayList<>(all);
        sorted.sort(LogOrder.NEWEST_FIRST);

        assertThat(merged).containsExactlyElementsOf(sorted);
    }
}
