package dev.logquery.coordinator.loki;

import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code json} and {@code logfmt} stages: they add a line's fields to its labels. Both read the line once,
 * in linear time, and bound what they add ({@value #MAX_FIELDS} fields, {@value #MAX_DEPTH} levels of nesting).
 */
final class LineParsers {

    static final int MAX_FIELDS = 256;
    static final int MAX_DEPTH = 16;
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private LineParsers() {
    }

    /**
     * Every scalar field of a JSON object (nested objects' names joined by {@code _}; arrays skipped, as Loki's
     * parser without parameters does). Not an object: {@code __error__=JSONParserErr}.
     */
    static void json(String line, Set<String> streamLabels, Map<String, String> labels) {
        try (JsonParser p = MAPPER.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                error(labels, "JSONParserErr", "the line is not a JSON object");
                return;
            }
            String[] path = new String[MAX_DEPTH + 1];
            int depth = 0;
            int fields = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case PROPERTY_NAME -> {
                        if (depth < path.length) {
                            path[depth] = sanitize(p.currentName());
                        }
                    }
                    case START_OBJECT -> {
                        depth++;
                        if (depth > MAX_DEPTH) {
                            p.skipChildren();
                            depth--;
                        }
                    }
                    case END_OBJECT -> {
                        if (depth == 0) {
                            if (p.nextToken() != null) {
                                error(labels, "JSONParserErr", "content after the JSON object");
                            }
                            return;
                        }
                        depth--;
                    }
                    case START_ARRAY -> p.skipChildren();
                    case VALUE_NULL -> {
                    }
                    default -> {
                        if (fields++ < MAX_FIELDS) {
                            add(labels, streamLabels, String.join("_", java.util.Arrays.asList(path).subList(0, depth + 1)),
                                    p.getString());
                        }
                    }
                }
            }
            error(labels, "JSONParserErr", "the JSON object is not closed");
        } catch (JacksonException e) {
            error(labels, "JSONParserErr", firstLine(e.getOriginalMessage()));
        }
    }

    /** {@code key=value key2="quoted value" flag}: every pair as a label. Malformed: {@code __error__=LogfmtParserErr}. */
    static void logfmt(String line, Set<String> streamLabels, Map<String, String> labels) {
        int n = line.length();
        int i = 0;
        int fields = 0;
        while (i < n) {
            while (i < n && line.charAt(i) <= ' ') {
                i++;
            }
            if (i >= n) {
                return;
            }
            int keyStart = i;
            while (i < n && line.charAt(i) > ' ' && line.charAt(i) != '=' && line.charAt(i) != '"') {
                i++;
            }
            if (i == keyStart) {
                error(labels, "LogfmtParserErr", "logfmt syntax error at pos " + (i + 1) + " : unexpected '" + line.charAt(i) + "'");
                return;
            }
            String key = line.substring(keyStart, i);
            String value = "";
            if (i < n && line.charAt(i) == '=') {
                i++;
                if (i < n && line.charAt(i) == '"') {
                    StringBuilder b = new StringBuilder();
                    i++;
                    boolean closed = false;
                    while (i < n) {
                        char c = line.charAt(i++);
                        if (c == '"') {
                            closed = true;
                            break;
                        }
                        if (c == '\\' && i < n) {
                            char e = line.charAt(i++);
                            b.append(switch (e) {
                                case 'n' -> '\n';
                                case 't' -> '\t';
                                case 'r' -> '\r';
                                default -> e;
                            });
                        } else {
                            b.append(c);
                        }
                    }
                    if (!closed) {
                        error(labels, "LogfmtParserErr", "logfmt syntax error at pos " + (n + 1) + " : unterminated quoted value");
                        return;
                    }
                    value = b.toString();
                } else {
                    int valueStart = i;
                    while (i < n && line.charAt(i) > ' ') {
                        i++;
                    }
                    value = line.substring(valueStart, i);
                }
            } else if (i < n && line.charAt(i) == '"') {
                error(labels, "LogfmtParserErr", "logfmt syntax error at pos " + (i + 1) + " : unexpected '\"'");
                return;
            }
            if (fields++ < MAX_FIELDS) {
                add(labels, streamLabels, sanitize(key), value);
            }
        }
    }

    private static void add(Map<String, String> labels, Set<String> streamLabels, String name, String value) {
        if (name.isEmpty()) {
            return;
        }
        labels.put(streamLabels.contains(name) ? name + "_extracted" : name, value);
    }

    /** A label name Prometheus accepts: other characters become {@code _}, a leading digit gets a {@code _} before it. */
    static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            b.append(ok ? c : '_');
        }
        if (b.length() > 0 && Character.isDigit(b.charAt(0))) {
            b.insert(0, '_');
        }
        return b.toString();
    }

    private static void error(Map<String, String> labels, String error, String details) {
        if (!labels.containsKey(LinePipeline.ERROR)) {
            labels.put(LinePipeline.ERROR, error);
            labels.put(LinePipeline.ERROR_DETAILS, details);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
