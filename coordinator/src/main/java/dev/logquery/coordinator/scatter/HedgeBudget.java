package dev.logquery.coordinator.scatter;

/**
 * How many hedged requests the coordinator may send: a token bucket that every shard query fills by
 * {@code percent / 100} of a token and every hedge empties by one (as gRPC throttles its retries). Hedges
 * thus stay near {@code percent} percent of the shard queries, with a burst of {@link #MAX_TOKENS} after a
 * quiet time: when every replica is slow (an overloaded machine), hedging stops instead of doubling the load.
 */
final class HedgeBudget {

    static final double MAX_TOKENS = 10;

    private final double perQuery;
    private double tokens = MAX_TOKENS;

    HedgeBudget(int percent) {
        this.perQuery = percent / 100.0;
    }

    /** A shard query was sent. */
    synchronized void earn() {
        tokens = Math.min(MAX_TOKENS, tokens + perQuery);
    }

    /** Whether a hedge may be sent now (it then spends a token). */
    synchronized boolean trySpend() {
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
