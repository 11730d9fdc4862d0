package dev.logquery.coordinator.loki;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.coordinator.admission.AdmissionControl;
import dev.logquery.coordinator.search.LogSearch;
import dev.logquery.coordinator.search.QueryMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the Loki handlers that read rows ({@link QueryHandler}, {@link LabelsHandler}, {@link DetectedHandler}) work
 * with, and the steps their requests take the same way: read the parameters (one that cannot be read is Loki's
 * plain-text 400), answer under the admission control of every query, and sample the newest rows of a window for
 * labels and fields. One place, so that the handlers differ only in what they answer.
 *
 * @param search    the search every row comes from (the pruning, scatter and merge of {@code POST /api/query/logs})
 * @param maxLimit  the coordinator's largest {@code limit}, also the largest page a scan asks
 * @param maxWindow the longest window a request may ask
 * @param clock     what "now" is, for default and relative times
 */
record LokiContext(LogSearch search, AdmissionControl admission, QueryMetrics metrics, LokiProperties props,
                   int maxLimit, Duration maxWindow, Clock clock) {

    /**
     * Reads what a handler needs from a request's parameters; throws {@link LokiBadRequest} or
     * {@link LogQlException} when they say something it cannot use.
     */
    interface Reading<R> {
        R read(Map<String, List<String>> params);
    }

    /** The request read by {@code reading} (400 when it cannot be), then answered by {@code answer}. */
    <R> Mono<ServerResponse> handle(ServerRequest request, Reading<R> reading,
                                    Function<R, Mono<ServerResponse>> answer) {
        return LokiRequests.params(request).flatMap(params -> {
            R read;
            try {
                read = reading.read(params);
            } catch (LokiBadRequest | LogQlException e) {
                return LokiRequests.badRequest(metrics, e);
            }
            return answer.apply(read);
        });
    }

    /** {@code answer} run with an admission permit (429 when none is to be had; see {@link LokiRequests#admitted}). */
    Mono<ServerResponse> admitted(Supplier<Mono<ServerResponse>> answer) {
        return LokiRequests.admitted(admission, metrics, answer);
    }

    /** A metadata request (labels, series, detected_*): {@code start} defaults to {@code labelsSince} ago. */
    LokiParams.MetadataRequest metadata(Map<String, List<String>> params) {
        return LokiParams.metadata(params, clock.instant(), props.labelsSince(), maxWindow);
    }

    /**
     * The newest {@link LokiProperties#labelSampleRows()} rows of {@code [start, end]} that {@code push} selects on the
     * nodes: what labels, series and detected fields are read from (a sample, not the whole window). The shards
     * that failed are recorded in {@code stats} (read it once the rows completed) for the answer's warnings.
     */
    Flux<StoredLogEntry> sample(Pushdown push, Instant start, Instant end, RowScan.Stats stats) {
        int pageSize = Math.min(maxLimit, props.labelSampleRows());
        return RowScan.rows(search, push.query(start, end, pageSize), pageSize, props.labelSampleRows(), stats);
    }
}
