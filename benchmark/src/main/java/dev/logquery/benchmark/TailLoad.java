package dev.logquery.benchmark;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The tail benchmark's workload besides the viewers: lines produced at a steady rate over many services, and the
 * query load whose latency is compared without and with the viewers.
 */
final class TailLoad {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TailLoad() {
    }

    /** Every 10 ms, a hundredth of a second's lines, round-robin over the services; timestamps are the send time. */
    static void startProducing(KafkaProducer<String, byte[]> producer, String topic, TailOptions o,
                               ScheduledExecutorService clock, AtomicLong produced) {
        Random random = new Random(7);
        LogLevel[] levels = LogLevel.values();
        double perTick = o.rate() / 100.0;
        double[] owed = {0};
        clock.scheduleAtFixedRate(() -> {
            owed[0] += perTick;
            while (owed[0] >= 1) {
                owed[0]--;
                long n = produced.getAndIncrement();
                String service = "svc-" + (n % o.services());
                LogEntry e = new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), service,
                        levels[random.nextInt(levels.length)], "ns-" + (n % 7), service + "-pod-" + (n % 3), "app",
                        "request " + n + " handled in " + random.nextInt(500) + " ms");
                producer.send(new ProducerRecord<>(topic, service, LogEntryCodec.encode(e)));
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** {@code queryClients} threads querying one service's last 100 lines of the last 10 minutes: {p50, p99, count}. */
    static double[] queries(String url, TailOptions o, int seconds) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(o.queryClients());
        try {
            long until = System.nanoTime() + seconds * 1_000_000_000L;
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < o.queryClients(); t++) {
                long seed = t;
                results.add(threads.submit(() -> {
                    Random r = new Random(seed);
                    long[] lat = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < until) {
                        Instant end = Instant.now();
                        String body = "{\"startTime\":\"" + Rfc3339.format(end.minus(Duration.ofMinutes(10)))
                                + "\",\"endTime\":\"" + Rfc3339.format(end) + "\",\"serviceName\":\"svc-"
                                + r.nextInt(o.services()) + "\",\"limit\":100}";
                        long t0 = System.nanoTime();
                        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/query/logs"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - t0) / 1000;
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException("query answered " + response.statusCode() + ": " + response.body());
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = micros;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<long[]> f : results) {
                for (long l : f.get(seconds + 60L, TimeUnit.SECONDS)) {
                    all.add(l);
                }
            }
            long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
            return new double[] {percentile(sorted, 0.5) / 1000.0, percentile(sorted, 0.99) / 1000.0, sorted.length};
        } finally {
            threads.shutdownNow();
        }
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
