package dev.logquery.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void untilReturnsTheFirstValueThatSatisfiesTheCondition() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        int value = Await.until(Duration.ofSeconds(5), "three calls", calls::incrementAndGet, n -> n >= 3);
        assertThat(value).isEqualTo(3);
    }

    @Test
    void untilFailsWithWhatItWaitedForAndTheLastValue() {
        assertThatThrownBy(() -> Await.until(Duration.ofMillis(120), "the answer", () -> 41, n -> n == 42))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for the answer")
                .hasMessageContaining("last value: 41");
    }

    @Test
    void stillAfterFailsAsSoonAsTheSignalShowsAnArrival() {
        AtomicInteger arrivals = new AtomicInteger();
        long start = System.nanoTime();
        assertThatThrownBy(() -> Await.stillAfter(Duration.ofSeconds(30), "duplicates",
                () -> arrivals.incrementAndGet() > 2 ? 1 : 0, n -> n > 0))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected no duplicates");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void stillAfterWatchesTheWholeWindowWhenNothingArrives() throws Exception {
        AtomicInteger looks = new AtomicInteger();
        long start = System.nanoTime();
        int last = Await.stillAfter(Duration.ofMillis(200), "arrivals", () -> looks.incrementAndGet() * 0, n -> n > 0);
        assertThat(last).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(looks.get()).isGreaterThan(1);
    }
}
