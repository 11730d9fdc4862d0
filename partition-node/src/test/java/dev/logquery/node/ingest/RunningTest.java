package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Running}: a stopping loop does not sit out its waits. Nothing here may take the wait it asks for. */
@Timeout(value = 5, unit = TimeUnit.SECONDS)
class RunningTest {

    @Test
    void aLoopToStopDoesNotWait() {
        Running running = new Running();
        assertThat(running.getAsBoolean()).isFalse();
        running.pause(60_000);
    }

    @Test
    void anInterruptEndsTheWaitAndStaysSet() {
        Running running = new Running();
        running.set(true);
        Thread.currentThread().interrupt();
        try {
            running.pause(60_000);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted(); // leave the test thread as it was
        }
        assertThat(running.getAsBoolean()).isTrue();
    }
}
