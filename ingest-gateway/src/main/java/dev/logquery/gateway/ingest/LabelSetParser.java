package dev.logquery.gateway.ingest;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a label set as Loki's protobuf push carries a stream's labels and Prometheus writes them:
 * {@code {name="value", other="x"}}. Names are {@code [a-zA-Z_][a-zA-Z0-9_]*} (also {@code .} and {@code -}
 * after the first character, which some clients send and Loki's OTLP mapping would turn into {@code _}); values
 * are double-quoted with the escapes {@code \"}, {@code \\}, {@code \n} and {@code \t}. Whitespace between tokens
 * is allowed, a trailing comma too; a name given twice, or anything else, is malformed: an
 * {@link IllegalArgumentException} whose message says where and what.
 */
public final class LabelSetParser {

    private final String s;
    private int i;

    private LabelSetParser(String s) {
        this.s = s;
    }

    /** The labels of {@code text}, in their order. */
    public static Map<String, String> parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("the label set is missing");
        }
        return new LabelSetParser(text).labels();
    }

    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        skipSpace();
        expect('{');
        skipSpace();
        if (peek() == '}') {
            i++;
            return end(labels);
        }
        while (true) {
            skipSpace();
            if (peek() == '}') { // a trailing comma
                i++;
                return end(labels);
            }
            String name = name();
            skipSpace();
            expect('=');
            skipSpace();
            String value = value();
            if (labels.put(name, value) != null) {
                throw problem("label " + name + " is given twice");
            }
            skipSpace();
            char c = peek();
            if (c == ',') {
                i++;
            } else if (c == '}') {
                i++;
                return end(labels);
            } else {
                throw problem(c == 0 ? "the label set ends without }" : "expected , or } but found '" + c + "'");
            }
        }
    }

    private Map<String, String> end(Map<String, String> labels) {
        skipSpace();
        if (i < s.length()) {
            throw problem("unexpected text after }");
        }
        return labels;
    }

    private String name() {
        int start = i;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            boolean later = i > start && ((c >= '0' && c <= '9') || c == '.' || c == '-');
            if (!letter && !later) {
                break;
            }
            i++;
        }
        if (i == start) {
            char c = peek();
            throw problem(c == 0 ? "the label set ends where a label name should be"
                    : "expected a label name but found '" + c + "'");
        }
        return s.substring(start, i);
    }

    private String value() {
        if (peek() != '"') {
            throw problem("a label value must be double-quoted");
        }
        i++;
        StringBuilder b = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (i >= s.length()) {
                    break;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"' -> b.append('"');
                    case '\\' -> b.append('\\');
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    default -> throw problem("unknown escape \\" + e + " in a label value");
                }
            } else {
                b.append(c);
            }
        }
        throw problem("a label value is not closed by \"");
    }

    private void expect(char c) {
        if (peek() != c) {
            char found = peek();
            throw problem("expected '" + c + "' but found " + (found == 0 ? "the end" : "'" + found + "'"));
        }
        i++;
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : 0;
    }

    private void skipSpace() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private IllegalArgumentException problem(String what) {
        String shown = s.length() <= 120 ? s : s.substring(0, 120) + "...";
        return new IllegalArgumentException("malformed label set " + shown + " at character " + i + ": " + what);
    }
}
