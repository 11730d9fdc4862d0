package dev.logquery.common.query;

import java.util.Locale;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@link QueryJson} and {@link EntryJson} share: the mapper and strict, field-naming value readers; and how every
 * request parser names the JSON it found ({@link #typeName}).
 */
public final class JsonSupport {

    /** Used for streaming only; duplicate keys are found by the readers themselves, so they can name the field. */
    static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonSupport() {
    }

    /** The value at the parser's current token as a string; null for JSON null; anything else is an error. */
    static String stringOrNull(JsonParser p, String field) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new InvalidFieldException(field, field + " must be a string, is " + typeName(t));
        }
        return p.getString();
    }

    /** A string of {@code 1..maxChars} characters, or null for JSON null. */
    static String boundedStringOrNull(JsonParser p, String field, int maxChars) {
        String s = stringOrNull(p, field);
        if (s != null && (s.isEmpty() || s.length() > maxChars)) {
            throw new InvalidFieldException(field, field + " must have 1 to " + maxChars + " characters, has "
                    + s.length() + " (omit it or send null for no filter)");
        }
        return s;
    }

    /** An integral JSON number that fits in a {@code long}, or null for JSON null. */
    static Long longOrNull(JsonParser p, String field) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidFieldException(field, field + " must be an integer, is " + typeName(t));
        }
        JsonParser.NumberType type = p.getNumberType();
        if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
            throw new InvalidFieldException(field, field + " is out of range: " + abbreviate(p.getString()));
        }
        return p.getLongValue();
    }

    /** An integer in {@code [min, max]}, or null for JSON null. */
    static Long longInRangeOrNull(JsonParser p, String field, long min, long max) {
        Long v = longOrNull(p, field);
        if (v != null && (v < min || v > max)) {
            throw new InvalidFieldException(field, field + " must be " + min + ".." + max + ", is " + v);
        }
        return v;
    }

    /**
     * An object of strings at the parser's current token ({@code "attributes": {"cluster": "eu-1"}}), or null for
     * JSON null. Each key and value must be a string of at most {@code maxChars}, at most {@code maxKeys} keys.
     */
    static java.util.Map<String, String> stringMapOrNull(JsonParser p, String field, int maxKeys, int maxChars) {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            throw new InvalidFieldException(field, field + " must be an object of strings, is " + typeName(t));
        }
        java.util.Map<String, String> map = new java.util.TreeMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String key = p.currentName();
            String name = field + "." + abbreviate(key);
            p.nextToken();
            String value = boundedStringOrNull(p, name, maxChars);
            if (value == null) {
                throw new InvalidFieldException(name, name + " must be a string");
            }
            if (key.isEmpty() || key.length() > maxChars) {
                throw new InvalidFieldException(field, field + ": a key must have 1 to " + maxChars + " characters");
            }
            if (map.put(key, value) != null) {
                throw new InvalidFieldException(name, name + " is given more than once");
            }
            if (map.size() > maxKeys) {
                throw new InvalidFieldException(field, field + " may hold at most " + maxKeys + " keys");
            }
        }
        return map;
    }

    /** How a problem names what it found at a JSON token: "an object", "a string", "missing", ... */
    public static String typeName(JsonToken t) {
        if (t == null) {
            return "missing";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }

    public static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /** The first line of a parser message, which is all a caller needs (the rest is source excerpts). */
    public static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl < 0 ? s : s.substring(0, nl));
    }
}
