package dev.logquery.node.web;

import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ContentTooLargeException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * The safety net behind {@link HeaderCheckFilter}: Spring's exceptions about what a request asked or sent become
 * problems with the right 4xx status, written without content negotiation (Spring Boot's error handler reads
 * {@code Accept} and would answer 500 on a malformed one): {@code 406} naming {@code Accept}, {@code 415} naming
 * {@code Content-Type}, {@code 413} for a body past the codecs' limit, {@code 400} for other unreadable input.
 * Everything else passes on (to {@link QueryProblemHandler} and Spring Boot's handler).
 */
@Order(-3)
public final class HeaderProblemHandler implements WebExceptionHandler {

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        if (ex instanceof NotAcceptableStatusException e) {
            return write(exchange, HttpStatus.NOT_ACCEPTABLE, "no answer of this path matches the header Accept; it "
                    + "can answer " + e.getSupportedMediaTypes(), HttpHeaders.ACCEPT);
        }
        if (ex instanceof UnsupportedMediaTypeStatusException e) {
            return write(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "this path does not read the header Content-Type's "
                    + "media type " + e.getContentType() + "; it reads " + e.getSupportedMediaTypes(), HttpHeaders.CONTENT_TYPE);
        }
        if (ex instanceof InvalidMediaTypeException e) {
            return write(exchange, HttpStatus.BAD_REQUEST, "a media type header (Accept or Content-Type) is malformed: "
                    + e.getMessage(), null);
        }
        if (ex instanceof ContentTooLargeException || ex instanceof DataBufferLimitException
                || ex.getCause() instanceof DataBufferLimitException) {
            return write(exchange, HttpStatus.CONTENT_TOO_LARGE, "body is too large: " + ex.getMessage(), null);
        }
        if (ex instanceof ServerWebInputException e) {
            return write(exchange, HttpStatus.BAD_REQUEST, e.getReason() == null ? "unreadable request" : e.getReason(),
                    null);
        }
        return Mono.error(ex);
    }

    private static Mono<Void> write(ServerWebExchange exchange, HttpStatus status, String detail, String header) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = Problems.json(status, detail, exchange.getRequest().getPath().value(),
                header == null ? Map.of() : Map.of("header", header));
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
