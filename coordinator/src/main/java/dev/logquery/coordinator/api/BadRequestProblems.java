package dev.logquery.coordinator.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * Turns request problems into an RFC 9457 problem body, independent of the web stack:
 *
 * <pre>{@code
 * {"type": "about:blank", "title": "Bad request", "status": 400,
 *  "detail": "limit must be an integer from 1 to 10000, is 0 (and 1 more problem)",
 *  "errors": [{"field": "limit", "message": "limit must be an integer from 1 to 10000, is 0"},
 *             {"field": "logLevel", "message": "logLevel is not one of TRACE, ...: \"LOUD\""}]}
 * }</pre>
 *
 * {@code detail} is the first problem's message (which names its field), {@code errors} lists all of
 * them in the parser's order as {@code {field, message}} objects.
 */
public final class BadRequestProblems {

    public static final String TITLE = "Bad request";

    private BadRequestProblems() {
    }

    /**
     * The problem body for a request with the given problems.
     *
     * @throws IllegalArgumentException when {@code problems} is empty: that is not a bad request
     */
    public static ProblemDetail of(List<FieldProblem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a bad request has at least one problem");
        }
        int more = problems.size() - 1;
        String detail = problems.get(0).message()
                + (more == 0 ? "" : " (and " + more + " more problem" + (more == 1 ? "" : "s") + ")");
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        body.setTitle(TITLE);
        body.setProperty("errors", problems.stream().map(BadRequestProblems::asMap).toList());
        return body;
    }

    /** {@code 413}: the request's {@code field} (its body) is beyond what the server reads. */
    public static ProblemDetail tooLarge(String field, String message) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.PAYLOAD_TOO_LARGE, message);
        body.setTitle("Payload too large");
        body.setProperty("errors", List.of(asMap(new FieldProblem(field, message))));
        return body;
    }

    /** {@code {"field": ..., "message": ...}} in that order, serializable by any JSON mapper. */
    private static Map<String, String> asMap(FieldProblem problem) {
        Map<String, String> m = new LinkedHashMap<>(2);
        m.put("field", problem.field());
        m.put("message", problem.message());
        return m;
    }
}
