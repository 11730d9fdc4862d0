package dev.logquery.node.web;

import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Judges the media-type headers of every request before anything else reads them: a malformed
 * {@code Accept} is answered {@code 406}, a malformed {@code Content-Type} or one naming a charset this JVM does
 * not know {@code 415} (as the coordinator does), each with a problem naming the header (member {@code header}).
 * Without it Spring parses these headers lazily where it needs them: reading the body of
 * {@code POST /internal/query} parsed {@code Content-Type} and its {@code InvalidMediaTypeException} (not a
 * {@code ResponseStatusException}) became a {@code 500}; a malformed {@code Accept} was ignored by the internal
 * routes and a non-problem {@code 406} on the actuator. The problem itself is written without reading
 * {@code Accept}.
 */
public final class HeaderCheckFilter implements WebFilter, Ordered {

    /** Right after the internal token: a stranger learns nothing but 401 from the internal API. */
    static final int ORDER = InternalTokenFilter.ORDER + 1;

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        HttpHeaders headers = exchange.getRequest().getHeaders();
        List<String> accept = headers.getOrEmpty(HttpHeaders.ACCEPT);
        if (!accept.isEmpty()) {
            try {
                MediaType.parseMediaTypes(accept);
            } catch (IllegalArgumentException e) {
                return problem(exchange, HttpStatus.NOT_ACCEPTABLE, HttpHeaders.ACCEPT,
                        "the header Accept is not a valid list of media types: " + e.getMessage());
            }
        }
        List<String> contentType = headers.getOrEmpty(HttpHeaders.CONTENT_TYPE);
        if (contentType.size() > 1) {
            return problem(exchange, HttpStatus.BAD_REQUEST, HttpHeaders.CONTENT_TYPE,
                    "the header Content-Type is given " + contentType.size() + " times");
        }
        if (contentType.size() == 1) {
            try {
                MediaType.parseMediaType(contentType.get(0));
            } catch (IllegalArgumentException e) {
                String charset = unknownCharset(contentType.get(0));
                if (charset != null) {
                    return problem(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpHeaders.CONTENT_TYPE,
                            "the header Content-Type names the charset '" + charset + "', which this node does not know");
                }
                return problem(exchange, HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpHeaders.CONTENT_TYPE,
                        "the header Content-Type is not a valid media type: " + e.getMessage());
            }
        }
        return chain.filter(exchange);
    }

    /** The value of a {@code charset} parameter that the JVM does not support, or {@code null}. */
    static String unknownCharset(String contentType) {
        for (String parameter : contentType.split(";")) {
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("charset")) {
                String name = parameter.substring(eq + 1).strip();
                if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                    name = name.substring(1, name.length() - 1);
                }
                try {
                    if (!name.isEmpty() && !Charset.isSupported(name)) {
                        return name;
                    }
                } catch (IllegalArgumentException illegalName) {
                    return name;
                }
            }
        }
        return null;
    }

    static Mono<Void> problem(ServerWebExchange exchange, HttpStatus status, String header, String detail) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(status);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        byte[] body = Problems.json(status, detail, exchange.getRequest().getPath().value(), Map.of("header", header));
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
