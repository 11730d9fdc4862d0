package dev.logquery.coordinator.api;

import static dev.logquery.common.query.JsonSupport.typeName;
import static dev.logquery.coordinator.api.Quoting.abbreviate;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the body of {@code POST /api/query/logs} into a {@link LogQuery}, or into the list of everything
 * wrong with it. Pure: no Spring, no I/O, and no input makes it throw.
 *
 * <pre>{@code
 * {"startTime": "2024-12-01T00:00:00Z", "endTime": "2024-12-31T23:59:59Z",
 *  "serviceName": "payment-service", "logLevel": "ERROR", "namespace": "payments",
 *  "pod": "payment-service-7d9f8c6b5-x2k4p", "contains": "timeout", "attributes": {"cluster": "eu-1"},
 *  "limit": 100, "cursor": "AQAAAABnTE..."}
 * }</pre>
 *
 * <p>The rules:
 * <ul>
 *   <li>{@code startTime} and {@code endTime} are required RFC 3339 date-times ({@link Rfc3339#parse}),
 *       inclusive, and {@code endTime} must not be before {@code startTime}.</li>
 *   <li>{@code serviceName} (1..{@value #MAX_SERVICE_CHARS} characters), {@code namespace} and {@code pod}
 *       (1..{@value #MAX_IDENTITY_CHARS}) are trimmed and cleaned like stored lines are, so that they compare
 *       equal to what ingestion kept. {@code contains} (1..{@value #MAX_CONTAINS_CHARS}) is cleaned but not
 *       trimmed: its spaces are part of the text searched for.</li>
 *   <li>{@code attributes} is an object of strings: a line matches when its attributes hold every given key with
 *       exactly the given value. At most {@value Attributes#MAX_KEYS} keys, keys 1..{@value Attributes#MAX_KEY_CHARS}
 *       and values 1..{@value Attributes#MAX_VALUE_CHARS} characters (what ingestion can store); {@code {}} is no
 *       filter. A problem is named by its key: {@code attributes.cluster}.</li>
 *   <li>{@code logLevel} is one level name and {@code levels} a non-empty list of level names, any case.
 *       Giving both is an error (on {@code levels}): neither union nor intersection is obviously meant.</li>
 *   <li>{@code limit} is an integer in 1..{@value LogQuery#MAX_LIMIT} (or the configured maximum), {@value LogQuery#DEFAULT_LIMIT} when
 *       absent. {@code 10.0}, {@code 1e2} and {@code "10"} are not integers.</li>
 *   <li>{@code cursor} is a {@code nextCursor} of an earlier page ({@link CursorCodec}); it decodes only for
 *       the same filters (the limit may change between pages).</li>
 *   <li>{@code allowPartial} is {@code true} (the default) or {@code false}: with {@code false} an answer
 *       that would miss a failed shard's rows is refused with 503 instead.</li>
 *   <li>JSON {@code null} for an optional field means the field is absent; for a time it means missing.</li>
 *   <li>Unknown fields are rejected, since a misspelt filter ({@code "level"}, {@code "service"}) would
 *       otherwise widen the query silently. A field given twice is rejected.</li>
 * </ul>
 *
 * <p>Problems are collected rather than stopping at the first: at most one per field, listed in a fixed
 * order ({@code body}, then the fields in the order above, then unknown fields in document order, at most
 * {@value #MAX_UNKNOWN_FIELDS_REPORTED} of those). A body that is not JSON, or not one JSON object,
 * yields the single problem {@code body}. The cursor is checked only when everything else is valid,
 * since it can only be decoded against the query it belongs to.
 */
public final class LogQueryRequestParser {

    public static final int MAX_SERVICE_CHARS = LogEntryCodec.MAX_SERVICE_CHARS;
    public static final int MAX_IDENTITY_CHARS = LogEntryCodec.MAX_IDENTITY_CHARS;
    /** Longest {@code contains} text: a filter, not a document. */
    public static final int MAX_CONTAINS_CHARS = 256;
    /** Cursors are 39 characters; anything much longer is not one and is not worth decoding. */
    public static final int MAX_CURSOR_CHARS = 64;
    /** Unknown fields named in one answer; a body with thousands of them gets a short answer. */
    public static final int MAX_UNKNOWN_FIELDS_REPORTED = 10;

    /** The known fields in the order their problems are reported. */
    public static final List<String> FIELDS = List.of("startTime", "endTime", "serviceName", "logLevel", "levels",
            "namespace", "pod", "contains", "attributes", "limit", "cursor", "allowPartial");

    /** The longest window a query may ask when the coordinator's setting does not say. */
    public static final Duration DEFAULT_MAX_WINDOW = Duration.ofDays(30);

    static final String BAD_CURSOR = "cursor does not decode or belongs to other filters";

    /** Used for streaming only; duplicate keys are found by the reader itself, so that it can name the field. */
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private LogQueryRequestParser() {
    }

    /** Parses and validates a request body ({@code null} counts as empty), limit up to {@link LogQuery#MAX_LIMIT}. */
    public static ParsedRequest parse(byte[] body) {
        return parse(body, LogQuery.MAX_LIMIT);
    }

    /** Parses and validates a request body ({@code null} counts as empty), limit up to {@code maxLimit}. */
    public static ParsedRequest parse(byte[] body, int maxLimit) {
        return parse(body, maxLimit, DEFAULT_MAX_WINDOW);
    }

    /**
     * Parses and validates a request body ({@code null} counts as empty), limit up to {@code maxLimit}, window
     * ({@code endTime - startTime}) up to {@code maxWindow}.
     */
    public static ParsedRequest parse(byte[] body, int maxLimit, Duration maxWindow) {
        if (body == null || body.length == 0) {
            return body("body is empty: a JSON query object is expected");
        }
        Reader r = new Reader(maxLimit, maxWindow);
        try (JsonParser p = MAPPER.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return body("body is empty: a JSON query object is expected");
            }
            if (first != JsonToken.START_OBJECT) {
                return body("body must be a JSON object, is " + typeName(first));
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                p.nextToken();
                r.read(name, p);
            }
            if (p.nextToken() != null) {
                return body("body has content after the query object");
            }
        } catch (JacksonException e) {
            return body("body is not JSON: " + firstLine(e.getOriginalMessage()));
        }
        return r.build();
    }

    /** {@code 30d}, {@code 12h}, {@code 90m} or the ISO form for other durations. */
    static String human(Duration d) {
        if (d.toSeconds() % 86_400 == 0) {
            return d.toDays() + "d";
        }
        if (d.toSeconds() % 3_600 == 0) {
            return d.toHours() + "h";
        }
        if (d.toSeconds() % 60 == 0) {
            return d.toMinutes() + "m";
        }
        return d.toString();
    }

    private static ParsedRequest body(String message) {
        return new ParsedRequest.Invalid(List.of(new FieldProblem("body", message)));
    }

    /**
     * One request's fields as read ({@link RequestFields} reads each value and keeps its problems), the unknown
     * fields, and what the fields say together.
     */
    private static final class Reader {
        private final RequestFields fields;
        private final Duration maxWindow;
        private final List<String> unknown = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();
        private Instant startTime;
        private Instant endTime;
        private String service;
        private LogLevel logLevel;
        private LevelSet levels;
        private String namespace;
        private String pod;
        private String contains;
        private java.util.SortedMap<String, String> attributes;
        private Integer limit;
        private String cursor;
        private Boolean allowPartial;

        Reader(int maxLimit, Duration maxWindow) {
            this.fields = new RequestFields(maxLimit);
            this.maxWindow = maxWindow;
        }

        private void problem(String field, String message) {
            fields.problem(field, message);
        }

        /** Reads the value of field {@code name} at the parser's current token, consuming all of it. */
        void read(String name, JsonParser p) {
            if (!FIELDS.contains(name)) {
                String shown = abbreviate(name);
                if (!fields.hasProblem(shown) && unknown.size() < MAX_UNKNOWN_FIELDS_REPORTED) {
                    unknown.add(shown);
                    problem(shown, "unknown field " + shown + "; known fields are " + String.join(", ", FIELDS));
                }
                p.skipChildren();
                return;
            }
            if (!seen.add(name)) {
                problem(name, name + " is given more than once");
                p.skipChildren();
                return;
            }
            switch (name) {
                case "startTime" -> startTime = fields.time(p, name);
                case "endTime" -> endTime = fields.time(p, name);
                case "serviceName" -> service = fields.identity(p, name, MAX_SERVICE_CHARS);
                case "logLevel" -> logLevel = fields.level(p);
                case "levels" -> levels = fields.levels(p);
                case "namespace" -> namespace = fields.identity(p, name, MAX_IDENTITY_CHARS);
                case "pod" -> pod = fields.identity(p, name, MAX_IDENTITY_CHARS);
                case "contains" -> contains = fields.text(p);
                case "attributes" -> attributes = fields.attributes(p);
                case "limit" -> limit = fields.limit(p);
                case "cursor" -> cursor = fields.cursor(p);
                case "allowPartial" -> allowPartial = fields.bool(p, name);
                default -> throw new IllegalStateException("unhandled known field " + name);
            }
        }

        ParsedRequest build() {
            if (startTime == null) {
                problem("startTime", "startTime is missing");
            }
            if (endTime == null) {
                problem("endTime", "endTime is missing");
            }
            if (startTime != null && endTime != null && endTime.isBefore(startTime)) {
                problem("endTime", "endTime " + Rfc3339.format(endTime) + " is before startTime "
                        + Rfc3339.format(startTime));
            } else if (startTime != null && endTime != null
                    && Duration.between(startTime, endTime).compareTo(maxWindow) > 0) {
                problem("endTime", "endTime " + Rfc3339.format(endTime) + " is more than " + human(maxWindow)
                        + " after startTime " + Rfc3339.format(startTime) + " (the longest window a query may ask)");
            }
            if (logLevel != null && levels != null) {
                problem("levels", "levels and logLevel are both given: send one of them");
            }
            if (fields.valid()) {
                LevelSet effectiveLevels = logLevel != null ? LevelSet.of(List.of(logLevel)) : levels;
                LogQuery query = new LogQuery(startTime, endTime, service, effectiveLevels, namespace, pod, contains,
                        limit == null ? LogQuery.DEFAULT_LIMIT : limit, null, attributes);
                boolean partialOk = allowPartial == null || allowPartial;
                if (cursor == null) {
                    return new ParsedRequest.Valid(query, partialOk);
                }
                Optional<LogQuery.Position> after = CursorCodec.decode(cursor, query);
                if (after.isEmpty()) {
                    problem("cursor", BAD_CURSOR);
                } else if (after.get().timestamp().isBefore(startTime) || after.get().timestamp().isAfter(endTime)) {
                    problem("cursor", "cursor points at " + Rfc3339.format(after.get().timestamp())
                            + ", outside the window from startTime to endTime");
                } else {
                    return new ParsedRequest.Valid(query.withAfter(after.get()), partialOk);
                }
            }
            List<FieldProblem> out = new ArrayList<>();
            add(out, "body");
            for (String field : FIELDS) {
                add(out, field);
                if (field.equals("attributes") && fields.attributesProblemField() != null) {
                    add(out, fields.attributesProblemField());
                }
            }
            unknown.forEach(field -> add(out, field));
            return new ParsedRequest.Invalid(out);
        }

        /** Moves the problem of {@code field}, if any, to {@code out} (once, even if the name is listed twice). */
        private void add(List<FieldProblem> out, String field) {
            String message = fields.takeProblem(field);
            if (message != null) {
                out.add(new FieldProblem(field, message));
            }
        }
    }

    /** The first line of a parser message, which is all a caller needs (the rest is source excerpts). */
    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl < 0 ? s : s.substring(0, nl));
    }
}
