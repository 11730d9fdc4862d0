package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** How a replica's database is named in the settings, and how its secrets stay out of the logs. */
class ShardDatabasesTest {

    @Test
    void takesTheNodesJdbcFormAndThePostgresqlUri() {
        PgConnectOptions jdbc = ShardDatabases.options("jdbc:postgresql://db-0:5433/logs?user=reader&password=s3cret");
        assertThat(jdbc.getHost()).isEqualTo("db-0");
        assertThat(jdbc.getPort()).isEqualTo(5433);
        assertThat(jdbc.getDatabase()).isEqualTo("logs");
        assertThat(jdbc.getUser()).isEqualTo("reader");
        assertThat(jdbc.getPassword()).isEqualTo("s3cret");
        PgConnectOptions uri = ShardDatabases.options("postgresql://reader:s3cret@db-1:5434/logs");
        assertThat(uri.getHost()).isEqualTo("db-1");
        assertThat(uri.getUser()).isEqualTo("reader");
        assertThat(uri.getPassword()).isEqualTo("s3cret");
    }

    @Test
    void aUrlThatIsNotPostgresIsRefusedWithoutItsPassword() {
        assertThatThrownBy(() -> ShardDatabases.options("mysql://reader:s3cret@db:3306/logs"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("databases")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void passwordsAreRedacted() {
        assertThat(ShardDatabases.redacted("postgresql://reader:s3cret@db:5432/logs"))
                .isEqualTo("postgresql://reader:***@db:5432/logs");
        assertThat(ShardDatabases.redacted("jdbc:postgresql://db:5432/logs?user=r&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/logs?user=r&password=***&ssl=true");
    }

    @Test
    void aLongStatementSendsSignsOfLifeUntilItsRowsCome() {
        NodeAnswer.Rows found = new NodeAnswer.Rows(List.of(new StoredLogEntry(new LogEntry(
                Instant.parse("2026-12-01T00:00:00Z"), "svc", LogLevel.INFO, null, null, null, "m"), 0, 1, 2)));
        List<NodeAnswer> parts = ShardDatabases.withSignsOfLife(
                Mono.delay(Duration.ofMillis(400)).<NodeAnswer>thenReturn(found).flux(), Duration.ofMillis(50))
                .collectList().block(Duration.ofSeconds(10));
        assertThat(parts).last().isSameAs(found); // the signs stop with the rows
        assertThat(parts.subList(0, parts.size() - 1)).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(p -> assertThat(((NodeAnswer.Rows) p).rows()).isEmpty());
    }

    @Test
    void placeholdersAreNumbered() {
        assertThat(ShardDatabases.numbered("SELECT a FROM logs WHERE ts >= ? AND x @> ?::jsonb LIMIT ?"))
                .isEqualTo("SELECT a FROM logs WHERE ts >= $1 AND x @> $2::jsonb LIMIT $3");
    }
}
