package dev.logquery.node.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class KeepAliveTest {

    static final Duration EVERY = Duration.ofMillis(500);

    @Test
    void aSlowAnswerGetsABlankLineEveryIntervalAndNoneAfterItsEnd() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Flux<String> answer = Mono.delay(Duration.ofMillis(1_700), time).thenMany(Flux.just("row1", "row2"));
        StepVerifier.withVirtualTime(() -> KeepAlive.around(answer, EVERY, () -> "", time, 4), () -> time, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1_600))
                .expectNext("", "", "")
                .thenAwait(Duration.ofMillis(100))
                .expectNext("row1", "row2")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void aQuickAnswerHasNoBlankLine() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        StepVerifier.create(KeepAlive.around(Flux.just("a", "b"), EVERY, () -> "", time, 4))
                .expectNext("a", "b")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        time.advanceTimeBy(Duration.ofSeconds(10));
    }

    @Test
    void anErrorEndsTheAnswerAndItsBlankLines() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Flux<String> answer = Mono.delay(Duration.ofMillis(1_200), time)
                .thenMany(Flux.<String>error(new IllegalStateException("scan failed")));
        StepVerifier.withVirtualTime(() -> KeepAlive.around(answer, EVERY, () -> "", time, 4),
                        () -> time, Long.MAX_VALUE)
                .expectSubscription()
                .thenAwait(Duration.ofMillis(1_300))
                .expectNext("", "")
                .expectErrorMessage("scan failed")
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void blankLinesDoNotPileUpWhileTheClientAsksForNothing() {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        Flux<String> answer = Mono.delay(Duration.ofMillis(30_250), time).thenMany(Flux.just("row"));
        StepVerifier.withVirtualTime(() -> KeepAlive.around(answer, EVERY, () -> "", time, 4), () -> time, 0)
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(20)) // 40 intervals while nothing is asked
                .thenRequest(100)
                .expectNext("", "", "", "")
                .thenAwait(Duration.ofMillis(10_250)) // 20 more intervals, then the row
                .expectNextCount(20)
                .expectNext("row")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
    }

    @Test
    void zeroIsOff() {
        Flux<String> answer = Flux.just("a");
        assertThat(KeepAlive.around(answer, Duration.ZERO, () -> "", null, 4))
                .isSameAs(answer);
    }
}
