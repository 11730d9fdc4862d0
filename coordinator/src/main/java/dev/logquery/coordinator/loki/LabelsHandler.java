package dev.logquery.coordinator.loki;

import dev.logquery.common.metadata.ChunkMetadata;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.catalog.ShardCatalog;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
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
 * metadata (the levels stored in the hours that overlap the window), and so do the built-in label names when no
 * selector narrows them; attribute label names, the other values (services, namespaces, pods, containers,
 * attributes) and series come from the newest
 * {@link LokiProperties#labelSampleRows()} rows of the window that match the selector: a service that wrote nothing
 * among them is not listed.
 */
final class LabelsHandler {

    private final LokiContext context;
    private final ShardCatalog catalog;

    LabelsHandler(LokiContext context, ShardCatalog catalog) {
        this.context = context;
        this.catalog = catalog;
    }

    Mono<ServerResponse> names(ServerRequest request) {
        return read(request, (r, selector, stats) -> {
            if (selector == null) {
                // the built-in names when anything is stored, and the attribute keys of the newest rows
                return stored(r.start(), r.end()).flatMap(stored -> stored.levels().isEmpty() ? Mono.just(List.<String>of())
                        : !stored.attributes() ? Mono.just(LinePipeline.STREAM_LABEL_NAMES)
                        : sample(r, null, stats).collect(() -> new TreeSet<>(LinePipeline.STREAM_LABEL_NAMES),
                                (TreeSet<String> names, SortedMap<String, String> labels) -> names.addAll(labels.keySet()))
                                .map(List::copyOf));
            }
            return sample(r, selector, stats).collect(TreeSet<String>::new, (names, labels) -> names.addAll(labels.keySet()))
                    .map(List::copyOf);
        });
    }

    Mono<ServerResponse> values(ServerRequest request) {
        String name = request.pathVariable("name");
        return read(request, (r, selector, stats) -> {
            if (LogQl.LEVEL_LABELS.contains(name) && selector == null) {
                return levels(r.start(), r.end()).map(levels -> levels.levels().stream()
                        .map(l -> l.name().toLowerCase(Locale.ROOT)).sorted().toList());
            }
            return sample(r, selector, stats).<Set<String>>collect(TreeSet::new, (values, labels) -> {
                String v = labels.get(name);
                if (v != null) {
                    values.add(v);
                }
            }).map(List::copyOf);
        });
    }

    Mono<ServerResponse> series(ServerRequest request) {
        return context.handle(request, params -> {
            LokiParams.MetadataRequest r = context.metadata(params);
            List<List<Matcher>> groups = new ArrayList<>();
            for (String m : r.match()) {
                groups.add(LogQl.parseSelector(m));
            }
            if (groups.isEmpty()) {
                groups.add(null);
            }
            return new Series(r, groups);
        }, s -> context.admitted(() -> {
            // a scan per selector (each its own sample bound), their failed shards named once
            List<RowScan.Stats> scans = new ArrayList<>();
            return Flux.fromIterable(s.groups())
                    .concatMap(selector -> {
                        RowScan.Stats stats = new RowScan.Stats();
                        scans.add(stats);
                        return sample(s.request(), selector, stats);
                    })
                    .collect(LinkedHashSet<SortedMap<String, String>>::new, Set::add)
                    .flatMap(series -> {
                        List<String> warnings = Warnings.partial(scans);
                        context.metrics().answered(!warnings.isEmpty());
                        return LokiRequests.json(LokiJson.series(series, warnings));
                    });
        }));
    }

    /** A {@code series} request: one selector per {@code match[]}, or one null (every stream) without any. */
    private record Series(LokiParams.MetadataRequest request, List<List<Matcher>> groups) {
    }

    /** A request of labels or label values: {@code query} an optional selector (null: none). */
    private record Selected(LokiParams.MetadataRequest request, List<Matcher> selector) {
    }

    private interface Answer {
        /** The strings answered; the shards that failed in a scan recorded in {@code stats}. */
        Mono<List<String>> answer(LokiParams.MetadataRequest request, List<Matcher> selector, RowScan.Stats stats);
    }

    /** Reads the parameters ({@code query} an optional selector), then answers a list of strings under admission. */
    private Mono<ServerResponse> read(ServerRequest request, Answer answer) {
        return context.handle(request, params -> {
            LokiParams.MetadataRequest r = context.metadata(params);
            return new Selected(r, r.query() == null ? null : LogQl.parseSelector(r.query()));
        }, s -> context.admitted(() -> {
            RowScan.Stats stats = new RowScan.Stats();
            return answer.answer(s.request(), s.selector(), stats).flatMap(strings -> {
                List<String> warnings = Warnings.partial(stats);
                context.metrics().answered(!warnings.isEmpty());
                return LokiRequests.json(LokiJson.strings(strings, warnings));
            });
        }));
    }

    /** The levels stored in the hour chunks of every shard that overlap the window. */
    private Mono<LevelSet> levels(Instant start, Instant end) {
        return stored(start, end).map(Stored::levels);
    }

    /**
     * What the shards' metadata says the window holds: its levels, and whether any line may have attributes
     * (false only when every overlapping hour chunk has a known, empty attribute bloom).
     */
    private record Stored(LevelSet levels, boolean attributes) {
    }

    private Mono<Stored> stored(Instant start, Instant end) {
        return catalog.current().map(shards -> {
            LevelSet levels = LevelSet.EMPTY;
            boolean attributes = false;
            for (ShardCatalog.ShardState s : shards) {
                if (s.metadata() == null) {
                    return new Stored(LevelSet.ALL, true); // unknown: any level, any attribute may be stored
                }
                for (ChunkMetadata c : s.metadata().chunks()) {
                    if (!c.maxTime().isBefore(start) && !c.minTime().isAfter(end)) {
                        levels = levels.union(c.levels());
                        attributes |= c.attributes() == null || c.attributes().expectedFpp() > 0;
                    }
                }
            }
            return new Stored(levels, attributes);
        });
    }

    /** The stream labels of the newest matching rows of the window, at most {@code labelSampleRows} rows read. */
    private Flux<SortedMap<String, String>> sample(LokiParams.MetadataRequest r, List<Matcher> selector,
                                                   RowScan.Stats stats) {
        Pushdown push = Pushdown.of(selector == null ? List.<Matcher>of() : selector);
        if (push.none()) {
            return Flux.empty();
        }
        return context.sample(push, r.start(), r.end(), stats)
                .map(StoredLogEntry::entry)
                .map(LinePipeline::streamLabels)
                .filter(labels -> selector == null || LinePipeline.selects(selector, labels));
    }
}
