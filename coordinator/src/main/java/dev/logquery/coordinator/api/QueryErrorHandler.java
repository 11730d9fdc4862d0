package dev.logquery.coordinator.api;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.json.JacksonJsonEncoder;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers {@code 503} with a problem body when an NDJSON answer refused to be partial before its first
 * line was written (the response is not committed yet). Runs before Spring Boot's error handler, which
 * would make it a 500.
 */
@Component
@Order(-2)
public class QueryErrorHandler implements WebExceptionHandler {

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (!(ex instanceof PartialAnswerRefusedException refused) || exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = ProblemJson.bytes(ServiceProblems.partialRefused(refused.failed()));
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
