package dev.logquery.node.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class QueryFailedExceptionTest {

    private static QueryFailedException.Reason reasonOf(Throwable e) {
        return QueryFailedException.of(e).reason();
    }

    @Test
    void failuresAreClassifiedByWhatTheCallerCanDo() {
        assertThat(reasonOf(new RejectedExecutionException("queue full"))).isEqualTo(QueryFailedException.Reason.BUSY);
        assertThat(reasonOf(new SQLTransientConnectionException("pool timeout")))
                .isEqualTo(QueryFailedException.Reason.UNAVAILABLE);
        assertThat(reasonOf(new SQLException("canceling statement due to statement timeout", "57014")))
                .isEqualTo(QueryFailedException.Reason.TIMEOUT);
        assertThat(reasonOf(new SQLException("connection lost", "08006"))).isEqualTo(QueryFailedException.Reason.UNAVAILABLE);
        assertThat(reasonOf(new SQLException("shutting down", "57P01"))).isEqualTo(QueryFailedException.Reason.UNAVAILABLE);
        assertThat(reasonOf(new SQLException("syntax error", "42601"))).isEqualTo(QueryFailedException.Reason.INTERNAL);
        assertThat(reasonOf(new IllegalStateException("bug"))).isEqualTo(QueryFailedException.Reason.INTERNAL);
        QueryFailedException already = new QueryFailedException(QueryFailedException.Reason.STALLED, "slow", null);
        assertThat(QueryFailedException.of(already)).isSameAs(already);
    }
}
