package dev.logquery.node.ingest;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Why a batch write failed, in a few words for the {@code ingest} health component and the log. The SQLSTATE
 * is looked for along the causes and the JDBC chain of next exceptions, since a pool or a batch statement
 * may wrap the server's error.
 */
enum WriteFailure {

    /** SQLSTATE 53100: PostgreSQL could not extend a file ("No space left on device"). */
    DISK_FULL("disk full", "disk full: PostgreSQL cannot extend its files (SQLSTATE 53100, no space left on device);"
            + " ingest is stopped and the batch is retried, no offset skipped, until writes succeed again"),
    /** Another SQLSTATE of class 53: out of memory, too many connections, a configuration limit. */
    OUT_OF_RESOURCES("database out of resources", "database out of resources (SQLSTATE class 53); the batch is retried"),
    /** Class 08, or no connection from the pool in time: PostgreSQL down or unreachable. */
    DATABASE_UNREACHABLE("database unreachable", "database unreachable; the batch is retried"),
    /** Anything else. */
    OTHER("write failed", "batch write failed; the batch is retried");

    static final String DISK_FULL_STATE = "53100";
    private final String label;
    private final String reason;

    WriteFailure(String label, String reason) {
        this.label = label;
        this.reason = reason;
    }

    /** A few words for the log. */
    String label() {
        return label;
    }

    /** The reason shown as the {@code reason} detail of the {@code ingest} health component. */
    String reason() {
        return reason;
    }

    static WriteFailure of(Throwable failure) {
        String state = sqlState(failure);
        if (DISK_FULL_STATE.equals(state)) {
            return DISK_FULL;
        }
        if (state != null && state.startsWith("53")) {
            return OUT_OF_RESOURCES;
        }
        if (state != null && state.startsWith("08") || causedBy(failure, SQLTransientConnectionException.class)) {
            return DATABASE_UNREACHABLE;
        }
        return OTHER;
    }

    /** The first SQLSTATE along the causes and next exceptions, preferring the most specific (disk full). */
    static String sqlState(Throwable failure) {
        String first = null;
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLException e && e.getSQLState() != null) {
                if (DISK_FULL_STATE.equals(e.getSQLState())) {
                    return DISK_FULL_STATE;
                }
                if (first == null) {
                    first = e.getSQLState();
                }
            }
        }
        return first;
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        return chain(failure).stream().anyMatch(type::isInstance);
    }

    /** The failure, its causes and SQL next exceptions, each once (Throwable's equality is identity), at most 32. */
    private static Set<Throwable> chain(Throwable failure) {
        Set<Throwable> chain = new LinkedHashSet<>();
        Deque<Throwable> todo = new ArrayDeque<>();
        if (failure != null) {
            todo.add(failure);
        }
        while (!todo.isEmpty() && chain.size() < 32) {
            Throwable t = todo.poll();
            if (!chain.add(t)) {
                continue;
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
            if (t instanceof SQLException e && e.getNextException() != null) {
                todo.add(e.getNextException());
            }
        }
        return chain;
    }
}
