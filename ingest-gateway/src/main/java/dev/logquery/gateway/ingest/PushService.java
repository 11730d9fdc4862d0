package dev.logquery.gateway.ingest;

import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.gateway.kafka.KafkaSink;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One push, whatever its protocol: decompress and parse its body, map every line ({@link LineMapper}), hand the
 * accepted ones to Kafka ({@link KafkaSink}) and wait for their acknowledgement. The work runs on the gateway's
 * decode threads ({@code logquery.gateway.decode-threads}, with at most {@code decode-queue} pushes waiting; one
 * more: 429), never on an event loop.
 */
@Service
public class PushService implements DisposableBean {

    /** How many refusal details an answer quotes. */
    private static final int DETAILS = 3;

    private final LineMapper mapper;
    private final KafkaSink sink;
    private final GatewayMetrics metrics;
    private final Scheduler decode;

    public PushService(GatewayProperties properties, KafkaSink sink, GatewayMetrics metrics) {
        this.mapper = new LineMapper(properties.maxAge(), properties.maxFuture(), Clock.systemUTC());
        this.sink = sink;
        this.metrics = metrics;
        this.decode = Schedulers.newBoundedElastic(properties.effectiveDecodeThreads(), properties.decodeQueue(),
                "gateway-decode", 60, true);
    }

    /** What became of a push's lines (all acknowledged by Kafka when this is delivered). */
    public record Outcome(int accepted, Map<String, Integer> refused, List<String> details) {
        public int refusedLines() {
            return refused.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** "2 of 5 lines refused: 1 too_old, 1 invalid; first: ..." */
        public String summary() {
            int refusedLines = refusedLines();
            StringBuilder b = new StringBuilder().append(refusedLines).append(" of ").append(refusedLines + accepted)
                    .append(" lines refused (");
            String sep = "";
            for (Map.Entry<String, Integer> e : refused.entrySet()) {
                b.append(sep).append(e.getValue()).append(' ').append(e.getKey());
                sep = ", ";
            }
            b.append("), the other ").append(accepted).append(" written");
            for (String d : details) {
                b.append("; ").append(d);
            }
            return b.toString();
        }
    }

    /**
     * Decodes {@code body} with {@code parse} (given the arrival instant) and writes its lines. Fails with a
     * {@link PushFailure} for a malformed or oversized body, an overloaded gateway, or Kafka unavailable.
     */
    public Mono<Outcome> push(String protocol, Function<Instant, List<RawLine>> parse) {
        return Mono.fromCallable(() -> handOver(protocol, parse))
                .subscribeOn(decode)
                .onErrorMap(RejectedExecutionException.class, e -> PushFailure.overloaded(
                        "the gateway is decoding as many pushes as logquery.gateway.decode-queue allows: retry later"))
                // Kafka's acknowledgement completes on the producer's network thread: answer elsewhere.
                .flatMap(h -> Mono.fromFuture(h.acknowledged, true).publishOn(Schedulers.parallel())
                        .then(Mono.fromCallable(() -> {
                            metrics.accepted(protocol, h.outcome.accepted());
                            return h.outcome;
                        })));
    }

    private record HandedOver(Outcome outcome, CompletableFuture<Void> acknowledged) {
    }

    private HandedOver handOver(String protocol, Function<Instant, List<RawLine>> parse) {
        Instant now = mapper.now();
        List<RawLine> raw = parse.apply(now);
        List<LineMapper.Line> lines = new ArrayList<>(raw.size());
        Map<String, Integer> refused = new TreeMap<>();
        List<String> details = new ArrayList<>();
        int cuts = 0;
        for (int i = 0; i < raw.size(); i++) {
            LineMapper.Result r = mapper.map(raw.get(i), now);
            raw.set(i, null); // what is mapped need not stay in memory
            if (r instanceof LineMapper.Line line) {
                lines.add(line);
                cuts += line.attributesCut();
            } else if (r instanceof LineMapper.Refused no) {
                refused.merge(no.reason(), 1, Integer::sum);
                if (details.size() < DETAILS) {
                    details.add("line " + i + ": " + no.reason() + ": " + no.detail());
                }
            }
        }
        metrics.attributeCuts(cuts);
        refused.forEach((reason, n) -> metrics.refused(protocol, reason, n));
        CompletableFuture<Void> acknowledged = sink.send(lines);
        return new HandedOver(new Outcome(lines.size(), refused, details), acknowledged);
    }

    @Override
    public void destroy() {
        decode.dispose();
    }
}
