package dev.logquery.coordinator.tail;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fan-out of the live tail: the tail reader {@link #publish publishes} each batch of Kafka records here, on
 * its one thread, and the hub offers each line to the viewers that want it (indexed by service, so that a line
 * is matched only against the viewers of its service and those without a service filter).
 *
 * <p><b>The seam.</b> Lines are numbered ({@code seq}) in the order the reader received them. Registering a
 * viewer and numbering a batch exclude each other (one short lock, never held while lines are offered): a viewer
 * gets exactly the lines numbered after its registration. Registration also hands out, atomically with that
 * number, the latest {@code recentLines} lines and the next Kafka offset of each partition, so that a replay of
 * stored lines can end exactly where the live lines begin: stored lines at or beyond those offsets will come live,
 * and recent lines the partition nodes have not stored yet come from the copy (see {@link ReplayMerge}).
 */
public final class TailHub {

    /** A registered viewer and what was true at its registration. */
    public record Registration(Viewer viewer, List<LiveLine> recent, Map<Integer, Long> nextOffsets) {
    }

    /** One record from Kafka, decoded. */
    public record Received(int kafkaPartition, long offset, long timestampMs, LogEntry entry) {
    }

    private final int maxViewers;
    private final int recentLines;
    private final long recentBytes;
    private final int shardCount;
    private final TailMetrics metrics;

    private final Object lock = new Object();
    /** The next line's number (guarded by lock). */
    private long nextSeq;
    /** The latest lines, oldest first, at most recentLines and recentBytes (guarded by lock). */
    private final ArrayDeque<LiveLine> recent = new ArrayDeque<>();
    /** The estimated memory of {@link #recent} (guarded by lock). */
    private long recentSize;
    /** Per Kafka partition, the offset of the next record the reader will receive (guarded by lock). */
    private final Map<Integer, Long> nextOffsets = new HashMap<>();

    private final Map<String, Set<Viewer>> byService = new ConcurrentHashMap<>();
    private final Set<Viewer> anyService = ConcurrentHashMap.newKeySet();
    private final AtomicInteger viewers = new AtomicInteger();
    /** Viewers that lost lines and have not been told yet (reader thread only). */
    private final Set<Viewer> owing = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * @param shardCount the number of shards, for the {@code partition} (shard) of each line: {@code p % shardCount}
     */
    public TailHub(int maxViewers, int recentLines, int shardCount, TailMetrics metrics) {
        this(maxViewers, recentLines, Long.MAX_VALUE, shardCount, metrics);
    }

    /**
     * @param recentBytes the most memory the recent lines may take ({@link LiveLine#estimatedBytes()})
     * @param shardCount  the number of shards, for the {@code partition} (shard) of each line: {@code p % shardCount}
     */
    public TailHub(int maxViewers, int recentLines, long recentBytes, int shardCount, TailMetrics metrics) {
        this.maxViewers = maxViewers;
        this.recentLines = recentLines;
        this.recentBytes = recentBytes;
        this.shardCount = Math.max(1, shardCount);
        this.metrics = metrics;
        metrics.viewers(viewers::get);
    }

    public int viewerCount() {
        return viewers.get();
    }

    public int maxViewers() {
        return maxViewers;
    }

    /** Whether another viewer would be accepted now. */
    public boolean hasRoom() {
        return viewers.get() < maxViewers;
    }

    /**
     * Registers a viewer, unless {@code maxViewers} are registered already.
     *
     * @param withRecent whether the registration carries a copy of the recent lines (for a replay)
     */
    public Optional<Registration> register(TailFilter filter, int bufferCapacity, boolean withRecent) {
        int n = viewers.incrementAndGet();
        if (n > maxViewers) {
            viewers.decrementAndGet();
            return Optional.empty();
        }
        synchronized (lock) {
            Viewer viewer = new Viewer(filter, nextSeq, bufferCapacity, metrics);
            if (filter.service() == null) {
                anyService.add(viewer);
            } else {
                byService.compute(filter.service(), (s, set) -> { // atomic with unregister's removal of an empty set
                    Set<Viewer> viewersOfService = set != null ? set : ConcurrentHashMap.newKeySet();
                    viewersOfService.add(viewer);
                    return viewersOfService;
                });
            }
            return Optional.of(new Registration(viewer, withRecent ? List.copyOf(recent) : List.of(),
                    Map.copyOf(nextOffsets)));
        }
    }

    /** Forgets a viewer (idempotent); its buffered lines are garbage. */
    public void unregister(Viewer viewer) {
        boolean removed;
        String service = viewer.filter().service();
        if (service == null) {
            removed = anyService.remove(viewer);
        } else {
            boolean[] found = new boolean[1];
            byService.computeIfPresent(service, (s, set) -> {
                found[0] = set.remove(viewer);
                return set.isEmpty() ? null : set;
            });
            removed = found[0];
        }
        if (removed) {
            viewer.leave();
            viewers.decrementAndGet();
        }
    }

    /** Reader thread: where reading starts (or resumes) in each partition, before any record of it. */
    public void startingAt(Map<Integer, Long> offsets) {
        synchronized (lock) {
            nextOffsets.putAll(offsets);
        }
    }

    /** Reader thread: the offsets the reader resumes from after a reconnect. */
    public Map<Integer, Long> nextOffsets() {
        synchronized (lock) {
            return Map.copyOf(nextOffsets);
        }
    }

    /** Reader thread: numbers a batch of records, keeps the latest, and offers each to the viewers that want it. */
    public void publish(List<Received> batch) {
        if (batch.isEmpty()) {
            return;
        }
        metrics.received(batch.size());
        List<byte[]> frames = new ArrayList<>(batch.size());
        List<StoredLogEntry> rows = new ArrayList<>(batch.size());
        for (Received r : batch) { // encoded once for all viewers, outside the lock
            StoredLogEntry row = new StoredLogEntry(r.entry(), r.kafkaPartition() % shardCount, r.kafkaPartition(), r.offset());
            rows.add(row);
            frames.add(SseFrames.line(row));
        }
        List<LiveLine> lines = new ArrayList<>(batch.size());
        synchronized (lock) {
            for (int i = 0; i < batch.size(); i++) {
                Received r = batch.get(i);
                LiveLine line = new LiveLine(nextSeq++, rows.get(i), r.timestampMs(), frames.get(i));
                lines.add(line);
                if (recentLines > 0 && line.estimatedBytes() <= recentBytes) {
                    recent.addLast(line);
                    recentSize += line.estimatedBytes();
                    while (recent.size() > recentLines || recentSize > recentBytes) {
                        recentSize -= recent.removeFirst().estimatedBytes();
                    }
                }
                nextOffsets.put(r.kafkaPartition(), r.offset() + 1);
            }
        }
        // The lines of each service go to that service's viewers, all lines to those without a service filter; what
        // the batch brings a viewer leaves as one event (one write, one flush), shared by the viewers that get the same.
        Map<String, List<LiveLine>> ofServices = new HashMap<>();
        for (LiveLine line : lines) {
            ofServices.computeIfAbsent(line.row().entry().service(), s -> new ArrayList<>(4)).add(line);
        }
        ofServices.forEach((service, ofService) -> {
            Set<Viewer> watching = byService.get(service);
            if (watching != null) {
                offer(watching, ofService);
            }
        });
        if (!anyService.isEmpty()) {
            offer(anyService, lines);
        }
    }

    private void offer(Set<Viewer> viewers, List<LiveLine> lines) {
        TailEvent whole = TailEvent.together(lines);
        for (Viewer v : viewers) {
            if (v.offer(lines, whole)) {
                owing.add(v);
            }
        }
    }

    /** Reader thread, after each poll: viewers that lost lines and have made room hear how many. */
    public void tick() {
        owing.removeIf(v -> v.gone() || !v.announceDrops());
    }

    /** Once the reader has stopped: every viewer's stream ends. */
    public void close() {
        byService.values().forEach(set -> set.forEach(Viewer::complete));
        anyService.forEach(Viewer::complete);
    }
}
