package dev.logquery.coordinator.tail;

import java.time.Duration;

/** What a viewer asked to see before the live lines: the lines of a recent time window, or the last few lines. */
public sealed interface Since {

    /** The matching stored lines of the last {@code window}. */
    record Window(Duration window) implements Since {
    }

    /** The last {@code count} matching stored lines. */
    record Lines(int count) implements Since {
    }
}
