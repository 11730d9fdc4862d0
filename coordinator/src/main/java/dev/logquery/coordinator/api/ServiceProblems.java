package dev.logquery.coordinator.api;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** RFC 9457 bodies of the answers that are not the query's fault: 429 (overloaded) and 503 (partial refused). */
public final class ServiceProblems {

    private ServiceProblems() {
    }

    /** {@code 429}: the coordinator runs and queues as many queries as it may. */
    public static ProblemDetail overloaded(String why, long retryAfterSeconds) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                why + "; retry in " + retryAfterSeconds + " s");
        p.setTitle("Too many queries");
        p.setType(URI.create("about:blank"));
        return p;
    }

    /** {@code 503}: shards failed and the request said {@code "allowPartial": false}. */
    public static ProblemDetail partialRefused(List<ShardFailure> failed) {
        String which = failed.stream().map(f -> "shard " + f.partition() + " (" + f.reason() + ")")
                .collect(Collectors.joining(", "));
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "no complete answer: " + which + " failed, and allowPartial is false");
        p.setTitle("Partial answer refused");
        p.setType(URI.create("about:blank"));
        p.setProperty("failedPartitions", failed.stream()
                .map(f -> Map.of("partition", f.partition(), "reason", f.reason())).toList());
        return p;
    }
}
