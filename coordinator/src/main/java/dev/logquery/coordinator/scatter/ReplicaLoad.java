package dev.logquery.coordinator.scatter;

import dev.logquery.coordinator.config.CoordinatorProperties;
import dev.logquery.coordinator.topology.Replica;
import dev.logquery.coordinator.topology.Shard;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * How busy and how quick each replica has been, for choosing among a shard's healthy replicas (a simple form
 * of Elasticsearch's adaptive replica selection): per replica a moving average of the time to its first row
 * and the number of queries it is answering now. A replica's rank is {@code (inFlight + 1) * average}: the
 * quick and idle one is asked, a slow or crowded one less, a replica never measured first (so it gets
 * measured). A replica passed over sees its average decay a little, so one that was slow once (a cold JVM, a
 * pause) is tried again after a while instead of never. Equal ranks are broken at random, which spreads load.
 */
@Component
public class ReplicaLoad {

    /** Weight of the newest sample in the moving average. */
    static final double ALPHA = 0.3;
    /** Factor applied to the average of a replica that another was preferred to. */
    static final double DECAY = 0.97;

    private final Map<Replica, Stats> stats = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;

    @Autowired
    public ReplicaLoad(CoordinatorProperties properties) {
        this(properties, System::nanoTime);
    }

    /** @param nanoClock what the time is, in nanoseconds ({@link System#nanoTime()} but in tests) */
    ReplicaLoad(CoordinatorProperties properties, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        for (Shard shard : properties.shards()) {
            shard.replicaList().forEach(this::of);
        }
    }

    private Stats of(Replica replica) {
        return stats.computeIfAbsent(replica, r -> new Stats());
    }

    /**
     * {@code replicas} sorted by their {@code group} (the rank of their breaker's state, see
     * {@link ReplicaBreakers#order}), within a group by rank, best first. The others of the best one's group
     * decay.
     */
    public List<Replica> order(List<Replica> replicas, ToIntFunction<Replica> group) {
        record Ranked(Replica replica, int group, double rank) {
        }
        List<Ranked> ranked = new ArrayList<>(replicas.size());
        for (Replica r : replicas) { // a snapshot: the figures change while we sort
            ranked.add(new Ranked(r, group.applyAsInt(r), of(r).rank()));
        }
        Collections.shuffle(ranked, ThreadLocalRandom.current());
        ranked.sort(Comparator.comparingInt(Ranked::group).thenComparingDouble(Ranked::rank));
        for (int i = 1; i < ranked.size() && ranked.get(i).group() == ranked.get(0).group(); i++) {
            of(ranked.get(i).replica()).decay();
        }
        return ranked.stream().map(Ranked::replica).toList();
    }

    /** A query sent to {@code replica} now; tell it how it went, then {@link Call#end()}. */
    public Call start(Replica replica) {
        Stats s = of(replica);
        s.inFlight.incrementAndGet();
        return new Call(s, nanoClock);
    }

    /** The moving average of the replica's time to its first row, in milliseconds (0 before any sample). */
    public double averageMillis(Replica replica) {
        return of(replica).averageNanos / 1e6;
    }

    /** How many queries the replica is answering now. */
    public int inFlight(Replica replica) {
        return of(replica).inFlight.get();
    }

    /** One query to one replica. */
    public static final class Call {
        private final Stats stats;
        private final LongSupplier nanoClock;
        private final long started;
        private boolean ended;

        Call(Stats stats, LongSupplier nanoClock) {
            this.stats = stats;
            this.nanoClock = nanoClock;
            this.started = nanoClock.getAsLong();
        }

        /**
         * The first row came (or the replica finished without one): the time it took is a sample. Also for a
         * call abandoned before its first row (another replica was quicker, a timeout): it took at least this
         * long, so the sample is a fair penalty.
         */
        public void sample() {
            stats.sample(nanoClock.getAsLong() - started);
        }

        /** The call is over, however it ended. */
        public synchronized void end() {
            if (!ended) {
                ended = true;
                stats.inFlight.decrementAndGet();
            }
        }
    }

    static final class Stats {
        final AtomicInteger inFlight = new AtomicInteger();
        volatile double averageNanos;

        synchronized void sample(long nanos) {
            averageNanos = averageNanos == 0 ? nanos : ALPHA * nanos + (1 - ALPHA) * averageNanos;
        }

        synchronized void decay() {
            averageNanos *= DECAY;
        }

        double rank() {
            return (inFlight.get() + 1) * averageNanos;
        }
    }
}
