package dev.logquery.coordinator.topology;

/** One partition node of a shard: {@code index} is its place in the shard's replica list. */
public record Replica(int shard, int index, String url) {

    /** {@code shard-<shard>-replica-<index>}: the name of its circuit breaker. */
    public String name() {
        return "shard-" + shard + "-replica-" + index;
    }
}
