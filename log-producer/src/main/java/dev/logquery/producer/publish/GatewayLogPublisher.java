package dev.logquery.producer.publish;

import dev.logquery.common.model.LogEntry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends log entries through the ingest gateway, the way an OpenTelemetry SDK or Collector would: OTLP/HTTP
 * protobuf ({@code POST <gateway>/v1/logs}), one request per batch of up to {@code batchLines} entries (sent when
 * full or after {@code linger}), lines of one pod grouped under one resource ({@code service.name},
 * {@code k8s.namespace.name}, {@code k8s.pod.name}, {@code k8s.container.name}, plus the entry's attributes).
 * An entry counts as sent when the gateway answered 2xx for its request and did not list it as rejected; a
 * {@code 429} or {@code 503} is retried after its {@code Retry-After} (bounded attempts), any other answer
 * fails the batch. At most {@code maxInFlight} entries await an answer; {@link #publish} blocks beyond that.
 */
public final class GatewayLogPublisher implements LogPublisher {

    private static final Logger log = LoggerFactory.getLogger(GatewayLogPublisher.class);
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(10);

    private final URI endpoint;
    private final String token;
    private final int batchLines;
    private final HttpClient http;
    private final InFlight inFlight;
    private final PublishListener listener;
    private final ScheduledExecutorService timer;
    private List<LogEntry> batch;
    private long batchStartNanos;

    /**
     * @param gateway     the gateway's base URL, e.g. {@code http://localhost:8085}
     * @param token       a bearer token when the gateway wants one, else null
     * @param batchLines  entries per request
     * @param linger      how long a batch may wait to fill up
     * @param maxInFlight entries awaiting an answer before {@code publish} blocks
     */
    public GatewayLogPublisher(URI gateway, String token, int batchLines, Duration linger, int maxInFlight,
                               PublishListener listener) {
        if (batchLines < 1 || maxInFlight < batchLines) {
            throw new IllegalArgumentException("need 1 <= batchLines <= maxInFlight, have " + batchLines + " and "
                    + maxInFlight);
        }
        this.endpoint = gateway.resolve("/v1/logs");
        this.token = token == null || token.isBlank() ? null : token;
        this.batchLines = batchLines;
        this.inFlight = new InFlight(maxInFlight);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.batch = new ArrayList<>(batchLines);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-publisher-linger");
            t.setDaemon(true);
            return t;
        });
        long lingerNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), linger.toNanos());
        timer.scheduleWithFixedDelay(() -> sendIfOlderThan(lingerNanos), lingerNanos, lingerNanos,
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void publish(LogEntry entry) throws InterruptedException {
        inFlight.acquire();
        List<LogEntry> full = null;
        synchronized (this) {
            if (batch.isEmpty()) {
                batchStartNanos = System.nanoTime();
            }
            batch.add(entry);
            if (batch.size() >= batchLines) {
                full = takeBatch();
            }
        }
        if (full != null) {
            send(full, 1);
        }
    }

    private synchronized List<LogEntry> takeBatch() {
        List<LogEntry> taken = batch;
        batch = new ArrayList<>(batchLines);
        return taken;
    }

    private void sendIfOlderThan(long lingerNanos) {
        List<LogEntry> due;
        synchronized (this) {
            if (batch.isEmpty() || System.nanoTime() - batchStartNanos < lingerNanos) {
                return;
            }
            due = takeBatch();
        }
        send(due, 1);
    }

    /** The OTLP request for a batch: one resource per (service, namespace, pod, container, attributes). */
    static ExportLogsServiceRequest request(List<LogEntry> entries) {
        Map<List<Object>, ScopeLogs.Builder> byResource = new LinkedHashMap<>();
        Map<List<Object>, Resource> resources = new LinkedHashMap<>();
        for (LogEntry e : entries) {
            List<Object> key = java.util.Arrays.asList(e.service(), e.namespace(), e.pod(), e.container(),
                    e.attributes());
            ScopeLogs.Builder scope = byResource.computeIfAbsent(key, k -> {
                Resource.Builder r = Resource.newBuilder();
                attribute(r, "service.name", e.service());
                attribute(r, "k8s.namespace.name", e.namespace());
                attribute(r, "k8s.pod.name", e.pod());
                attribute(r, "k8s.container.name", e.container());
                e.attributes().forEach((name, value) -> attribute(r, name, value));
                resources.put(k, r.build());
                return ScopeLogs.newBuilder();
            });
            Instant t = e.timestamp();
            scope.addLogRecords(LogRecord.newBuilder()
                    .setTimeUnixNano(t.getEpochSecond() * 1_000_000_000L + t.getNano())
                    .setSeverityText(e.level().name())
                    .setBody(AnyValue.newBuilder().setStringValue(e.message())));
        }
        ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
        byResource.forEach((key, scope) -> request.addResourceLogs(ResourceLogs.newBuilder()
                .setResource(resources.get(key)).addScopeLogs(scope)));
        return request.build();
    }

    private static void attribute(Resource.Builder r, String key, String value) {
        if (value != null) {
            r.addAttributes(KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)));
        }
    }

    private void send(List<LogEntry> entries, int attempt) {
        long start = System.nanoTime();
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request(entries).toByteArray()));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<HttpResponse<byte[]>> answer;
        try {
            answer = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            done(entries, 0, e);
            return;
        }
        answer.whenComplete((response, error) -> {
            if (error != null) {
                retryOrFail(entries, attempt, Duration.ofSeconds(1), error);
                return;
            }
            int status = response.statusCode();
            if (status == 429 || status == 503) {
                retryOrFail(entries, attempt, retryAfter(response),
                        new IOException("gateway answered " + status));
                return;
            }
            if (status / 100 != 2) {
                done(entries, 0, new IOException("gateway answered " + status + ": "
                        + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
                return;
            }
            long rejected = 0;
            try {
                rejected = ExportLogsServiceResponse.parseFrom(response.body()).getPartialSuccess()
                        .getRejectedLogRecords();
            } catch (IOException e) {
                // an empty or foreign body: nothing reported rejected
            }
            long latency = System.nanoTime() - start;
            int accepted = (int) Math.max(0, entries.size() - rejected);
            for (int i = 0; i < accepted; i++) {
                listener.onSent(latency);
            }
            done(entries, accepted, rejected == 0 ? null
                    : new IOException("gateway refused " + rejected + " of " + entries.size() + " lines"));
        });
    }

    private void retryOrFail(List<LogEntry> entries, int attempt, Duration delay, Throwable error) {
        if (attempt >= MAX_ATTEMPTS) {
            done(entries, 0, error);
            return;
        }
        timer.schedule(() -> send(entries, attempt + 1), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim())));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(1);
            }
        }).map(d -> d.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : d).orElse(Duration.ofSeconds(1));
    }

    /** {@code accepted} of the batch's entries went through; the rest failed with {@code error}. */
    private void done(List<LogEntry> entries, int accepted, Throwable error) {
        inFlight.sent(accepted);
        int failed = entries.size() - accepted;
        if (failed > 0) {
            Exception e = error instanceof Exception ex ? ex : new IOException(String.valueOf(error));
            for (int i = 0; i < failed; i++) {
                listener.onError(e);
            }
            inFlight.failed(failed, log, "pushing to " + endpoint, e);
        }
        inFlight.release(entries.size());
    }

    @Override
    public boolean flush(Duration timeout) throws InterruptedException {
        List<LogEntry> rest = takeBatch();
        if (!rest.isEmpty()) {
            send(rest, 1);
        }
        return inFlight.awaitNone(timeout);
    }

    @Override
    public InFlight counts() {
        return inFlight;
    }

    @Override
    public String destination() {
        return "gateway " + endpoint;
    }

    @Override
    public void close(Duration timeout) {
        try {
            flush(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            timer.shutdownNow();
        }
    }
}
