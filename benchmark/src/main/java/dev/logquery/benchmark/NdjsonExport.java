package dev.logquery.benchmark;

import dev.logquery.benchmark.QueryMix.Request;
import dev.logquery.testkit.App;
import dev.logquery.testkit.LogQueryBuilder;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.node.ObjectNode;

/**
 * The query benchmark's last figure: one NDJSON answer of many lines streamed through the coordinator, whose heap
 * is sampled meanwhile (target: a million lines under a 256 MiB heap).
 */
final class NdjsonExport {

    private NdjsonExport() {
    }

    /**
     * Streams {@code lines} NDJSON lines of everything, sampling the coordinator's heap meanwhile; puts the figures
     * under {@code figures} too.
     */
    static String largeNdjson(App coordinator, String heap, Instant from, Instant end, int lines,
                              ScheduledExecutorService sampler, ObjectNode figures) throws Exception {
        double[] maxHeap = {0};
        double[] maxLive = {0};
        var task = sampler.scheduleAtFixedRate(() -> {
            try {
                PrometheusText p = PrometheusText.scrape(coordinator.url());
                maxHeap[0] = Math.max(maxHeap[0], p.sum("jvm_memory_used_bytes", "area", "heap"));
                maxLive[0] = Math.max(maxLive[0], p.sum("jvm_gc_live_data_size_bytes"));
            } catch (Exception missed) {
                // the next sample counts
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        Request all = new Request(LogQueryBuilder.between(from, end).limit(lines).build(), null);
        HttpResponse<InputStream> response = QueryLoad.HTTP.send(HttpRequest.newBuilder(URI.create(coordinator.url()
                                + "/api/query/logs")).header("Content-Type", "application/json")
                        .header("Accept", "application/x-ndjson").timeout(Duration.ofMinutes(10))
                        .POST(HttpRequest.BodyPublishers.ofString(QueryMix.body(all))).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long rows = 0;
        long bytes = 0;
        String last = "";
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                bytes += line.length() + 1;
                if (line.startsWith("{\"summary\"")) {
                    last = line;
                } else {
                    rows++;
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        task.cancel(false);
        double peakRss = ProcStatus.peakRssBytes(coordinator) / (double) (1 << 20);
        figures.put("lines", rows);
        figures.put("bytes", bytes);
        BenchmarkJson.num(figures, "seconds", seconds);
        BenchmarkJson.num(figures, "linesPerSecond", rows / seconds);
        figures.put("status", response.statusCode());
        figures.put("coordinatorHeap", heap);
        BenchmarkJson.num(figures, "heapUsedMaxMiB", maxHeap[0] / (1 << 20));
        BenchmarkJson.num(figures, "liveAfterGcMaxMiB", maxLive[0] / (1 << 20));
        BenchmarkJson.num(figures, "peakRssMiB", peakRss);
        figures.put("summary", last);
        return String.format(Locale.ROOT, "NDJSON answer: %,d lines (%,.0f MB) in %.1f s = %,.0f lines/s, status %d;"
                        + " coordinator -Xmx%s: heap used max %.0f MiB, live after GC max %.0f MiB, peak RSS %.0f MiB;"
                        + " summary %s", rows, bytes / 1e6, seconds, rows / seconds, response.statusCode(),
                heap, maxHeap[0] / (1 << 20), maxLive[0] / (1 << 20),
                peakRss, QueryLoad.abbreviate(last));
    }
}
