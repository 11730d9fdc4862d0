package dev.logquery.benchmark;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import reactor.core.Disposable;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * {@code count} SSE viewers on one Reactor Netty client with two event-loop threads and no connection pool.
 * Viewer {@code i} watches service {@code svc-(i % services)}. Delays are counted in 1 ms buckets up to 60 s.
 */
final class TailViewers {

    private final String url;
    private final int count;
    private final int services;
    private final reactor.netty.http.client.HttpClient client;
    private final List<Disposable> streams = new ArrayList<>();
    final AtomicInteger connected = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    /** Why viewers failed: the failure's class and message, with how many failed so. */
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    final AtomicLong lines = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    private final AtomicLongArray delayBuckets = new AtomicLongArray(60_001);
    private volatile long measuringSince = System.nanoTime();
    double connectSeconds;

    TailViewers(String url, int count, int services, LoopResources loops) {
        this.url = url;
        this.count = count;
        this.services = services;
        this.client = reactor.netty.http.client.HttpClient.create(ConnectionProvider.newConnection())
                .runOn(loops);
    }

    /**
     * Opens every viewer's stream and waits until each one is connected or failed, at most {@code timeout}: the
     * report then says how many connected, rather than the benchmark giving up on a slow machine.
     */
    void connect(Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String service = "svc-" + (i % services);
            StringBuilder pending = new StringBuilder();
            streams.add(client.get().uri(url + "/api/tail?service=" + service)
                    .responseContent().asString(StandardCharsets.UTF_8)
                    .subscribe(chunk -> receive(pending, chunk), this::failed,
                            () -> failures.merge("(not a failure) the stream ended", 1, Integer::sum)));
            if (i % 200 == 199) {
                Thread.sleep(50); // paces: about 4,000 connections a second, a burst of SYNs would overflow the backlog
            }
        }
        Await.upTo(timeout, () -> connected.get() + failed.get(), n -> n >= count);
        connectSeconds = (System.nanoTime() - t0) / 1e9;
    }

    private void failed(Throwable e) {
        failed.incrementAndGet();
        failures.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1, Integer::sum);
    }

    /**
     * One viewer's chunk: complete events are counted (a viewer's chunks arrive on one event loop, in order). The
     * client shares the machine with the coordinator, so it reads each event once and parses timestamps by fixed
     * positions ({@link Rfc3339}), not with a formatter.
     */
    private void receive(StringBuilder pending, String chunk) {
        long now = System.currentTimeMillis();
        pending.append(chunk);
        int from = 0;
        int end;
        while ((end = pending.indexOf("\n\n", from)) >= 0) {
            event(pending.substring(from, end), now);
            from = end + 2;
        }
        pending.delete(0, from);
    }

    private void event(String event, long now) {
        if (event.startsWith("id: ")) {
            lines.incrementAndGet();
            int at = event.indexOf("\"timestamp\":\"") + 13;
            Instant ts = Rfc3339.parse(event.substring(at, event.indexOf('"', at))).orElseThrow();
            int ms = (int) Math.max(0, Math.min(60_000, now - ts.toEpochMilli()));
            delayBuckets.incrementAndGet(ms);
        } else if (event.startsWith(": connected")) {
            connected.incrementAndGet();
        } else if (event.startsWith("event: error")) { // refused after all: the viewer limit was reached meanwhile
            failed.incrementAndGet();
            failures.merge(event, 1, Integer::sum);
        } else if (event.startsWith("event: dropped")) {
            dropped.addAndGet(Long.parseLong(event.replaceAll("(?s).*\"dropped\":(\\d+).*", "$1")));
        }
    }

    void reset() {
        lines.set(0);
        dropped.set(0);
        for (int i = 0; i < delayBuckets.length(); i++) {
            delayBuckets.set(i, 0);
        }
        measuringSince = System.nanoTime();
    }

    double seconds() {
        return (System.nanoTime() - measuringSince) / 1e9;
    }

    long delayPercentileMs(double q) {
        long total = 0;
        for (int i = 0; i < delayBuckets.length(); i++) {
            total += delayBuckets.get(i);
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < delayBuckets.length(); i++) {
            seen += delayBuckets.get(i);
            if (seen >= rank) {
                return i;
            }
        }
        return -1;
    }

    void close() {
        streams.forEach(Disposable::dispose);
    }
}
