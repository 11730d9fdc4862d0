package dev.logquery.coordinator.loki;

import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;

/**
 * The values of LogQL's string literals. Loki reads {@code "..."} with Go's {@code strconv.Unquote}, so a
 * selector or filter copied from Loki must mean the same bytes here: the escapes are Go's, not Java's, and a
 * malformed one is a parse error at the string (as in Loki) rather than a value read some other way.
 */
final class StringLiterals {

    private StringLiterals() {
    }

    /** The value of a {@code "..."} string (Go escapes) or a {@code `...`} raw string. */
    static String value(LogQLParser.StringContext ctx) {
        TerminalNode raw = ctx.RAW_STRING();
        if (raw != null) {
            String t = raw.getText();
            return t.substring(1, t.length() - 1);
        }
        return unquote(ctx.STRING().getSymbol());
    }

    /** Go's {@code strconv.Unquote} for a double-quoted string. */
    static String unquote(Token token) {
        String s = token.getText();
        StringBuilder b = new StringBuilder(s.length());
        int end = s.length() - 1;
        for (int i = 1; i < end; i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n' -> b.append('\n');
                case 't' -> b.append('\t');
                case 'r' -> b.append('\r');
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'v' -> b.append('\u000b');
                case '\\', '"', '\'' -> b.append(e);
                case 'x' -> {
                    b.append((char) hex(token, s, i + 1, 2));
                    i += 2;
                }
                case 'u' -> {
                    b.appendCodePoint(hex(token, s, i + 1, 4));
                    i += 4;
                }
                case 'U' -> {
                    int cp = hex(token, s, i + 1, 8);
                    if (!Character.isValidCodePoint(cp)) {
                        throw badEscape(token);
                    }
                    b.appendCodePoint(cp);
                    i += 8;
                }
                default -> {
                    if (e >= '0' && e <= '7' && i + 2 < end) {
                        int v = 0;
                        for (int k = 0; k < 3; k++) {
                            char o = s.charAt(i + k);
                            if (o < '0' || o > '7') {
                                throw badEscape(token);
                            }
                            v = v * 8 + (o - '0');
                        }
                        if (v > 255) {
                            throw badEscape(token);
                        }
                        b.append((char) v);
                        i += 2;
                    } else {
                        throw badEscape(token);
                    }
                }
            }
        }
        return b.toString();
    }

    private static int hex(Token token, String s, int from, int digits) {
        if (from + digits > s.length() - 1) {
            throw badEscape(token);
        }
        int v = 0;
        for (int k = 0; k < digits; k++) {
            int d = Character.digit(s.charAt(from + k), 16);
            if (d < 0) {
                throw badEscape(token);
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static LogQlException badEscape(Token token) {
        return LogQlSyntaxErrors.at(token, "invalid char escape");
    }
}
