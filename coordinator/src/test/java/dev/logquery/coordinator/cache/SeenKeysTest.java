package dev.logquery.coordinator.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SeenKeysTest {

    @Test
    void aKeyIsSeenFromItsSecondRequestOn() {
        SeenKeys seen = new SeenKeys(1_000);
        assertThat(seen.seenBefore("a")).isFalse();
        assertThat(seen.seenBefore("a")).isTrue();
        assertThat(seen.seenBefore("a")).isTrue();
        assertThat(seen.seenBefore("b")).isFalse();
    }

    @Test
    void aKeyIsRememberedForAtLeastOneCapacityOfLaterKeysAndForgottenAfterTwo() {
        SeenKeys seen = new SeenKeys(1_000);
        seen.seenBefore("dashboard");
        IntStream.range(0, 999).forEach(i -> seen.seenBefore("once-" + i));
        assertThat(seen.seenBefore("dashboard")).as("within one capacity").isTrue();
        IntStream.range(0, 2_000).forEach(i -> seen.seenBefore("later-" + i));
        assertThat(seen.seenBefore("dashboard")).as("after two capacities of other keys").isFalse();
    }

    @Test
    void fewKeysAskedOnceCountAsSeen() {
        SeenKeys seen = new SeenKeys(10_000);
        long falsePositives = IntStream.range(0, 10_000).filter(i -> seen.seenBefore("q-" + i)).count();
        assertThat(falsePositives).isLessThan(300); // 1 % planned for a full filter, checked against both filters
    }
}
