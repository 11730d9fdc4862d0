package dev.logquery.common.query;

/**
 * HTTP headers of {@code POST /internal/query} besides the {@link QueryJson} body and the NDJSON answer.
 */
public final class InternalHeaders {

    /**
     * Request: the shared secret ({@code logquery.internal.token}) that nodes require on every
     * {@code /internal/*} call; 401 without it.
     */
    public static final String TOKEN = "Logquery-Internal-Token";

    /** Request: {@code off} makes the node read the query's whole window, without chunk pruning. */
    public static final String PRUNING = "Logquery-Pruning";
    /** Response: the node's hour chunks its plan reads (an upper bound: reading stops at the limit). */
    public static final String CHUNKS_SCANNED = "Logquery-Chunks-Scanned";
    /** Response: the node's hour chunks its plan skips (outside the window, or excluded by their metadata). */
    public static final String CHUNKS_SKIPPED = "Logquery-Chunks-Skipped";

    private InternalHeaders() {
    }
}
