package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.metadata.PartitionMetadata;
import dev.logquery.common.metadata.StringBloom;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.testkit.LogQueryBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's plan of a direct read: pruned by published metadata, the hours it may not describe read whole. */
class MetadataPlanTest {

    static final Instant H0 = Instant.parse("2026-12-01T00:00:00Z");
    static final Duration FRESH = Duration.ofMinutes(1);

    /** Hours 0..5, each with one row of {@code api} except hour 3, which holds {@code billing}. */
    static PartitionMetadata metadata(Instant generatedAt) {
        List<ChunkMetadata> chunks = new ArrayList<>();
        for (int h = 0; h < 6; h++) {
            StringBloom services = StringBloom.create(64, 0.001);
            services.put(h == 3 ? "billing" : "api");
            Instant hour = H0.plus(Duration.ofHours(h));
            chunks.add(new ChunkMetadata(hour, hour.plusSeconds(60), hour.plusSeconds(3000), 1,
                    LevelSet.of(List.of(LogLevel.INFO)), services));
        }
        StringBloom all = StringBloom.create(64, 0.001);
        all.put("api");
        all.put("billing");
        return new PartitionMetadata(0, 1, List.of(0), 6, H0, H0.plus(Duration.ofHours(6)),
                LevelSet.of(List.of(LogLevel.INFO)), all, chunks, generatedAt);
    }

    static ScanPlan plan(LogQuery q, PartitionMetadata m, boolean prune) {
        return MetadataPlan.of(q, m, MetadataPlan.byHour(m), FRESH, prune);
    }

    static LogQuery billing(Instant from, Instant to) {
        return LogQueryBuilder.between(from, to).service("billing").limit(100).build();
    }

    @Test
    void fullyDescribedWindowIsPrunedChunkByChunk() {
        ScanPlan plan = plan(billing(H0, H0.plus(Duration.ofHours(6))), metadata(H0.plus(Duration.ofHours(8))), true);
        assertThat(plan.ranges()).extracting(ScanPlan.Range::from)
                .containsExactly(H0.plus(Duration.ofHours(3)));
        assertThat(plan.chunksToScan()).isEqualTo(1);
        assertThat(plan.chunksSkipped()).isEqualTo(5);
    }

    @Test
    void hoursTheMetadataMayNotDescribeAreReadWhole() {
        // Generated 30 s into hour 5: from hour 4 on (holding generatedAt - 1 min) every hour is read whatever its
        // chunk says, hour 6 too, which has no chunk yet; hours 0..3 are pruned as before.
        Instant generated = H0.plus(Duration.ofHours(5)).plusSeconds(30);
        Instant end = H0.plus(Duration.ofHours(7));
        ScanPlan plan = plan(billing(H0, end), metadata(generated), true);
        assertThat(plan.ranges()).extracting(ScanPlan.Range::from, ScanPlan.Range::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(H0.plus(Duration.ofHours(4)), end),
                org.assertj.core.groups.Tuple.tuple(H0.plus(Duration.ofHours(3)),
                        H0.plus(Duration.ofHours(4)).minusNanos(1000)));
        assertThat(plan.chunksSkipped()).isEqualTo(3); // hours 0, 1, 2 lack billing; hour 4 is read all the same
    }

    @Test
    void aWindowInsideTheFreshHoursIsReadWhole() {
        Instant generated = H0.plus(Duration.ofHours(5)).plusSeconds(600);
        Instant from = H0.plus(Duration.ofHours(5)).plusSeconds(10);
        ScanPlan plan = plan(billing(from, from.plusSeconds(3600)), metadata(generated), true);
        assertThat(plan.ranges()).singleElement().satisfies(r -> {
            assertThat(r.from()).isEqualTo(from);
            assertThat(r.to()).isEqualTo(from.plusSeconds(3600));
        });
        assertThat(plan.skipped()).containsEntry("time", 5);
    }

    @Test
    void unknownMetadataOrPruningOffReadsTheWholeWindow() {
        LogQuery q = billing(H0, H0.plus(Duration.ofHours(6)));
        assertThat(plan(q, null, true).ranges()).singleElement()
                .extracting(ScanPlan.Range::from).isEqualTo(H0);
        assertThat(plan(q, metadata(H0.plus(Duration.ofHours(8))), false).ranges())
                .singleElement().extracting(ScanPlan.Range::from).isEqualTo(H0);
    }
}
