package dev.logquery.node.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.node.config.NodeProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** {@link ChunkStore#dropBefore}: what the retention deleted leaves served and committed chunks, and says so. */
class ChunkStoreRetentionTest {

    static final Instant H0 = Instant.parse("2026-03-01T00:00:00Z");

    static ChunkStore store() {
        NodeProperties properties = new NodeProperties(0, 0, 1, "pod-logs", "localhost:9092", "",
                new NodeProperties.Batch(1000, Duration.ofMillis(500), DataSize.ofMegabytes(16)),
                new NodeProperties.Bloom(256, 0.01, 10_000), new NodeProperties.Storage(35, 3),
                new NodeProperties.Accept(null, Duration.ofDays(1)),
                new NodeProperties.Query(Duration.ofSeconds(10), 500, 1, 4, Duration.ofSeconds(30),
                        Duration.ofMillis(500), 10_000),
                Duration.ofDays(2), Duration.ofMinutes(15), NodeProperties.TextIndex.DEFAULT);
        return new ChunkStore(null, properties, Clock.systemUTC());
    }

    static Map<Instant, ChunkMetadata> hours(int from, int to) {
        Map<Instant, ChunkMetadata> chunks = new TreeMap<>();
        for (int h = from; h < to; h++) {
            Instant hour = H0.plus(Duration.ofHours(h));
            chunks.put(hour, new ChunkMetadata(hour, hour.plusSeconds(60), hour.plusSeconds(120), 10,
                    new LevelSet(1), null));
        }
        return chunks;
    }

    @Test
    void droppedHoursLeaveServedAndCommittedChunksAndListenersHear() {
        ChunkStore store = store();
        Map<Instant, ChunkMetadata> all = hours(0, 72);
        store.serve(all);
        store.committed(all);
        AtomicInteger heard = new AtomicInteger();
        store.onChange(heard::incrementAndGet);
        String before = store.version();
        assertThat(store.oldestLine()).isEqualTo(H0.plusSeconds(60));

        Instant boundary = H0.plus(Duration.ofDays(2));
        assertThat(store.dropBefore(boundary)).isEqualTo(48);
        assertThat(store.chunks().firstKey()).isEqualTo(boundary);
        assertThat(store.chunks()).hasSize(24);
        assertThat(store.rowCount()).isEqualTo(240);
        assertThat(store.oldestLine()).isEqualTo(boundary.plusSeconds(60));
        assertThat(store.version()).isNotEqualTo(before);
        assertThat(heard).hasValue(1);
        // The next batch merges into what is left, not into the dropped hours.
        assertThat(store.mergeWith(hours(0, 1))).containsOnlyKeys(H0)
                .extractingByKey(H0).extracting(ChunkMetadata::rowCount).isEqualTo(10L);

        // Nothing left to drop: no change, nobody told.
        String after = store.version();
        assertThat(store.dropBefore(boundary)).isZero();
        assertThat(store.version()).isEqualTo(after);
        assertThat(heard).hasValue(1);
    }

    @Test
    void maxAgeDefaultsToTheRetention() {
        NodeProperties properties = new NodeProperties(0, 0, 1, "t", "b", "",
                new NodeProperties.Batch(1000, Duration.ofMillis(500), DataSize.ofMegabytes(16)),
                new NodeProperties.Bloom(256, 0.01, 10_000), new NodeProperties.Storage(35, 3),
                new NodeProperties.Accept(null, Duration.ofDays(1)),
                new NodeProperties.Query(Duration.ofSeconds(10), 500, 1, 4, Duration.ofSeconds(30),
                        Duration.ofMillis(500), 10_000),
                Duration.ofDays(3), Duration.ofMinutes(15), NodeProperties.TextIndex.DEFAULT);
        assertThat(properties.accept().maxAge()).isEqualTo(Duration.ofDays(3));
    }
}
