package dev.logquery.coordinator.tail;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.search.BoundedPage;
import dev.logquery.coordinator.search.LogSearch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Builds one viewer's stream of events: {@code : connected} once registered, then the {@code since} replay (if
 * asked) and {@code event: replayed}, then the live lines and drop announcements, with a heartbeat at a fixed
 * interval throughout. The viewer is registered when the stream is subscribed and unregistered as soon as it
 * ends for any reason (the client went away, the server stops), so a disconnect frees it at once.
 */
public class TailStreams {

    private static final Logger log = LoggerFactory.getLogger(TailStreams.class);
    /** Lines this far ahead of the coordinator's clock are still replayed (nodes accept up to a day ahead). */
    static final Duration FUTURE_SLACK = Duration.ofDays(1);

    private final TailHub hub;
    private final LogSearch search;
    private final TailProperties properties;
    private final TailMetrics metrics;
    private final AdmissionControl admission;
    private final long maxReplayBytes;

    /**
     * @param admission      replays are searches: they wait for a turn like queries (none within bounds: the
     *                       replay holds only the reader's recent lines and says it is partial)
     * @param maxReplayBytes the most the stored lines of one replay may take in memory (estimated)
     */
    public TailStreams(TailHub hub, LogSearch search, TailProperties properties, TailMetrics metrics,
                       AdmissionControl admission, long maxReplayBytes) {
        this.hub = hub;
        this.search = search;
        this.properties = properties;
        this.metrics = metrics;
        this.admission = admission;
        this.maxReplayBytes = maxReplayBytes;
    }

    /** Whether a new viewer would be accepted; a refusal is counted. */
    public boolean admit() {
        if (hub.hasRoom()) {
            return true;
        }
        metrics.rejected();
        return false;
    }

    /** The viewer's events; nothing is registered until it is subscribed. */
    public Flux<TailEvent> stream(TailRequest request) {
        return Flux.using(
                () -> hub.register(request.filter(), properties.viewerBuffer(), request.since() != null),
                registration -> registration.map(r -> events(r, request))
                        .orElseGet(() -> {
                            metrics.rejected();
                            return Flux.just(new TailEvent.Frame(SseFrames.tooManyViewers(hub.maxViewers())));
                        }),
                registration -> registration.ifPresent(r -> hub.unregister(r.viewer())));
    }

    private Flux<TailEvent> events(TailHub.Registration registration, TailRequest request) {
        Viewer viewer = registration.viewer();
        Sinks.Empty<Void> ended = Sinks.empty();
        Flux<TailEvent> lines = Flux.concat(
                        Mono.just(new TailEvent.Frame(SseFrames.CONNECTED)),
                        request.since() == null ? Flux.empty() : replay(registration, request),
                        viewer.live())
                .doFinally(signal -> ended.tryEmitEmpty());
        Flux<TailEvent> heartbeats = Flux.interval(properties.heartbeat())
                .onBackpressureDrop() // a viewer that cannot take a heartbeat does not need one
                .map(tick -> (TailEvent) new TailEvent.Frame(SseFrames.HEARTBEAT))
                .takeUntilOther(ended.asMono());
        return Flux.merge(lines, heartbeats).doOnNext(viewer::written);
    }

    /** The stored lines {@code since} asks for, joined to the live stream by {@link ReplayMerge}. */
    Flux<TailEvent> replay(TailHub.Registration registration, TailRequest request) {
        Instant now = Instant.now();
        Instant from;
        int limit;
        if (request.since() instanceof Since.Window window) {
            from = now.minus(window.window());
            limit = properties.maxReplayLines();
        } else {
            from = now.minus(properties.replayMaxAge());
            limit = ((Since.Lines) request.since()).count();
        }
        return admission.acquire()
                .flatMap(permit -> search.search(request.filter().query(from, now.plus(FUTURE_SLACK), limit))
                        .flatMap(execution -> BoundedPage.collect(execution.rows(), maxReplayBytes)
                                .flatMap(page -> execution.summary().map(summary ->
                                        // A replay cut by its size keeps its newest lines: the oldest are what it lacks.
                                        new Replay(ReplayMerge.merge(page.rows(), registration.recent(),
                                                registration.nextOffsets(), request.filter(), from, limit),
                                                summary.partial() || page.cut()))))
                        .doFinally(signal -> permit.release()))
                .onErrorResume(e -> {
                    log.warn("live tail: the replay of stored lines failed: {}", e.toString());
                    return Mono.just(new Replay(ReplayMerge.merge(List.of(), registration.recent(),
                            registration.nextOffsets(), request.filter(), from, limit), true));
                })
                .flatMapMany(replay -> {
                    metrics.replayed(replay.rows().size());
                    return Flux.fromIterable(replay.rows())
                            .map(row -> (TailEvent) new TailEvent.Frame(SseFrames.line(row)))
                            .concatWith(Mono.fromSupplier(() ->
                                    new TailEvent.Frame(SseFrames.replayed(replay.rows().size(), replay.partial()))));
                });
    }

    private record Replay(List<StoredLogEntry> rows, boolean partial) {
    }
}
