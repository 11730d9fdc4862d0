package dev.logquery.coordinator.admission;

import dev.logquery.coordinator.api.ProblemJson;
import dev.logquery.coordinator.config.ApiProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.Principal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Fair shares per client: at most {@code max-queries-per-client} queries in flight (running or waiting for a
 * turn) and {@code max-viewers-per-client} live-tail streams open, per client; one more answers {@code 429} with
 * {@code Retry-After}, as an RFC 9457 problem. A client is its token when the API is authenticated, else its
 * remote address. The shares are taken before the global {@link AdmissionControl} and returned when the answer
 * ends however it ends (completed, failed, or the client went away), so one busy client cannot fill the
 * coordinator's queue or viewer slots for everyone. Metric: {@code api_client_limit_rejected_total{kind}}.
 */
@Component
@Order(0) // after Spring Security (-100), which names the client
public class ClientLimits implements WebFilter {

    /** What a refused client is asked to wait. */
    static final long RETRY_AFTER_SECONDS = 1;

    enum Kind { QUERY, TAIL }

    private final int maxQueries;
    private final int maxViewers;
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> viewers = new ConcurrentHashMap<>();
    private final Counter queriesRejected;
    private final Counter viewersRejected;

    public ClientLimits(ApiProperties properties, MeterRegistry registry) {
        this.maxQueries = properties.maxQueriesPerClient();
        this.maxViewers = properties.maxViewersPerClient();
        this.queriesRejected = rejected(registry, "query");
        this.viewersRejected = rejected(registry, "tail");
    }

    private static Counter rejected(MeterRegistry registry, String kind) {
        return Counter.builder("api.client.limit.rejected").description("Requests refused by a client's fair share")
                .tag("kind", kind).register(registry);
    }

    /** Which share a request takes, or null when it takes none. */
    static Kind kind(HttpMethod method, String path) {
        if (path.equals("/api/tail") || path.equals("/loki/api/v1/tail")) {
            return Kind.TAIL;
        }
        if ((method == HttpMethod.POST && path.equals("/api/query/logs"))
                || path.equals("/loki/api/v1/query_range") || path.equals("/loki/api/v1/query")) {
            return Kind.QUERY;
        }
        return null;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Kind kind = kind(exchange.getRequest().getMethod(), exchange.getRequest().getPath().value());
        if (kind == null) {
            return chain.filter(exchange);
        }
        return exchange.getPrincipal().map(Principal::getName)
                .defaultIfEmpty(remote(exchange))
                .flatMap(client -> {
                    Map<String, AtomicInteger> counts = kind == Kind.QUERY ? queries : viewers;
                    int max = kind == Kind.QUERY ? maxQueries : maxViewers;
                    AtomicInteger count = counts.computeIfAbsent(client, c -> new AtomicInteger());
                    if (count.incrementAndGet() > max) {
                        release(counts, client, count);
                        (kind == Kind.QUERY ? queriesRejected : viewersRejected).increment();
                        return refuse(exchange, kind, max);
                    }
                    AtomicBoolean released = new AtomicBoolean();
                    return chain.filter(exchange).doFinally(signal -> {
                        if (released.compareAndSet(false, true)) {
                            release(counts, client, count);
                        }
                    });
                });
    }

    /** In flight now for {@code client} (for tests and stats). */
    int inFlight(Kind kind, String client) {
        AtomicInteger n = (kind == Kind.QUERY ? queries : viewers).get(client);
        return n == null ? 0 : n.get();
    }

    private static void release(Map<String, AtomicInteger> counts, String client, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            counts.remove(client, count); // a concurrent increment re-creates it through computeIfAbsent
        }
    }

    static String remote(ServerWebExchange exchange) {
        InetSocketAddress a = exchange.getRequest().getRemoteAddress();
        if (a == null) {
            return "address:unknown";
        }
        return "address:" + (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString());
    }

    private static Mono<Void> refuse(ServerWebExchange exchange, Kind kind, int max) {
        String what = kind == Kind.QUERY ? max + " queries in flight" : max + " live-tail streams open";
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                "this client has " + what + " already, its share; retry in " + RETRY_AFTER_SECONDS + " s");
        p.setTitle("Too many requests from this client");
        p.setType(URI.create("about:blank"));
        exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(RETRY_AFTER_SECONDS));
        return ProblemJson.write(exchange.getResponse(), p);
    }
}
