package dev.logquery.coordinator.loki;

import java.util.List;

/** The {@code warnings} of an answer, worded for Grafana's query inspector. */
final class Warnings {

    private Warnings() {
    }

    /** One warning naming the shards that failed, when any did: their lines are missing from the answer. */
    static List<String> partial(RowScan.Stats stats) {
        List<String> failures = stats.failures();
        if (failures.isEmpty()) {
            return List.of();
        }
        return List.of("partial answer: the lines of " + String.join(", ", failures)
                + " are missing (the shard failed or timed out)");
    }
}
