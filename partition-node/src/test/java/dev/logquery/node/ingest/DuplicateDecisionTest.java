package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.node.chunk.ChunkBuilder;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The de-duplication decision of {@link BatchWriter}: within a batch the first copy of a line (same timestamp and
 * content, attributes included) is kept and later ones dropped whatever else differs (Kafka partition, offset);
 * the content hash tells lines apart by every field; and {@link ChunkStore#mayHoldRowAt} says when a stored row
 * cannot have a line's timestamp, so that no stored copy needs looking for.
 */
class DuplicateDecisionTest {

    static final Instant TS = Instant.parse("2026-03-10T12:34:56.123456Z");

    static LogEntry line(String message, Map<String, String> attributes) {
        return new LogEntry(TS, "checkout", LogLevel.ERROR, "shop", "checkout-1", "app", message, attributes);
    }

    static DecodedRecord at(long offset, LogEntry entry) {
        return DecodedRecord.accepted(0, offset, entry, false);
    }

    static List<Long> offsets(List<DecodedRecord> records) {
        return records.stream().map(DecodedRecord::offset).toList();
    }

    @Test
    void laterCopiesOfALineInTheBatchAreDroppedTheFirstIsKept() {
        LogEntry a = line("payment declined", Map.of("cluster", "eu-1"));
        LogEntry b = line("payment accepted", Map.of("cluster", "eu-1"));
        List<DecodedRecord> batch = List.of(at(10, a), at(11, b), at(12, a),
                DecodedRecord.rejected(0, 13, "invalid: not JSON", new byte[] {'x'}),
                at(14, line("payment declined", Map.of("cluster", "eu-1"))), at(15, b));
        assertThat(offsets(BatchWriter.firstCopies(batch))).containsExactly(10L, 11L);
    }

    @Test
    void linesThatDifferInAnyFieldAreNotCopies() {
        LogEntry base = line("m", Map.of("cluster", "eu-1"));
        List<LogEntry> variants = List.of(base,
                new LogEntry(TS.plusNanos(1000), "checkout", LogLevel.ERROR, "shop", "checkout-1", "app", "m",
                        Map.of("cluster", "eu-1")),
                new LogEntry(TS, "cart", LogLevel.ERROR, "shop", "checkout-1", "app", "m", Map.of("cluster", "eu-1")),
                new LogEntry(TS, "checkout", LogLevel.UNKNOWN, "shop", "checkout-1", "app", "m", Map.of("cluster", "eu-1")),
                new LogEntry(TS, "checkout", LogLevel.ERROR, null, "checkout-1", "app", "m", Map.of("cluster", "eu-1")),
                new LogEntry(TS, "checkout", LogLevel.ERROR, "", "checkout-1", "app", "m", Map.of("cluster", "eu-1")),
                new LogEntry(TS, "checkout", LogLevel.ERROR, "shop", "checkout-2", "app", "m", Map.of("cluster", "eu-1")),
                new LogEntry(TS, "checkout", LogLevel.ERROR, "shop", "checkout-1", "sidecar", "m", Map.of("cluster", "eu-1")),
                line("m ", Map.of("cluster", "eu-1")),
                line("m", Map.of("cluster", "eu-2")),
                line("m", Map.of("cluster", "eu-1", "zone", "a")),
                line("m", Map.of()));
        List<DecodedRecord> batch = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            batch.add(at(i, variants.get(i)));
        }
        assertThat(BatchWriter.firstCopies(batch)).hasSize(variants.size());
        Set<Long> hashes = new HashSet<>();
        variants.forEach(v -> hashes.add(ContentHash.of(v)));
        assertThat(hashes).as("a different hash for every different line").hasSize(variants.size());
    }

    @Test
    void theHashOfALineIsTheSameForEveryCopyAndEveryRun() {
        LogEntry a = line("payment declined", Map.of("zone", "a", "cluster", "eu-1"));
        LogEntry b = line("payment declined", Map.of("cluster", "eu-1", "zone", "a"));
        assertThat(ContentHash.of(a)).isEqualTo(ContentHash.of(b));
        // Stored rows keep their hash: a change of the function would hide retried copies of older lines.
        assertThat(ContentHash.of(line("m", Map.of()))).isEqualTo(ContentHash.of(line("m", Map.of())));
        // A field's end is marked by its length: moving text from one field to the next changes the hash.
        assertThat(ContentHash.of(new LogEntry(TS, "ab", LogLevel.INFO, "c", null, null, "m")))
                .isNotEqualTo(ContentHash.of(new LogEntry(TS, "a", LogLevel.INFO, "bc", null, null, "m")));
        assertThat(ContentHash.of(line("m", Map.of("a", "bc"))))
                .isNotEqualTo(ContentHash.of(line("m", Map.of("ab", "c"))));
    }

    @Test
    void onlyATimestampWithinAStoredHoursRangeMayHaveAStoredCopy() {
        ChunkStore store = new ChunkStore(null, properties(), Clock.systemUTC());
        Instant hour = ChunkBuilder.hourOf(TS);
        Map<Instant, ChunkMetadata> chunks = Map.of(hour,
                new ChunkMetadata(hour, hour.plusSeconds(60), hour.plusSeconds(600), 5, new LevelSet(1), null, null));
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(60))).as("nothing committed yet").isFalse();
        store.serve(chunks);
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(60))).as("served, not committed: not stored").isFalse();
        store.committed(chunks); // service ranges unknown: only the chunk's range counts
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(60))).isTrue();
        assertThat(store.mayHoldRowAt("b", hour.plusSeconds(300))).isTrue();
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(600))).isTrue();
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(600).plusNanos(1000))).as("after its newest row").isFalse();
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(59))).as("before its oldest").isFalse();
        assertThat(store.mayHoldRowAt("a", hour.plus(Duration.ofHours(1)).plusSeconds(300))).as("another hour").isFalse();
    }

    @Test
    void inAnHourThisRunWroteEveryRowOfOnlyTheServicesOwnRangeMayHaveACopy() {
        ChunkStore store = new ChunkStore(null, properties(), Clock.systemUTC());
        Instant hour = ChunkBuilder.hourOf(TS);
        ChunkBuilder first = new ChunkBuilder(properties().bloom());
        first.add(new LogEntry(hour.plusSeconds(100), "a", LogLevel.INFO, null, null, null, "m"));
        first.add(new LogEntry(hour.plusSeconds(200), "a", LogLevel.INFO, null, null, null, "m"));
        first.add(new LogEntry(hour.plusSeconds(500), "b", LogLevel.INFO, null, null, null, "m"));
        Map<Instant, ChunkMetadata> merged = store.mergeWith(first.build());
        store.serve(merged);
        store.committed(merged, first.serviceRanges());
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(150))).isTrue();
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(300))).as("in the chunk's range, after a's rows").isFalse();
        assertThat(store.mayHoldRowAt("b", hour.plusSeconds(300))).as("before b's rows").isFalse();
        assertThat(store.mayHoldRowAt("b", hour.plusSeconds(500))).isTrue();
        assertThat(store.mayHoldRowAt("c", hour.plusSeconds(150))).as("no row of c").isFalse();

        ChunkBuilder second = new ChunkBuilder(properties().bloom());
        second.add(new LogEntry(hour.plusSeconds(400), "a", LogLevel.INFO, null, null, null, "m"));
        merged = store.mergeWith(second.build());
        store.committed(merged, second.serviceRanges());
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(300))).as("a's range grew").isTrue();
        assertThat(store.mayHoldRowAt("a", hour.plusSeconds(450))).isFalse();

        // An hour with rows from before (here: committed without ranges) stays judged by its chunk's range only.
        Instant other = hour.plus(Duration.ofHours(1));
        store.committed(Map.of(other, new ChunkMetadata(other, other.plusSeconds(10), other.plusSeconds(20), 1,
                new LevelSet(1), null, null)));
        ChunkBuilder third = new ChunkBuilder(properties().bloom());
        third.add(new LogEntry(other.plusSeconds(30), "a", LogLevel.INFO, null, null, null, "m"));
        merged = store.mergeWith(third.build());
        store.committed(merged, third.serviceRanges());
        assertThat(store.mayHoldRowAt("z", other.plusSeconds(15))).isTrue();
    }

    @Test
    void rangesBeyondTheBoundAreForgottenOldestHourFirstAndItsChunksRangeCountsAgain() {
        ChunkStore store = new ChunkStore(null, properties(), Clock.systemUTC());
        Instant old = ChunkBuilder.hourOf(TS);
        Instant recent = old.plus(Duration.ofHours(1));
        ChunkBuilder many = new ChunkBuilder(properties().bloom());
        for (int i = 0; i < 65_536; i++) {
            many.add(new LogEntry(old.plusSeconds(10 + i % 100), "svc-" + i, LogLevel.INFO, null, null, null, "m"));
        }
        Map<Instant, ChunkMetadata> merged = store.mergeWith(many.build());
        store.committed(merged, many.serviceRanges());
        assertThat(store.mayHoldRowAt("svc-x", old.plusSeconds(50))).as("all ranges kept: no row of svc-x").isFalse();

        ChunkBuilder one = new ChunkBuilder(properties().bloom());
        one.add(new LogEntry(recent.plusSeconds(10), "a", LogLevel.INFO, null, null, null, "m"));
        one.add(new LogEntry(recent.plusSeconds(20), "a", LogLevel.INFO, null, null, null, "m"));
        merged = store.mergeWith(one.build());
        store.committed(merged, one.serviceRanges());
        assertThat(store.mayHoldRowAt("svc-x", old.plusSeconds(50))).as("the old hour's ranges forgotten").isTrue();
        assertThat(store.mayHoldRowAt("b", recent.plusSeconds(15))).as("the recent hour's kept").isFalse();
    }

    static NodeProperties properties() {
        return new NodeProperties(0, 0, 1, "pod-logs", "localhost:9092", "",
                new NodeProperties.Batch(1000, Duration.ofMillis(500), DataSize.ofMegabytes(16)),
                new NodeProperties.Bloom(256, 0.01, 10_000), new NodeProperties.Storage(35, 3),
                new NodeProperties.Accept(null, Duration.ofDays(1)),
                new NodeProperties.Query(Duration.ofSeconds(10), 500, 1, 4, Duration.ofSeconds(30),
                        Duration.ofMillis(500), 10_000),
                Duration.ofDays(2), Duration.ofMinutes(15), NodeProperties.TextIndex.DEFAULT);
    }
}
