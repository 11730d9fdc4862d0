package dev.logquery.coordinator.loki;

import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code /ready}, {@code /loki/api/v1/status/buildinfo}, and a 404 naming every other Loki path as not implemented
 * yet (never an empty success that Grafana would show as "no data").
 */
final class StatusHandler {

    private final String version;

    StatusHandler(String version) {
        this.version = version;
    }

    /** Loki answers {@code ready} once it can serve; the coordinator can as soon as it listens (a dead shard makes answers partial). */
    Mono<ServerResponse> ready(ServerRequest request) {
        return LokiRequests.text(HttpStatus.OK, "ready");
    }

    Mono<ServerResponse> buildInfo(ServerRequest request) {
        return LokiRequests.json(LokiJson.buildInfo(version));
    }

    Mono<ServerResponse> notImplemented(ServerRequest request) {
        return LokiRequests.text(HttpStatus.NOT_FOUND, request.path() + " is not implemented yet by logquery's"
                + " Loki-compatible API (implemented: query_range, query, labels, label/<name>/values, series,"
                + " index/stats, index/volume, index/volume_range, detected_labels,"
                + " detected_fields, tail, status/buildinfo)");
    }
}
