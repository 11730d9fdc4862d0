package dev.logquery.coordinator.web;

import dev.logquery.coordinator.api.ProblemJson;
import java.net.URI;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.UnsupportedCharsetException;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Checks the media-type headers of every request before anything reads them: a malformed {@code Accept}
 * ({@code foo}, {@code application/x-ndjson;q=abc}) answers {@code 406}, a malformed {@code Content-Type}
 * ({@code foo}) or one naming an unknown charset ({@code application/json; charset=nope}) answers {@code 415},
 * each as an RFC 9457 problem whose {@code header} property and detail name the header. Without this check
 * Spring parses them lazily, deep in a handler or the actuator, and the parse error became a {@code 500}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class HeaderCheck implements WebFilter {


    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        String problem = acceptProblem(headers.get(HttpHeaders.ACCEPT));
        if (problem != null) {
            return reject(exchange, HttpStatus.NOT_ACCEPTABLE, HttpHeaders.ACCEPT, problem);
        }
        problem = contentTypeProblem(headers.get(HttpHeaders.CONTENT_TYPE));
        if (problem != null) {
            return reject(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpHeaders.CONTENT_TYPE, problem);
        }
        return chain.filter(exchange);
    }

    /** Why the Accept values cannot be understood, or null when they can (or there are none). */
    static String acceptProblem(List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        try {
            for (MediaType type : MediaType.parseMediaTypes(values)) {
                type.getQualityValue(); // a q that is not a number fails here
                charsetProblem(type);
            }
            return null;
        } catch (IllegalArgumentException e) { // InvalidMediaTypeException included
            return "Accept header is malformed: " + reason(e);
        }
    }

    /** Why the Content-Type value cannot be understood, or null when it can (or there is none). */
    static String contentTypeProblem(List<String> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            return "Content-Type header is given " + values.size() + " times";
        }
        try {
            MediaType type = MediaType.parseMediaType(values.get(0));
            if (type.isWildcardType() || type.isWildcardSubtype()) {
                return "Content-Type header must name one media type, is " + quoted(values.get(0));
            }
            charsetProblem(type);
            return null;
        } catch (IllegalArgumentException e) { // InvalidMediaTypeException included
            return "Content-Type header is malformed: " + reason(e);
        }
    }

    private static void charsetProblem(MediaType type) {
        try {
            type.getCharset();
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            throw new IllegalArgumentException("unknown charset " + quoted(type.getParameter("charset")));
        }
    }

    private static String reason(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }

    private static String quoted(String s) {
        String v = s == null ? "" : s;
        return "\"" + (v.length() > 100 ? v.substring(0, 100) + "…" : v) + "\"";
    }

    private static Mono<Void> reject(ServerWebExchange exchange, HttpStatus status, String header, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(status == HttpStatus.NOT_ACCEPTABLE ? "Not acceptable" : "Unsupported media type");
        p.setType(URI.create("about:blank"));
        p.setProperty("header", header);
        p.setProperty("errors", List.of(Map.of("field", header, "message", detail)));
        return ProblemJson.write(exchange.getResponse(), p);
    }
}
