package dev.logquery.coordinator.merge;

import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.CursorCodec;
import dev.logquery.common.query.LogQuery;

/**
 * The {@code nextCursor} of a page. A page that came back full ({@code limit} rows) may have more
 * behind it, so it gets a cursor at its last row; a page with fewer rows is the last one, and its cursor
 * is null. A full page that happens to end exactly at the last matching row still gets a cursor, whose
 * page then is empty (with a null cursor): telling the two apart would cost reading one row more.
 */
public final class NextCursor {

    private NextCursor() {
    }

    /**
     * The cursor to the page after {@code last}, or null when there is none.
     *
     * @param query        the query answered (its filters are bound into the cursor; its limit and position
     *                     are not)
     * @param last         the last row emitted, null when the page is empty
     * @param limitReached whether the page holds {@code query.limit()} rows
     */
    public static String of(LogQuery query, StoredLogEntry last, boolean limitReached) {
        if (!limitReached || last == null) {
            return null;
        }
        return CursorCodec.encode(query, position(last));
    }

    /** Convenience for a caller that counted rows: the limit is reached when {@code rows >= query.limit()}. */
    public static String of(LogQuery query, StoredLogEntry last, long rows) {
        return of(query, last, rows >= query.limit());
    }

    /** Where {@code entry} sits in the global order. */
    public static LogQuery.Position position(StoredLogEntry entry) {
        return new LogQuery.Position(entry.entry().timestamp(), entry.kafkaPartition(), entry.offset());
    }
}
