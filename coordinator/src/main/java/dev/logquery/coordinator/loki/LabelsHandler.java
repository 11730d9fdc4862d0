package dev.logquery.coordinator.loki;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.search.QueryMetrics;
import dev.logquery.coordinator.search.SearchService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code labels}, {@code label/{name}/values} and {@code series}. Level values come from the shards' hour-chunk
 * metadata (the levels stored in the hours that overlap the window), and so do label names when no selector narrows
 * them; the other values (services, namespaces, pods, containers) and series come from the newest
 * {@link LokiProperties#labelSampleRows()} rows of the window that match the selector: a service that wrote nothing
 * among them is not listed.
 */
final class LabelsHandler {

    private final SearchService search;
    private final ShardCatalog catalog;
    private final AdmissionControl admission;
    private final QueryMetrics metrics;
    private final LokiProperties props;
    private final int maxLimit;
    private final Duration maxWindow;
    private final Clock clock;

    LabelsHandler(SearchService search, ShardCatalog catalog, AdmissionControl admission, QueryMetrics metrics,
                  LokiProperties props, int maxLimit, Duration maxWindow, Clock clock) {
        this.search = search;
        this.catalog = catalog;
        this.admission = admission;
        this.metrics = metrics;
        this.props = props;
        this.maxLimit = maxLimit;
        this.maxWindow = maxWindow;
        this.clock = clock;
    }

    Mono<ServerResponse> names(ServerRequest request) {
        return read(request, (r, selector) -> {
            if (selector == null) {
                return levels(r.start(), r.end()).map(levels -> levels.isEmpty() ? List.<String>of()
                        : LinePipeline.STREAM_LABEL_NAMES);
            }
            return sample(r, selector).collect(TreeSet<String>::new, (names, labels) -> names.addAll(labels.keySet()))
                    .map(List::copyOf);
        });
    }

    Mono<ServerResponse> values(ServerRequest request) {
        String name = request.pathVariable("name");
        return read(request, (r, selector) -> {
            if (LogQl.LEVEL_LABELS.contains(name) && selector == null) {
                return levels(r.start(), r.end()).map(levels -> levels.levels().stream()
                        .map(l -> l.name().toLowerCase(Locale.ROOT)).sorted().toList());
            }
            if (!LinePipeline.STREAM_LABEL_NAMES.contains(name)) {
                return Mono.just(List.<String>of());
            }
            return sample(r, selector).<Set<String>>collect(TreeSet::new, (values, labels) -> {
                String v = labels.get(name);
                if (v != null) {
                    values.add(v);
                }
            }).map(List::copyOf);
        });
    }

    Mono<ServerResponse> series(ServerRequest request) {
        return LokiRequests.params(request).flatMap(params -> {
            LokiParams.MetadataRequest r;
            List<List<Matcher>> groups = new ArrayList<>();
            try {
                r = LokiParams.metadata(params, clock.instant(), props.labelsSince(), maxWindow);
                for (String m : r.match()) {
                    groups.add(LogQl.parseSelector(m));
                }
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            if (groups.isEmpty()) {
                groups.add(null);
            }
            return LokiRequests.admitted(admission, metrics, () -> Flux.fromIterable(groups)
                    .concatMap(selector -> sample(r, selector))
                    .collect(LinkedHashSet<SortedMap<String, String>>::new, Set::add)
                    .flatMap(series -> LokiRequests.json(LokiJson.series(series))));
        });
    }

    private interface Answer {
        Mono<List<String>> answer(LokiParams.MetadataRequest request, List<Matcher> selector);
    }

    /** Reads the parameters ({@code query} an optional selector), then answers a list of strings under admission. */
    private Mono<ServerResponse> read(ServerRequest request, Answer answer) {
        return LokiRequests.params(request).flatMap(params -> {
            LokiParams.MetadataRequest r;
            List<Matcher> selector;
            try {
                r = LokiParams.metadata(params, clock.instant(), props.labelsSince(), maxWindow);
                selector = r.query() == null ? null : LogQl.parseSelector(r.query());
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            return LokiRequests.admitted(admission, metrics, () -> answer.answer(r, selector)
                    .flatMap(strings -> LokiRequests.json(LokiJson.strings(strings))));
        });
    }

    /** The levels stored in the hour chunks of every shard that overlap the window. */
    private Mono<LevelSet> levels(Instant start, Instant end) {
        return catalog.current().map(shards -> {
            LevelSet levels = LevelSet.EMPTY;
            for (ShardCatalog.ShardState s : shards) {
                if (s.metadata() == null) {
                    return LevelSet.ALL; // unknown: any level may be stored
                }
                for (ChunkMetadata c : s.metadata().chunks()) {
                    if (!c.maxTime().isBefore(start) && !c.minTime().isAfter(end)) {
                        levels = levels.union(c.levels());
                    }
                }
            }
            return levels;
        });
    }

    /** The stream labels of the newest matching rows of the window, at most {@code labelSampleRows} rows read. */
    private Flux<SortedMap<String, String>> sample(LokiParams.MetadataRequest r, List<Matcher> selector) {
        Pushdown push = Pushdown.of(selector == null ? List.<Matcher>of() : selector);
        if (push.none()) {
            return Flux.empty();
        }
        int pageSize = Math.min(maxLimit, props.labelSampleRows());
        RowScan.Stats stats = new RowScan.Stats();
        return RowScan.rows(search, push.query(r.start(), r.end(), pageSize), pageSize, props.labelSampleRows(), stats)
                .map(StoredLogEntry::entry)
                .map(LinePipeline::streamLabels)
                .filter(labels -> selector == null || LinePipeline.selects(selector, labels));
    }
}
