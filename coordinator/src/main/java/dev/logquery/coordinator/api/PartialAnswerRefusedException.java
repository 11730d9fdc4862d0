package dev.logquery.coordinator.api;

import dev.logquery.coordinator.scatter.ShardFailure;
import java.util.List;

/**
 * An NDJSON answer with {@code "allowPartial": false} whose shards failed: raised before the first line
 * (the status is then still open, and {@link QueryErrorHandler} answers 503) or, when a shard fails after
 * rows were sent, to break the stream off rather than end it as if complete.
 */
public class PartialAnswerRefusedException extends RuntimeException {

    private final transient List<ShardFailure> failed;

    public PartialAnswerRefusedException(List<ShardFailure> failed) {
        super("partial answer refused: " + failed, null, false, false);
        this.failed = List.copyOf(failed);
    }

    public List<ShardFailure> failed() {
        return failed;
    }
}
