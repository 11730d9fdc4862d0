package dev.logquery.coordinator.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayMergeTest {

    static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    static final Instant FROM = T0.minusSeconds(60);

    static StoredLogEntry row(int partition, long offset, int secondsAfterT0, String service) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(secondsAfterT0), service, LogLevel.INFO, null, null, null,
                "m" + partition + ":" + offset), partition % 3, partition, offset);
    }

    static LiveLine recent(StoredLogEntry row) {
        return new LiveLine(0, row, 0, SseFrames.line(row));
    }

    static List<String> ids(List<StoredLogEntry> rows) {
        return rows.stream().map(r -> r.kafkaPartition() + ":" + r.offset()).toList();
    }

    @Test
    void storedLinesBelowTheLiveOffsetsAndRecentLinesNotYetStoredMakeTheReplayOnceEachInTimeOrder() {
        // Partition 0: stored up to offset 11; the reader is at 13 (12 not stored yet, in the recent lines).
        // Partition 1: stored up to offset 21; the reader is at 21 (21 is stored but will come live).
        List<StoredLogEntry> stored = List.of(row(0, 11, 5, "a"), row(0, 10, 1, "a"), row(1, 21, 6, "b"),
                row(1, 20, 3, "b"));
        List<LiveLine> recentLines = List.of(recent(row(0, 11, 5, "a")), recent(row(1, 20, 3, "b")),
                recent(row(0, 12, 7, "a")));
        List<StoredLogEntry> replay = ReplayMerge.merge(stored, recentLines, Map.of(0, 13L, 1, 21L), TailFilter.ALL,
                FROM, 100);
        assertThat(ids(replay)).containsExactly("0:10", "1:20", "0:11", "0:12");
    }

    @Test
    void aPartitionTheReaderHasNotReachedKeepsAllItsStoredLines() {
        List<StoredLogEntry> stored = List.of(row(4, 1_000_000, 0, "a"));
        assertThat(ids(ReplayMerge.merge(stored, List.of(), Map.of(0, 5L), TailFilter.ALL, FROM, 10)))
                .containsExactly("4:1000000");
    }

    @Test
    void recentLinesAreFilteredByTheViewersFilterAndTheWindow() {
        List<LiveLine> recentLines = List.of(recent(row(0, 1, 0, "a")), recent(row(1, 1, 0, "b")),
                recent(row(0, 2, -61, "a")), recent(row(0, 3, -60, "a")));
        TailFilter onlyA = new TailFilter("a", null, null, null, null);
        assertThat(ids(ReplayMerge.merge(List.of(), recentLines, Map.of(), onlyA, FROM, 10)))
                .containsExactly("0:3", "0:1");
    }

    @Test
    void theNewestLimitLinesAreKeptOldestFirstWithTiesBrokenByPartitionThenOffset() {
        List<StoredLogEntry> stored = List.of(row(2, 7, 9, "a"), row(1, 8, 9, "a"), row(1, 7, 9, "a"),
                row(0, 1, 1, "a"), row(0, 2, 2, "a"));
        assertThat(ids(ReplayMerge.merge(stored, List.of(), Map.of(), TailFilter.ALL, FROM, 3)))
                .containsExactly("1:7", "1:8", "2:7");
    }
}
