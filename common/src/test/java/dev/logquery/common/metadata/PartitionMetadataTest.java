package dev.logquery.common.metadata;

import static dev.logquery.common.metadata.ChunkMetadataTest.bloom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartitionMetadataTest {

    private static final Instant NOW = Instant.parse("2024-12-01T13:00:00Z");

    private static ChunkMetadata chunk(String hour, String min, String max, long rows, LevelSet levels,
                                       StringBloom services) {
        return new ChunkMetadata(Instant.parse(hour), Instant.parse(min), Instant.parse(max), rows, levels, services);
    }

    private static List<ChunkMetadata> threeChunks() {
        return List.of(
                chunk("2024-12-01T10:00:00Z", "2024-12-01T10:00:05Z", "2024-12-01T10:59:59Z", 10,
                        LevelSet.ofNames(List.of("INFO")), bloom("payment-service")),
                chunk("2024-12-01T11:00:00Z", "2024-12-01T11:00:00Z", "2024-12-01T11:30:00Z", 20,
                        LevelSet.ofNames(List.of("WARN", "ERROR")), bloom("auth-service")),
                chunk("2024-12-01T12:00:00Z", "2024-12-01T12:10:00Z", "2024-12-01T12:10:00.000001Z", 30,
                        LevelSet.ofNames(List.of("INFO", "FATAL")), bloom("search-service")));
    }

    @Test
    void unionOverChunks() {
        StringBloom empty = StringBloom.create(1000, 0.01);
        List<ChunkMetadata> chunks = threeChunks();

        PartitionMetadata meta = PartitionMetadata.of(1, 3, List.of(1, 4), chunks, empty, NOW);

        assertThat(meta.shard()).isEqualTo(1);
        assertThat(meta.shardCount()).isEqualTo(3);
        assertThat(meta.kafkaPartitions()).containsExactly(1, 4);
        assertThat(meta.rowCount()).isEqualTo(60);
        assertThat(meta.minTime()).isEqualTo(Instant.parse("2024-12-01T10:00:05Z"));
        assertThat(meta.maxTime()).isEqualTo(Instant.parse("2024-12-01T12:10:00.000001Z"));
        assertThat(meta.levels().names()).containsExactly("INFO", "WARN", "ERROR", "FATAL");
        assertThat(meta.services()).isNotNull();
        assertThat(meta.services().mightContain("payment-service")).isTrue();
        assertThat(meta.services().mightContain("auth-service")).isTrue();
        assertThat(meta.services().mightContain("search-service")).isTrue();
        assertThat(meta.services().mightContain("billing-service")).isFalse();
        assertThat(meta.chunks()).containsExactlyElementsOf(chunks);
        assertThat(meta.generatedAt()).isEqualTo(NOW);
        // the empty filter passed in is not filled
        assertThat(empty.mightContain("payment-service")).isFalse();
    }

    @Test
    void unionDoesNotDependOnChunkOrder() {
        List<ChunkMetadata> reversed = new ArrayList<>(threeChunks());
        java.util.Collections.reverse(reversed);

        PartitionMetadata a = PartitionMetadata.of(0, 1, List.of(0), threeChunks(), StringBloom.create(1000, 0.01), NOW);
        PartitionMetadata b = PartitionMetadata.of(0, 1, List.of(0), reversed, StringBloom.create(1000, 0.01), NOW);

        assertThat(b.rowCount()).isEqualTo(a.rowCount());
        assertThat(b.minTime()).isEqualTo(a.minTime());
        assertThat(b.maxTime()).isEqualTo(a.maxTime());
        assertThat(b.levels()).isEqualTo(a.levels());
        assertThat(b.services().toBytes()).isEqualTo(a.services().toBytes());
    }

    @Test
    void noChunks() {
        PartitionMetadata meta = PartitionMetadata.of(2, 3, List.of(2, 5, 8), List.of(),
                StringBloom.create(1000, 0.01), NOW);

        assertThat(meta.rowCount()).isZero();
        assertThat(meta.minTime()).isNull();
        assertThat(meta.maxTime()).isNull();
        assertThat(meta.levels()).isEqualTo(LevelSet.EMPTY);
        assertThat(meta.levels().isEmpty()).isTrue();
        assertThat(meta.chunks()).isEmpty();
        assertThat(meta.kafkaPartitions()).containsExactly(2, 5, 8);
        // an empty filter: every service is provably absent
        assertThat(meta.services()).isNotNull();
        assertThat(meta.services().mightContain("payment-service")).isFalse();
    }

    @Test
    void singleChunkIsItsOwnUnion() {
        ChunkMetadata only = chunk("2024-12-01T10:00:00Z", "2024-12-01T10:15:30Z", "2024-12-01T10:15:30Z", 1,
                LevelSet.EMPTY.with(LogLevel.DEBUG), bloom("svc"));

        PartitionMetadata meta = PartitionMetadata.of(0, 1, List.of(0), List.of(only), StringBloom.create(1000, 0.01),
                NOW);

        assertThat(meta.rowCount()).isEqualTo(1);
        assertThat(meta.minTime()).isEqualTo(only.minTime());
        assertThat(meta.maxTime()).isEqualTo(only.maxTime());
        assertThat(meta.levels()).isEqualTo(only.levels());
        assertThat(meta.services().mightContain("svc")).isTrue();
    }

    @ParameterizedTest(name = "[{index}] unknown filter in chunk {0}")
    @ValueSource(ints = {0, 1, 2})
    void anyChunkWithUnknownServicesMakesTheUnionUnknown(int unknownAt) {
        List<ChunkMetadata> chunks = new ArrayList<>(threeChunks());
        ChunkMetadata c = chunks.get(unknownAt);
        chunks.set(unknownAt, new ChunkMetadata(c.hour(), c.minTime(), c.maxTime(), c.rowCount(), c.levels(), null));

        PartitionMetadata meta = PartitionMetadata.of(0, 1, List.of(0), chunks, StringBloom.create(1000, 0.01), NOW);

        assertThat(meta.services()).isNull();
        // the other unions are still computed
        assertThat(meta.rowCount()).isEqualTo(60);
        assertThat(meta.levels().names()).containsExactly("INFO", "WARN", "ERROR", "FATAL");
    }

    @ParameterizedTest(name = "[{index}] incompatible filter in chunk {0}")
    @ValueSource(ints = {0, 1, 2})
    void anyChunkWithAnIncompatibleFilterMakesTheUnionUnknown(int incompatibleAt) {
        List<ChunkMetadata> chunks = new ArrayList<>(threeChunks());
        ChunkMetadata c = chunks.get(incompatibleAt);
        StringBloom other = StringBloom.create(10, 0.01);
        other.put("x");
        chunks.set(incompatibleAt, new ChunkMetadata(c.hour(), c.minTime(), c.maxTime(), c.rowCount(), c.levels(),
                other));

        PartitionMetadata meta = PartitionMetadata.of(0, 1, List.of(0), chunks, StringBloom.create(1000, 0.01), NOW);

        assertThat(meta.services()).isNull();
    }

    @Test
    void emptyFilterWithOtherSettingsThanTheChunksMakesServicesUnknown() {
        PartitionMetadata meta = PartitionMetadata.of(0, 1, List.of(0), threeChunks(),
                StringBloom.create(50, 0.01), NOW);

        assertThat(meta.services()).isNull();
    }

    @Test
    void listsAreCopied() {
        List<Integer> partitions = new ArrayList<>(List.of(0, 3));
        List<ChunkMetadata> chunks = new ArrayList<>(threeChunks());

        PartitionMetadata meta = PartitionMetadata.of(0, 3, partitions, chunks, StringBloom.create(1000, 0.01), NOW);
        partitions.add(6);
        chunks.clear();

        assertThat(meta.kafkaPartitions()).containsExactly(0, 3);
        assertThat(meta.chunks()).hasSize(3);
        assertThatThrownBy(() -> meta.chunks().add(threeChunks().get(0)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void coveringOfReplicasCoversEveryRowOfEither() {
        StringBloom empty = StringBloom.create(1000, 0.01);
        List<ChunkMetadata> chunks = threeChunks();
        // replica a is behind: it has the first two hours, the second only in part; b has all three
        PartitionMetadata a = PartitionMetadata.of(1, 3, List.of(1, 4), List.of(chunks.get(0),
                chunk("2024-12-01T11:00:00Z", "2024-12-01T11:00:00Z", "2024-12-01T11:10:00Z", 5,
                        LevelSet.ofNames(List.of("WARN")), bloom("auth-service", "cart-service"))), empty,
                NOW.minusSeconds(5));
        PartitionMetadata b = PartitionMetadata.of(1, 3, List.of(1, 4), chunks, empty, NOW);

        PartitionMetadata both = PartitionMetadata.covering(List.of(a, b));

        assertThat(both.chunks()).hasSize(3);
        ChunkMetadata eleven = both.chunks().get(1);
        assertThat(eleven.rowCount()).isEqualTo(20);
        assertThat(eleven.maxTime()).isEqualTo(Instant.parse("2024-12-01T11:30:00Z"));
        assertThat(eleven.levels().names()).containsExactly("WARN", "ERROR");
        assertThat(eleven.services().mightContain("cart-service")).isTrue();
        assertThat(both.rowCount()).isEqualTo(60);
        assertThat(both.minTime()).isEqualTo(b.minTime());
        assertThat(both.maxTime()).isEqualTo(b.maxTime());
        assertThat(both.services().mightContain("cart-service")).isTrue();
        assertThat(both.services().mightContain("search-service")).isTrue();
        assertThat(both.generatedAt()).isEqualTo(NOW.minusSeconds(5));
        PartitionMetadata reversed = PartitionMetadata.covering(List.of(b, a));
        assertThat(reversed.rowCount()).isEqualTo(both.rowCount());
        assertThat(reversed.chunks()).extracting(ChunkMetadata::hour).containsExactlyElementsOf(
                both.chunks().stream().map(ChunkMetadata::hour).toList());
        assertThat(PartitionMetadata.covering(List.of(a))).isSameAs(a);
    }

    @Test
    void rowsMissingFromAReplicaCountOnlyTheHoursOfTheWindow() {
        StringBloom empty = StringBloom.create(1000, 0.01);
        List<ChunkMetadata> chunks = threeChunks();
        // a: all of 10:00, 5 of the 20 rows of 11:00, nothing of 12:00
        PartitionMetadata a = PartitionMetadata.of(1, 3, List.of(1), List.of(chunks.get(0),
                chunk("2024-12-01T11:00:00Z", "2024-12-01T11:00:00Z", "2024-12-01T11:10:00Z", 5,
                        LevelSet.ofNames(List.of("WARN")), bloom("auth-service"))), empty, NOW);
        PartitionMetadata b = PartitionMetadata.of(1, 3, List.of(1), chunks, empty, NOW);
        PartitionMetadata both = PartitionMetadata.covering(List.of(a, b));

        Instant ten = Instant.parse("2024-12-01T10:00:00Z");
        assertThat(both.rowsMissingFrom(b, ten, ten.plusSeconds(3 * 3600))).isZero();
        assertThat(both.rowsMissingFrom(a, ten, ten.plusSeconds(3 * 3600))).isEqualTo(15 + 30);
        assertThat(both.rowsMissingFrom(a, ten, ten.plusSeconds(3599))).as("10:00 only").isZero();
        assertThat(both.rowsMissingFrom(a, ten, ten.plusSeconds(3600))).as("the end is inclusive").isEqualTo(15);
        assertThat(both.rowsMissingFrom(a, ten.plusSeconds(3599), ten.plusSeconds(3601))).as("touches 11:00").isEqualTo(15);
        assertThat(both.rowsMissingFrom(a, ten.plusSeconds(2 * 3600 + 60), ten.plusSeconds(9 * 3600))).isEqualTo(30);
    }
}
