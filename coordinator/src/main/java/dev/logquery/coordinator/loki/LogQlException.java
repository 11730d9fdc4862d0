package dev.logquery.coordinator.loki;

/**
 * A query that is not LogQL, or uses LogQL that logquery does not support. The message is the body of the 400
 * answer, worded as Loki words its own ({@code parse error at line 1, col 5: syntax error: unexpected ...},
 * {@code ... is not supported}).
 */
public class LogQlException extends RuntimeException {

    public LogQlException(String message) {
        super(message, null, false, false);
    }

    static LogQlException at(int line, int col, String message) {
        return new LogQlException("parse error at line " + line + ", col " + col + ": " + message);
    }
}
