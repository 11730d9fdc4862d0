package dev.logquery.coordinator.tail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/** The fan-out without Kafka or HTTP: lines published as the reader would, viewers subscribed as streams would. */
class TailHubTest {

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TailMetrics metrics = new TailMetrics(registry);
    long nextOffset;

    TailHub.Received received(int partition, String service, LogLevel level) {
        return new TailHub.Received(partition, nextOffset++, 1_000,
                new LogEntry(Instant.parse("2026-11-23T10:00:00Z").plusMillis(nextOffset), service, level, null, null,
                        null, "message " + nextOffset));
    }

    /** Collects a viewer's events and frees each buffer slot as a written event would. */
    static final class Collector {
        final List<TailEvent> events = new CopyOnWriteArrayList<>();
        final Disposable subscription;

        Collector(Viewer viewer) {
            subscription = viewer.live().doOnNext(viewer::written).subscribe(events::add);
        }

        List<Long> offsets() {
            return events.stream().flatMap(e -> e.events().stream()).filter(e -> e instanceof LiveLine)
                    .map(e -> ((LiveLine) e).row().offset()).toList();
        }
    }

    @Test
    void eachViewerGetsTheLinesOfItsFilterPublishedAfterItsRegistrationInOrder() {
        TailHub hub = new TailHub(10, 100, 3, metrics);
        hub.publish(List.of(received(0, "a", LogLevel.INFO))); // before anyone watches: nobody's
        Collector a = new Collector(hub.register(new TailFilter("a", null, null, null, null), 100, false).orElseThrow().viewer());
        Collector errors = new Collector(hub.register(
                new TailFilter(null, dev.logquery.common.metadata.LevelSet.of(List.of(LogLevel.ERROR)), null, null, null),
                100, false).orElseThrow().viewer());
        Collector all = new Collector(hub.register(TailFilter.ALL, 100, false).orElseThrow().viewer());
        hub.publish(List.of(received(0, "a", LogLevel.INFO), received(1, "b", LogLevel.ERROR),
                received(0, "a", LogLevel.ERROR), received(2, "c", LogLevel.DEBUG)));
        assertThat(a.offsets()).containsExactly(1L, 3L);
        assertThat(errors.offsets()).containsExactly(2L, 3L);
        assertThat(all.offsets()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(registry.get("tail.lines.delivered").counter().count()).isEqualTo(8);
        assertThat(registry.get("tail.viewers").gauge().value()).isEqualTo(3);
    }

    @Test
    void theRecentLinesAreBoundedInBytesSoLongLinesCannotFillTheHeap() {
        long budget = 1 << 20; // 1 MiB of recent lines, 20,000 lines allowed by count
        TailHub hub = new TailHub(10, 20_000, budget, 3, metrics);
        String big = "x".repeat(64 * 1024);
        for (int i = 0; i < 100; i++) { // 100 lines of 64 KiB: about 13 MiB as kept
            hub.publish(List.of(new TailHub.Received(0, nextOffset++, 1_000,
                    new LogEntry(Instant.parse("2026-11-23T10:00:00Z"), "a", LogLevel.INFO, null, null, null, big))));
        }
        List<LiveLine> recent = hub.register(TailFilter.ALL, 100, true).orElseThrow().recent();
        long kept = recent.stream().mapToLong(LiveLine::estimatedBytes).sum();
        assertThat(kept).isLessThanOrEqualTo(budget);
        assertThat(recent).hasSizeGreaterThan(3);
        assertThat(recent.get(recent.size() - 1).row().offset()).as("the newest are kept").isEqualTo(nextOffset - 1);
        // A line larger than the whole budget is sent to viewers but not kept.
        TailHub tiny = new TailHub(10, 20_000, 1_000, 3, metrics);
        tiny.publish(List.of(new TailHub.Received(0, nextOffset++, 1_000,
                new LogEntry(Instant.parse("2026-11-23T10:00:00Z"), "a", LogLevel.INFO, null, null, null, big))));
        assertThat(tiny.register(TailFilter.ALL, 100, true).orElseThrow().recent()).isEmpty();
    }

    @Test
    void aRegistrationCarriesTheRecentLinesAndNextOffsetsThatTheLiveLinesContinue() {
        TailHub hub = new TailHub(10, 3, 3, metrics);
        hub.startingAt(Map.of(0, 0L, 1, 0L, 5, 40L));
        hub.publish(IntStream.range(0, 5).mapToObj(i -> received(i % 2, "a", LogLevel.INFO)).toList());
        TailHub.Registration r = hub.register(TailFilter.ALL, 100, true).orElseThrow();
        assertThat(r.recent()).extracting(line -> line.row().offset()).containsExactly(2L, 3L, 4L);
        assertThat(r.nextOffsets()).isEqualTo(Map.of(0, 5L, 1, 4L, 5, 40L));
        Collector live = new Collector(r.viewer());
        hub.publish(List.of(received(0, "a", LogLevel.INFO)));
        assertThat(live.offsets()).containsExactly(5L);
        assertThat(((LiveLine) live.events.get(0)).row().shard()).isZero();
    }

    @Test
    void aSlowViewerLosesLinesAndHearsHowManyWhileAFastOneLosesNothing() {
        TailHub hub = new TailHub(10, 0, 3, metrics);
        Viewer slow = hub.register(TailFilter.ALL, 4, false).orElseThrow().viewer();
        List<TailEvent> slowEvents = new ArrayList<>();
        slow.live().subscribe(slowEvents::add); // takes events but never frees a slot: the connection is stuck
        Collector fast = new Collector(hub.register(TailFilter.ALL, 4, false).orElseThrow().viewer());
        for (int i = 0; i < 10; i++) {
            hub.publish(List.of(received(0, "a", LogLevel.INFO)));
        }
        assertThat(fast.offsets()).hasSize(10);
        assertThat(slowEvents).hasSize(4);
        assertThat(registry.get("tail.lines.dropped").counter().count()).isEqualTo(6);
        slowEvents.forEach(slow::written);
        hub.tick();
        assertThat(slowEvents).last().isEqualTo(new TailEvent.Dropped(6));
    }

    @Test
    void whatOneBatchBringsAViewerLeavesAsOneEventWithinItsBuffer() {
        TailHub hub = new TailHub(10, 0, 3, metrics);
        Viewer small = hub.register(TailFilter.ALL, 4, false).orElseThrow().viewer();
        List<TailEvent> smallEvents = new ArrayList<>();
        small.live().subscribe(smallEvents::add); // holds its slots until told they were written
        Collector a = new Collector(hub.register(new TailFilter("a", null, null, null, null), 100, false).orElseThrow()
                .viewer());
        List<TailHub.Received> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(received(0, i % 2 == 0 ? "a" : "b", LogLevel.INFO));
        }
        hub.publish(batch);
        // one event per viewer: the five lines of "a" in order, their frames one after the other
        assertThat(a.events).hasSize(1);
        assertThat(a.events.get(0)).isInstanceOf(TailEvent.Batch.class);
        assertThat(a.offsets()).containsExactly(0L, 2L, 4L, 6L, 8L);
        String frames = new String(a.events.get(0).frame(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(frames.split("\n\n")).hasSize(5);
        assertThat(frames).contains("message 1").contains("message 9").doesNotContain("message 2\"");
        // the small viewer: four lines in one event (its buffer), six dropped, announced once it has written them
        assertThat(smallEvents).hasSize(1);
        assertThat(smallEvents.get(0).slots()).isEqualTo(4);
        assertThat(registry.get("tail.lines.dropped").counter().count()).isEqualTo(6);
        hub.tick();
        assertThat(smallEvents).hasSize(1); // no room for the announcement yet
        small.written(smallEvents.get(0));
        hub.tick();
        assertThat(smallEvents).last().isEqualTo(new TailEvent.Dropped(6));
        assertThat(registry.get("tail.lines.delivered").counter().count()).isEqualTo(5 + 4);
    }

    @Test
    void viewersThatGetTheSameLinesShareOneEventWhileAFilteredViewerGetsItsOwn() {
        TailHub hub = new TailHub(10, 0, 3, metrics);
        TailFilter ofA = new TailFilter("a", null, null, null, null);
        Collector one = new Collector(hub.register(ofA, 100, false).orElseThrow().viewer());
        Collector two = new Collector(hub.register(ofA, 100, false).orElseThrow().viewer());
        Collector errorsOfA = new Collector(hub.register(new TailFilter("a",
                dev.logquery.common.metadata.LevelSet.of(List.of(LogLevel.ERROR)), null, null, null), 100, false)
                .orElseThrow().viewer());
        Collector all = new Collector(hub.register(TailFilter.ALL, 100, false).orElseThrow().viewer());
        hub.publish(List.of(received(0, "a", LogLevel.INFO), received(1, "b", LogLevel.ERROR),
                received(0, "a", LogLevel.ERROR)));
        assertThat(one.events).hasSize(1);
        assertThat(two.events).singleElement().isSameAs(one.events.get(0));
        assertThat(one.offsets()).containsExactly(0L, 2L);
        assertThat(errorsOfA.offsets()).containsExactly(2L);
        assertThat(all.events).singleElement().isNotSameAs(one.events.get(0));
        assertThat(all.offsets()).containsExactly(0L, 1L, 2L);
        assertThat(new String(all.events.get(0).frame(), java.nio.charset.StandardCharsets.UTF_8).split("\n\n"))
                .hasSize(3);
    }

    @Test
    void unregisteredViewersAreForgottenAndTheLimitHolds() {
        TailHub hub = new TailHub(2, 0, 3, metrics);
        Viewer one = hub.register(new TailFilter("a", null, null, null, null), 10, false).orElseThrow().viewer();
        Viewer two = hub.register(TailFilter.ALL, 10, false).orElseThrow().viewer();
        assertThat(hub.hasRoom()).isFalse();
        assertThat(hub.register(TailFilter.ALL, 10, false)).isEmpty();
        hub.unregister(one);
        hub.unregister(one);
        assertThat(hub.viewerCount()).isEqualTo(1);
        Viewer three = hub.register(new TailFilter("a", null, null, null, null), 10, false).orElseThrow().viewer();
        Collector c = new Collector(three);
        hub.publish(List.of(received(0, "a", LogLevel.INFO)));
        assertThat(c.offsets()).hasSize(1);
        hub.unregister(two);
        hub.unregister(three);
        assertThat(registry.get("tail.viewers").gauge().value()).isZero();
    }
}
