package dev.logquery.node.web;

import dev.logquery.node.query.QueryFailedException;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Turns a {@link QueryFailedException} that ends a query before its first row into a problem response
 * that says what the caller can do: {@code 503} (busy, with {@code Retry-After}, or the database is
 * unavailable), {@code 504} (statement timeout), {@code 500} (a bug). Once rows were sent the status is
 * history: the exception passes on and the connection is closed mid-stream, which the caller sees as an
 * incomplete answer. Runs before Spring Boot's error handler (order -1).
 */
@Order(-2)
public final class QueryProblemHandler implements WebExceptionHandler {

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (!(ex instanceof QueryFailedException failure) || response.isCommitted()) {
            return Mono.error(ex);
        }
        HttpStatus status = switch (failure.reason()) {
            case BUSY, UNAVAILABLE, STALLED -> HttpStatus.SERVICE_UNAVAILABLE;
            case TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
            case INTERNAL -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
        response.setStatusCode(status);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (failure.reason() == QueryFailedException.Reason.BUSY) {
            headers.set(HttpHeaders.RETRY_AFTER, "1");
        }
        byte[] body = Problems.json(status, failure.getMessage(), exchange.getRequest().getPath().value(),
                Map.of("reason", failure.reason().name()));
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
