package dev.logquery.coordinator.loki;

import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;

/**
 * The ANTLR error listener of {@link LogQl}: throws at the first syntax error instead of letting ANTLR recover,
 * because a recovered tree would be a different query than the one asked. The message is worded as Loki's
 * ({@code syntax error: unexpected IDENTIFIER "x", expecting STRING}), with Loki's token names rather than the
 * grammar's, so that Grafana shows what a Loki user expects. Stateless: one instance serves every parse.
 */
final class LogQlSyntaxErrors extends BaseErrorListener {

    static final LogQlSyntaxErrors INSTANCE = new LogQlSyntaxErrors();

    private LogQlSyntaxErrors() {
    }

    /** A parse error at a token's position (Loki counts columns from 1, ANTLR from 0). */
    static LogQlException at(Token token, String message) {
        return LogQlException.at(token.getLine(), token.getCharPositionInLine() + 1, message);
    }

    @Override
    public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int charPositionInLine,
                            String msg, RecognitionException e) {
        String message = "syntax error: unexpected " + describe(offendingSymbol);
        if (recognizer instanceof LogQLParser parser && offendingSymbol instanceof Token) {
            IntervalSet expected = e != null ? e.getExpectedTokens() : parser.getExpectedTokens();
            // a long list of alternatives helps nobody: only a few are named
            if (expected != null && !expected.isNil() && expected.size() <= 4) {
                List<String> names = new ArrayList<>();
                for (int type : expected.toList()) {
                    if (!names.contains(tokenName(type))) {
                        names.add(tokenName(type));
                    }
                }
                message += ", expecting " + String.join(" or ", names);
            }
        }
        throw LogQlException.at(line, charPositionInLine + 1, message);
    }

    private static String describe(Object symbol) {
        if (!(symbol instanceof Token t)) {
            return "character";
        }
        if (t.getType() == Token.EOF) {
            return "$end";
        }
        String name = tokenName(t.getType());
        String text = t.getText();
        return name.equals(text) ? name : name + " " + quote(text);
    }

    private static String tokenName(int type) {
        if (type == Token.EOF) {
            return "$end";
        }
        String literal = LogQLLexer.VOCABULARY.getLiteralName(type);
        if (literal != null) {
            return literal.substring(1, literal.length() - 1);
        }
        String symbolic = LogQLLexer.VOCABULARY.getSymbolicName(type);
        if (symbolic == null) {
            return "token";
        }
        return switch (symbolic) {
            case "IDENT" -> "IDENTIFIER";
            case "RAW_STRING" -> "STRING";
            case "UNEXPECTED" -> "character";
            default -> symbolic;
        };
    }

    private static String quote(String text) {
        String t = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return "\"" + t.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
