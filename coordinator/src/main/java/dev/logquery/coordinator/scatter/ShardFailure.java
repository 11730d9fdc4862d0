package dev.logquery.coordinator.scatter;

import dev.logquery.common.query.InvalidFieldException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.util.Comparator;
import java.util.concurrent.TimeoutException;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * A shard that did not answer fully: its number and why, as reported in {@code failedPartitions}.
 * {@code reason} is one of a few fixed words (it is also a metric tag): {@code timeout},
 * {@code unreachable}, {@code http_<status>}, {@code bad_response}, {@code circuit_open} (every replica's
 * circuit breaker is open), {@code deadline} (the query's deadline cut it off), {@code replica_behind}
 * (answered by a replica that lacks rows of the window, as no caught-up one did), {@code database} (a replica's
 * PostgreSQL, read directly, answered an error), {@code error}.
 */
public record ShardFailure(int partition, String reason) {

    /** By shard, then reason: the order warnings and problems name failures in. */
    public static final Comparator<ShardFailure> ORDER = Comparator
            .comparingInt(ShardFailure::partition).thenComparing(ShardFailure::reason);

    /** {@code shard N (reason)}, as warnings name a failure. */
    public String describe() {
        return "shard " + partition + " (" + reason + ")";
    }

    public static ShardFailure of(int shard, Throwable error) {
        return new ShardFailure(shard, reason(error));
    }

    static String reason(Throwable e) {
        if (e instanceof CallNotPermittedException) {
            return "circuit_open";
        }
        if (e instanceof TimeoutException) {
            return "timeout";
        }
        if (e instanceof WebClientResponseException r) {
            return "http_" + r.getStatusCode().value();
        }
        if (e instanceof PgException) {
            return "database";
        }
        if (e instanceof InvalidFieldException) {
            return "bad_response";
        }
        if (e instanceof WebClientRequestException) {
            return "unreachable";
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "unreachable";
            }
            if (c instanceof TimeoutException) {
                return "timeout";
            }
        }
        return "error";
    }
}
