package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** The {@code warnings} of an answer, worded for Grafana's query inspector. */
final class Warnings {

    private Warnings() {
    }

    /** One warning naming the shards that failed, when any did: their lines are missing from the answer. */
    static List<String> partial(RowScan.Stats stats) {
        return partial(stats.failures());
    }

    /** One warning naming the shards that failed in any of {@code scans} (each shard once). */
    static List<String> partial(Collection<RowScan.Stats> scans) {
        TreeSet<ShardFailure> failures = new TreeSet<>(ShardFailure.ORDER);
        scans.forEach(s -> failures.addAll(s.failures()));
        return partial(List.copyOf(failures));
    }

    /** One warning naming {@code failures} ("shard N (reason)"), when there are any. */
    static List<String> partial(List<ShardFailure> failures) {
        if (failures.isEmpty()) {
            return List.of();
        }
        return List.of("partial answer: the lines of "
                + String.join(", ", failures.stream().map(ShardFailure::describe).toList())
                + " are missing (the shard failed or timed out)");
    }
}
