package dev.logquery.coordinator.loki;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.loki.LogQlAst.Expr;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.tail.LiveLine;
import dev.logquery.coordinator.tail.TailEvent;
import dev.logquery.coordinator.tail.TailFilter;
import dev.logquery.coordinator.tail.TailRequest;
import dev.logquery.coordinator.tail.TailStreams;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketSession;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /loki/api/v1/tail} as a WebSocket: Loki's tail messages
 * {@code {"streams": [{"stream": {labels}, "values": [["<ns>", "<line>"]]}], "dropped_entries": [...]}} from the
 * coordinator's live tail ({@link TailStreams}: one viewer with its bounded buffer and drop counting), with
 * {@code query} (a log query: the nodes' filters as the tail's filter, the rest by {@link LinePipeline}),
 * {@code start} (default an hour ago) and {@code limit} (default 100): first the newest {@code limit} stored lines
 * since {@code start} (oldest first, one message), then live lines as they come, at most
 * {@value #BATCH_LINES} per message or every {@value #BATCH_MILLIS} ms. Lines the viewer's buffer had to drop are
 * reported in {@code dropped_entries}, one entry (empty labels, the time it was noticed) per dropped line, at most
 * {@value #MAX_DROPPED_ENTRIES} per message. {@code delay_for} (0 to 5 s, as Loki allows) is accepted and not
 * needed: lines are sent as they arrive. A bad query closes the socket with status 1003 and Loki's error text.
 */
final class TailSocket implements WebSocketHandler {

    static final int BATCH_LINES = 100;
    static final long BATCH_MILLIS = 200;
    static final int MAX_DROPPED_ENTRIES = 100;
    /** Live events held while the stored lines are read (beyond: the viewer's buffer, then drops). */
    static final int LIVE_PREFETCH = 256;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final TailStreams streams;
    private final LogSearch search;
    private final AdmissionControl admission;
    private final LokiProperties props;
    private final int maxLimit;

    TailSocket(TailStreams streams, LogSearch search, AdmissionControl admission, LokiProperties props,
               int maxLimit) {
        this.streams = streams;
        this.search = search;
        this.admission = admission;
        this.props = props;
        this.maxLimit = maxLimit;
    }

    private record Tail(LogExpr expr, Instant start, int limit) {
    }

    Tail parse(Map<String, List<String>> params, Instant now) {
        Expr e = LogQl.parse(LokiParams.query(params));
        if (!(e instanceof LogExpr log)) {
            throw new LokiBadRequest("tail needs a log query, not a metric query");
        }
        Instant start = LokiParams.timestamp(LokiParams.first(params, "start"), now.minus(Duration.ofHours(1)), "start");
        int limit = LokiParams.limit(params, maxLimit);
        String delay = LokiParams.first(params, "delay_for");
        if (delay != null && !delay.isEmpty()) {
            int d;
            try {
                d = Integer.parseInt(delay);
            } catch (NumberFormatException x) {
                throw new LokiBadRequest("strconv.Atoi: parsing \"" + delay + "\": invalid syntax");
            }
            if (d < 0 || d > 5) {
                throw new LokiBadRequest("delay_for can't be greater than 5");
            }
        }
        return new Tail(log, start, limit);
    }

    @Override
    public Mono<Void> handle(WebSocketSession session) {
        Tail tail;
        try {
            Map<String, List<String>> params = new LinkedHashMap<>();
            UriComponentsBuilder.fromUri(session.getHandshakeInfo().getUri()).build(true).getQueryParams()
                    .forEach((k, v) -> params.put(decode(k), v.stream().map(TailSocket::decode).toList()));
            tail = parse(params, Instant.now());
        } catch (LokiBadRequest | LogQlException e) {
            return session.close(CloseStatus.NOT_ACCEPTABLE.withReason(reason(e.getMessage())));
        }
        if (!streams.admit()) {
            return session.close(CloseStatus.POLICY_VIOLATION.withReason("too many tail viewers; retry later"));
        }
        Pushdown push = Pushdown.of(tail.expr());
        if (push.none()) {
            return session.send(Mono.never()).and(session.receive().then());
        }
        LinePipeline pipeline = new LinePipeline(tail.expr());
        TailFilter filter = new TailFilter(push.service(), push.levels(), push.namespace(), push.pod(), push.contains(),
                push.attributes());
        ConnectableFlux<TailEvent> live = streams.stream(new TailRequest(filter, null)).publish(LIVE_PREFETCH);
        Disposable connection = live.connect(); // registered now, so nothing arriving while stored lines are read is lost
        Set<String> replayed = new HashSet<>();
        Flux<String> stored = replay(tail, push, pipeline).map(rows -> {
            rows.forEach(r -> replayed.add(key(r)));
            return rows.isEmpty() ? "" : message(rows, 0);
        }).filter(m -> !m.isEmpty()).flux();
        Flux<String> lines = live
                .concatMapIterable(TailEvent::events) // a batch: the lines and announcements it carries
                .filter(ev -> ev instanceof LiveLine || ev instanceof TailEvent.Dropped)
                .bufferTimeout(BATCH_LINES, Duration.ofMillis(BATCH_MILLIS))
                .map(batch -> {
                    List<StoredLogEntry> rows = new ArrayList<>();
                    long dropped = 0;
                    for (TailEvent ev : batch) {
                        if (ev instanceof LiveLine line) {
                            StoredLogEntry row = line.row();
                            if (!replayed.contains(key(row)) && pipeline.apply(row.entry()) != null) {
                                rows.add(row);
                            }
                        } else {
                            dropped += ((TailEvent.Dropped) ev).count();
                        }
                    }
                    return rows.isEmpty() && dropped == 0 ? "" : message(rows, dropped);
                })
                .filter(m -> !m.isEmpty());
        Flux<String> out = Flux.concat(stored, lines).doFinally(signal -> connection.dispose());
        return Mono.firstWithSignal(session.send(out.map(session::textMessage)), session.receive().then())
                .doFinally(signal -> connection.dispose());
    }

    /** The newest {@code limit} stored lines since {@code start} that pass the pipeline, oldest first. */
    private Mono<List<StoredLogEntry>> replay(Tail tail, Pushdown push, LinePipeline pipeline) {
        Instant now = Instant.now();
        if (!tail.start().isBefore(now)) {
            return Mono.just(List.of());
        }
        int pageSize = Math.min(maxLimit, Math.max(tail.limit(), Math.min(props.pageSize(), maxLimit)));
        return admission.acquire().flatMap(permit -> RowScan.rows(search, push.query(tail.start(), now, pageSize),
                                pageSize, props.maxScanRows(), new RowScan.Stats())
                        .filter(row -> pipeline.apply(row.entry()) != null)
                        .take(tail.limit())
                        .collectList()
                        .doFinally(signal -> permit.release()))
                .map(rows -> {
                    List<StoredLogEntry> oldestFirst = new ArrayList<>(rows);
                    oldestFirst.sort(Comparator.comparing((StoredLogEntry r) -> r.entry().timestamp()));
                    return oldestFirst;
                })
                .onErrorResume(e -> Mono.just(List.of())); // the live lines still come
    }

    private static String key(StoredLogEntry row) {
        return row.kafkaPartition() + "/" + row.offset();
    }

    /** One tail message: the rows by stream (in their order), and {@code dropped} lines. */
    static String message(List<StoredLogEntry> rows, long dropped) {
        Map<SortedMap<String, String>, List<LogEntry>> byStream = new LinkedHashMap<>();
        for (StoredLogEntry row : rows) {
            byStream.computeIfAbsent(LinePipeline.streamLabels(row.entry()), k -> new ArrayList<>()).add(row.entry());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + rows.size() * 128);
        try (JsonGenerator g = MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayPropertyStart("streams");
            byStream.forEach((labels, entries) -> {
                g.writeStartObject();
                g.writeObjectPropertyStart("stream");
                labels.forEach(g::writeStringProperty);
                g.writeEndObject();
                g.writeArrayPropertyStart("values");
                for (LogEntry e : entries) {
                    g.writeStartArray();
                    g.writeString(Long.toString(MetricQueries.epochNanos(e.timestamp())));
                    g.writeString(e.message());
                    g.writeEndArray();
                }
                g.writeEndArray();
                g.writeEndObject();
            });
            g.writeEndArray();
            if (dropped > 0) {
                String now = Long.toString(MetricQueries.epochNanos(Instant.now()));
                g.writeArrayPropertyStart("dropped_entries");
                for (long i = 0; i < Math.min(dropped, MAX_DROPPED_ENTRIES); i++) {
                    g.writeStartObject();
                    g.writeObjectPropertyStart("labels");
                    g.writeEndObject();
                    g.writeStringProperty("timestamp", now);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A close reason is at most 123 bytes. */
    private static String reason(String message) {
        byte[] b = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (b.length <= 120) {
            return message;
        }
        return new String(b, 0, 120, java.nio.charset.StandardCharsets.UTF_8).replace("\uFFFD", "");
    }
}
