package dev.logquery.coordinator.api;

import dev.logquery.common.query.LogQuery;
import java.util.List;
import java.util.Objects;

/** What {@link LogQueryRequestParser} makes of a request body: a valid query, or the problems that prevent one. */
public sealed interface ParsedRequest {

    /**
     * The body is a valid query; defaults are applied and a cursor, if any, is decoded into {@link LogQuery#after()}.
     * {@code allowPartial} false (the request said {@code "allowPartial": false}) asks for 503 rather than an
     * answer missing a failed shard's rows.
     */
    record Valid(LogQuery query, boolean allowPartial) implements ParsedRequest {
        public Valid {
            Objects.requireNonNull(query, "query");
        }

        public Valid(LogQuery query) {
            this(query, true);
        }
    }

    /** The body is not a valid query: at least one problem, at most one per field, in a fixed field order. */
    record Invalid(List<FieldProblem> problems) implements ParsedRequest {
        public Invalid {
            problems = List.copyOf(problems);
            if (problems.isEmpty()) {
                throw new IllegalArgumentException("an invalid request has at least one problem");
            }
        }
    }
}
