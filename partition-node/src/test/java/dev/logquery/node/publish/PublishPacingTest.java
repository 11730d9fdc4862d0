package dev.logquery.node.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The publish timing in virtual time: when publishes start, given when changes happen. */
class PublishPacingTest {

    static final Duration GAP = Duration.ofSeconds(1);
    static final Duration REFRESH = Duration.ofSeconds(10);

    VirtualTimeScheduler time;
    Sinks.Many<Boolean> changes;
    List<Long> publishedAtMs;
    Disposable pacing;

    @BeforeEach
    void setUp() {
        time = VirtualTimeScheduler.create();
        changes = Sinks.many().multicast().directBestEffort();
        publishedAtMs = new ArrayList<>();
    }

    @AfterEach
    void tearDown() {
        pacing.dispose();
        time.dispose();
    }

    /** Publishes that take {@code duration} each. */
    void start(Duration duration) {
        Mono<Void> publish = Mono.defer(() -> {
            publishedAtMs.add(time.now(TimeUnit.MILLISECONDS));
            return duration.isZero() ? Mono.empty() : Mono.delay(duration, time).then();
        });
        pacing = PublishPacing.pace(changes.asFlux(), GAP, REFRESH, publish, time).subscribe();
    }

    void changeAt(long ms) {
        time.advanceTimeTo(java.time.Instant.ofEpochMilli(ms));
        changes.tryEmitNext(true).orThrow();
    }

    void advanceTo(long ms) {
        time.advanceTimeTo(java.time.Instant.ofEpochMilli(ms));
    }

    @Test
    void publishesOnceRightAwayThenEveryRefreshWithoutChanges() {
        start(Duration.ZERO);
        advanceTo(35_000);
        assertThat(publishedAtMs).containsExactly(0L, 10_000L, 20_000L, 30_000L);
    }

    @Test
    void aChangeLongAfterTheLastPublishIsPublishedAtOnce() {
        start(Duration.ZERO);
        changeAt(3_000);
        changeAt(5_500);
        advanceTo(9_000);
        assertThat(publishedAtMs).containsExactly(0L, 3_000L, 5_500L);
    }

    @Test
    void changesWithinASecondArePublishedOnceASecondAfterTheLastPublish() {
        start(Duration.ZERO);
        changeAt(3_000); // published at once
        for (long t = 3_100; t < 4_000; t += 100) {
            changeAt(t); // nine more: one publish at 4 000 covers them all
        }
        advanceTo(6_000);
        assertThat(publishedAtMs).containsExactly(0L, 3_000L, 4_000L);
    }

    @Test
    void aSteadyStreamOfChangesIsPublishedAtMostOnceASecond() {
        start(Duration.ZERO);
        for (long t = 2_000; t <= 7_000; t += 50) {
            changeAt(t); // 101 changes, twenty a second
        }
        advanceTo(9_000);
        assertThat(publishedAtMs).containsExactly(0L, 2_000L, 3_000L, 4_000L, 5_000L, 6_000L, 7_000L, 8_000L);
    }

    @Test
    void aSlowPublishIsNeverOverlappedAndTheNextStartsWhenItEnds() {
        start(Duration.ofMillis(2_500));
        changeAt(100); // during the first publish (0 to 2 500)
        changeAt(200);
        advanceTo(9_000);
        assertThat(publishedAtMs).containsExactly(0L, 2_500L);
    }

    @Test
    void aChangeRightAfterARefreshWaitsForTheGap() {
        start(Duration.ZERO);
        changeAt(10_300); // the refresh published at 10 000
        advanceTo(12_000);
        assertThat(publishedAtMs).containsExactly(0L, 10_000L, 11_000L);
    }
}
