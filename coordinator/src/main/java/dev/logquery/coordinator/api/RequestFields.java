package dev.logquery.coordinator.api;

import static dev.logquery.common.query.JsonSupport.typeName;
import static dev.logquery.coordinator.api.Quoting.abbreviate;
import static dev.logquery.coordinator.api.Quoting.quote;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.metadata.LevelSet;
import dev.logquery.common.model.Attributes;
import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * The field-level half of reading a query body ({@link LogQueryRequestParser} walks the document, checks the fields
 * against each other and decodes the cursor): each known field's value read from the token it starts at into its
 * type, cleaned as ingestion cleans stored lines, with what is wrong with it. A reader consumes its whole value,
 * whatever it finds, so that the document walk goes on to the next field; only the first problem of a field is kept.
 */
final class RequestFields {

    private static final String LEVEL_NAMES = LogLevel.NAMES;

    private final int maxLimit;
    /** The problem of each field, by field name; the first one found wins. */
    private final Map<String, String> problems = new HashMap<>();
    /** The name of the one problem of {@code attributes} ({@code attributes} or {@code attributes.<key>}), or null. */
    private String attributesProblem;

    RequestFields(int maxLimit) {
        this.maxLimit = maxLimit;
    }

    void problem(String field, String message) {
        problems.putIfAbsent(field, message);
    }

    boolean hasProblem(String field) {
        return problems.containsKey(field);
    }

    boolean valid() {
        return problems.isEmpty();
    }

    /** The problem of {@code field}, which is forgotten (so that a field listed twice is reported once); or null. */
    String takeProblem(String field) {
        return problems.remove(field);
    }

    /** The string at the current token; null for JSON null and (with a problem) for any other type. */
    private String string(JsonParser p, String field) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        if (t != JsonToken.VALUE_NULL) {
            problem(field, field + " must be a string, is " + typeName(t));
            p.skipChildren();
        }
        return null;
    }

    Instant time(JsonParser p, String field) {
        String s = string(p, field);
        if (s == null) {
            return null;
        }
        Optional<Instant> time = Rfc3339.parse(s);
        if (time.isEmpty()) {
            problem(field, field + " is not an RFC 3339 date-time such as 2024-12-01T00:00:00Z: "
                    + quote(s));
        }
        return time.orElse(null);
    }

    /** A service, namespace or pod name: trimmed and cleaned as ingestion stores it, then 1..max chars. */
    String identity(JsonParser p, String field, int maxChars) {
        String s = string(p, field);
        if (s == null) {
            return null;
        }
        String clean = TextSanitizer.clean(s.strip());
        return bounded(field, clean, maxChars);
    }

    String text(JsonParser p) {
        String s = string(p, "contains");
        return s == null ? null : bounded("contains", TextSanitizer.clean(s), LogQueryRequestParser.MAX_CONTAINS_CHARS);
    }

    private String bounded(String field, String s, int maxChars) {
        if (s.isEmpty() || s.length() > maxChars) {
            problem(field, field + " must have 1 to " + maxChars + " characters, has " + s.length()
                    + " (omit it for no filter)");
            return null;
        }
        return s;
    }

    LogLevel level(JsonParser p) {
        String s = string(p, "logLevel");
        if (s == null) {
            return null;
        }
        Optional<LogLevel> level = LogLevel.parse(s);
        if (level.isEmpty()) {
            problem("logLevel", "logLevel is not one of " + LEVEL_NAMES + ": " + quote(s));
        }
        return level.orElse(null);
    }

    LevelSet levels(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_ARRAY) {
            problem("levels", "levels must be an array of level names, is " + typeName(t));
            p.skipChildren();
            return null;
        }
        int bits = 0;
        boolean bad = false;
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.VALUE_STRING) {
                problem("levels", "levels must hold level names, holds " + typeName(e));
                p.skipChildren();
                bad = true;
                continue;
            }
            String name = p.getString();
            Optional<LogLevel> level = LogLevel.parse(name);
            if (level.isEmpty()) {
                problem("levels", "levels: not one of " + LEVEL_NAMES + ": " + quote(name));
                bad = true;
            } else {
                bits |= level.get().bit();
            }
        }
        if (bad) {
            return null;
        }
        if (bits == 0) {
            problem("levels", "levels must not be empty (omit it for any level)");
            return null;
        }
        return new LevelSet(bits);
    }

    Integer limit(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        String bounds = "limit must be an integer from 1 to " + maxLimit;
        if (t == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            if ((type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG)
                    && p.getLongValue() >= 1 && p.getLongValue() <= maxLimit) {
                return (int) p.getLongValue();
            }
            problem("limit", bounds + ", is " + abbreviate(p.getString()));
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            problem("limit", bounds + ", is " + abbreviate(p.getString()));
        } else {
            problem("limit", bounds + ", is " + typeName(t));
            p.skipChildren();
        }
        return null;
    }

    Boolean bool(JsonParser p, String name) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return t == JsonToken.VALUE_TRUE;
        }
        if (t != JsonToken.VALUE_NULL) {
            problem(name, name + " must be true or false, is " + typeName(t));
            p.skipChildren();
        }
        return null;
    }

    /** The name under which the problem of {@code attributes} is kept ({@code attributes.<key>} for one key), or null. */
    String attributesProblemField() {
        return attributesProblem;
    }

    private void attributesProblem(String field, String message) {
        if (attributesProblem == null) {
            attributesProblem = field;
            problem(field, message);
        }
    }

    /**
     * {@code attributes}: an object of at most {@link Attributes#MAX_KEYS} string values, each key
     * 1..{@link Attributes#MAX_KEY_CHARS} and each value 1..{@link Attributes#MAX_VALUE_CHARS} characters, keys and
     * values cleaned as ingestion stores them (not trimmed: they are compared exactly). Null and {@code {}} are no
     * filter. The first problem found is kept, named by its key ({@code attributes.cluster}).
     */
    SortedMap<String, String> attributes(JsonParser p) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            attributesProblem("attributes", "attributes must be an object of strings such as {\"cluster\": \"eu-1\"}, is "
                    + typeName(t));
            p.skipChildren();
            return null;
        }
        TreeMap<String, String> out = new TreeMap<>();
        int keys = 0;
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String rawKey = p.currentName();
            String field = rawKey.isEmpty() ? "attributes" : "attributes." + abbreviate(rawKey);
            JsonToken v = p.nextToken();
            keys++;
            if (keys > Attributes.MAX_KEYS) {
                attributesProblem("attributes", "attributes may hold at most " + Attributes.MAX_KEYS + " keys");
                p.skipChildren();
                continue;
            }
            String key = TextSanitizer.clean(rawKey);
            if (key.isEmpty() || key.length() > Attributes.MAX_KEY_CHARS) {
                attributesProblem(field, "attributes: a key must have 1 to " + Attributes.MAX_KEY_CHARS
                        + " characters, has " + key.length());
                p.skipChildren();
                continue;
            }
            if (v != JsonToken.VALUE_STRING) {
                attributesProblem(field, field + " must be a string, is " + typeName(v));
                p.skipChildren();
                continue;
            }
            String value = TextSanitizer.clean(p.getString());
            if (value.isEmpty() || value.length() > Attributes.MAX_VALUE_CHARS) {
                attributesProblem(field, field + " must have 1 to " + Attributes.MAX_VALUE_CHARS + " characters, has "
                        + value.length() + " (omit the key for no filter on it)");
                continue;
            }
            if (out.put(key, value) != null) {
                attributesProblem(field, field + " is given more than once");
            }
        }
        return attributesProblem != null || out.isEmpty() ? null : Collections.unmodifiableSortedMap(out);
    }

    String cursor(JsonParser p) {
        String s = string(p, "cursor");
        if (s != null && (s.isEmpty() || s.length() > LogQueryRequestParser.MAX_CURSOR_CHARS)) {
            problem("cursor", LogQueryRequestParser.BAD_CURSOR);
            return null;
        }
        return s;
    }
}
