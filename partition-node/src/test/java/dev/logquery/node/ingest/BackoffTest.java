package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Backoff}: 100 ms doubling to 5 s, and from 100 ms again after a success. */
class BackoffTest {

    @Test
    void doublesUpToFiveSecondsAndStartsAgainAfterAReset() {
        Backoff backoff = new Backoff();
        long[] waits = new long[9];
        for (int i = 0; i < waits.length; i++) {
            waits[i] = backoff.next();
        }
        assertThat(waits).containsExactly(100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000);
        backoff.reset();
        assertThat(backoff.next()).isEqualTo(100);
        assertThat(backoff.next()).isEqualTo(200);
    }
}
