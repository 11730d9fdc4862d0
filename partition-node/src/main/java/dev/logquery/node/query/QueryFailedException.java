package dev.logquery.node.query;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * Why a query could not be answered, in terms a caller can act on (retry elsewhere, wait, give up).
 * Errors that fit none of the reasons are {@link Reason#INTERNAL}: a bug, not a condition.
 */
public final class QueryFailedException extends RuntimeException {

    public enum Reason {
        /** Every query thread is taken and the queues are full: try another replica or later. */
        BUSY,
        /** The database cannot be reached, or no connection came free in time. */
        UNAVAILABLE,
        /** A statement ran past {@code logquery.node.query.statement-timeout}. */
        TIMEOUT,
        /** The client read nothing for {@code logquery.node.query.stall-timeout}. */
        STALLED,
        /** Anything else. */
        INTERNAL
    }

    private final Reason reason;

    public QueryFailedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Classifies what ended a query. */
    static QueryFailedException of(Throwable e) {
        if (e instanceof QueryFailedException q) {
            return q;
        }
        if (e instanceof RejectedExecutionException) {
            return new QueryFailedException(Reason.BUSY, "too many queries in progress on this node", e);
        }
        if (e instanceof SQLTransientConnectionException) { // Hikari: no connection within connection-timeout
            return new QueryFailedException(Reason.UNAVAILABLE, "no database connection: " + e.getMessage(), e);
        }
        if (e instanceof SQLException s && s.getSQLState() != null) {
            String state = s.getSQLState();
            if (state.equals("57014")) { // query_canceled: statement_timeout
                return new QueryFailedException(Reason.TIMEOUT, "query exceeded the statement timeout", e);
            }
            // connection exceptions, insufficient resources, operator intervention (shutdown, crash)
            if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")) {
                return new QueryFailedException(Reason.UNAVAILABLE, "database unavailable: " + e.getMessage(), e);
            }
        }
        return new QueryFailedException(Reason.INTERNAL, "query failed: " + e, e);
    }
}
