package dev.logquery.node.web;

import dev.logquery.common.query.InternalHeaders;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Closes the internal API: a request under {@code /internal/} without the header
 * {@value InternalHeaders#TOKEN} equal to {@code logquery.internal.token} gets {@code 401} with a problem
 * naming the header (compared in constant time). Other paths ({@code /actuator/**}) pass. With an empty
 * token every request passes, and the node says so once at start-up.
 *
 * <p>"Under {@code /internal/}" is judged on the path as the router matches it: the first non-empty segment,
 * decoded, without matrix parameters, ignoring case, so that {@code //internal/query},
 * {@code /internal;x=1/query} or {@code /%69nternal/query} are not a way around it.
 */
public final class InternalTokenFilter implements WebFilter, Ordered {

    private static final Logger log = LoggerFactory.getLogger(InternalTokenFilter.class);
    /** Before routing and before everything else but the server's observation (so refusals are counted). */
    static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private final byte[] token;

    /** @param token the expected token; empty: the internal API is open */
    public InternalTokenFilter(String token) {
        this.token = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
        if (this.token.length == 0) {
            log.warn("logquery.internal.token is not set: the internal API (/internal/*) is open to anyone who can "
                    + "reach this port; set it (environment LOGQUERY_INTERNAL_TOKEN) to the coordinator's token");
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (token.length == 0 || !isInternal(exchange.getRequest().getPath().pathWithinApplication())) {
            return chain.filter(exchange);
        }
        List<String> given = exchange.getRequest().getHeaders().getOrEmpty(InternalHeaders.TOKEN);
        String detail;
        if (given.isEmpty()) {
            detail = "the internal API needs the header " + InternalHeaders.TOKEN;
        } else if (given.size() == 1 && MessageDigest.isEqual(token, given.get(0).getBytes(StandardCharsets.UTF_8))) {
            return chain.filter(exchange);
        } else {
            detail = "the header " + InternalHeaders.TOKEN + " does not carry this node's internal token";
        }
        return unauthorized(exchange, detail);
    }

    static boolean isInternal(PathContainer path) {
        for (PathContainer.Element element : path.elements()) {
            if (element instanceof PathContainer.PathSegment segment && !segment.valueToMatch().isEmpty()) {
                return segment.valueToMatch().toLowerCase(Locale.ROOT).equals("internal");
            }
        }
        return false;
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange, String detail) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.set(HttpHeaders.WWW_AUTHENTICATE, InternalHeaders.TOKEN);
        byte[] body = Problems.json(HttpStatus.UNAUTHORIZED, detail, exchange.getRequest().getPath().value(),
                Map.of("header", InternalHeaders.TOKEN));
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }
}
