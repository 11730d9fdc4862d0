package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.ScanPlan;
import dev.logquery.coordinator.merge.SortedMerge;
import dev.logquery.testkit.LogQueryBuilder;
import io.vertx.pgclient.PgConnectOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How a replica's database is named in the settings, how its secrets stay out of the logs, and how its pages are
 * read: a statement only when rows beyond those sent are asked for, signs of life while one runs.
 */
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

    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    static final LogQuery QUERY = LogQueryBuilder.between(T0, T0.plusSeconds(3_600)).limit(100).build();
    static final ScanPlan ONE_RANGE = new ScanPlan(List.of(new ScanPlan.Range(T0, T0.plusSeconds(3_600), 1)),
            Map.of());

    static StoredLogEntry row(int i) {
        return new StoredLogEntry(new LogEntry(T0.plusSeconds(3_000 - i), "svc", LogLevel.INFO, null, null, null,
                "m" + i), 0, 1, i);
    }

    /** A statement that answers at once with as many rows as asked (the range always holds more), recording asks. */
    static Function<PagedRead.Page, Mono<PagedRead.Page>> fullPages(List<PagedRead.Page> asked) {
        return p -> Mono.fromSupplier(() -> {
            asked.add(p);
            int from = p.query().limit() - p.remaining();
            List<StoredLogEntry> rows = new ArrayList<>();
            for (int i = 0; i < p.asked(); i++) {
                rows.add(row(from + i));
            }
            return new PagedRead.Page(p.range(), p.query(), p.remaining(), p.asked(), rows);
        });
    }

    static Flux<NodeAnswer> reading(Function<PagedRead.Page, Mono<PagedRead.Page>> statement, int first,
                                    Duration keepAlive) {
        PagedRead.Page page = new PagedRead.Page(0, QUERY, QUERY.limit(), first, List.of());
        return Flux.create(sink -> new PagedRead(sink, statement, ONE_RANGE, 1000, page, keepAlive));
    }

    /** A subscriber that asks for nothing until the test calls {@code request}, keeping what it gets in {@code got}. */
    static <T> BaseSubscriber<T> askingOnlyWhenTold(List<T> got) {
        return new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
            }

            @Override
            protected void hookOnNext(T value) {
                got.add(value);
            }
        };
    }

    @Test
    void theNextStatementRunsOnlyWhenRowsBeyondThoseSentAreAskedFor() {
        List<PagedRead.Page> asked = new ArrayList<>();
        List<NodeAnswer> got = new ArrayList<>();
        BaseSubscriber<NodeAnswer> reader = askingOnlyWhenTold(got);
        reading(fullPages(asked), 40, Duration.ofMinutes(1)).subscribe(reader);
        assertThat(asked).as("nothing asked for: no statement").isEmpty();
        reader.request(1);
        assertThat(asked).hasSize(1);
        assertThat(asked.get(0).asked()).isEqualTo(40);
        assertThat(got).hasSize(1);
        assertThat(((NodeAnswer.Rows) got.get(0)).rows()).hasSize(40);
        assertThat(asked).as("the first page was sent and nothing more asked for: no second statement").hasSize(1);
        reader.request(1);
        assertThat(asked).hasSize(2);
        assertThat(asked.get(1).remaining()).isEqualTo(60);
        assertThat(asked.get(1).asked()).as("the rest of the limit, resuming after the last row sent").isEqualTo(60);
        assertThat(asked.get(1).query().after()).isNotNull();
        reader.request(1);
        assertThat(asked).as("the limit was reached").hasSize(2);
        assertThat(reader.isDisposed()).as("completed").isTrue();
        assertThat(got.stream().mapToInt(p -> ((NodeAnswer.Rows) p).rows().size()).sum()).isEqualTo(100);
    }

    @Test
    void throughShardQuerysFlatteningASecondStatementRunsOnlyOnceTheFirstPageIsUsedUp() {
        // As ShardQuery reads an answer: pages flattened into rows, one page at a time.
        List<PagedRead.Page> asked = new ArrayList<>();
        List<StoredLogEntry> got = new ArrayList<>();
        BaseSubscriber<StoredLogEntry> merge = askingOnlyWhenTold(got);
        reading(fullPages(asked), 40, Duration.ofMinutes(1))
                .concatMapIterable(part -> ((NodeAnswer.Rows) part).rows(), 1)
                .subscribe(merge);
        merge.request(8);
        assertThat(asked).hasSize(1);
        merge.request(31);
        assertThat(got).hasSize(39);
        assertThat(asked).as("rows of the first page are left: no second statement").hasSize(1);
        merge.request(2);
        assertThat(asked).as("the first page used up: the next one is read").hasSize(2);
        assertThat(got).hasSize(41);
        merge.cancel();
    }

    @Test
    void aShortPageOfTheLastRangeEndsTheAnswer() {
        List<NodeAnswer> parts = reading(p -> Mono.just(new PagedRead.Page(p.range(), p.query(), p.remaining(),
                p.asked(), List.of(row(0), row(1)))), 40, Duration.ofMinutes(1))
                .collectList().block(Duration.ofSeconds(10));
        assertThat(parts).hasSize(1);
        assertThat(((NodeAnswer.Rows) parts.get(0)).rows()).containsExactly(row(0), row(1));
    }

    @Test
    void aFailedStatementFailsTheAnswer() {
        assertThatThrownBy(() -> reading(p -> Mono.error(new IllegalStateException("relation logs does not exist")),
                40, Duration.ofMinutes(1)).blockLast(Duration.ofSeconds(10)))
                .hasMessageContaining("relation logs does not exist");
    }

    @Test
    void aLongStatementSendsSignsOfLifeUntilItsRowsCome() {
        List<NodeAnswer> parts = reading(p -> Mono.delay(Duration.ofMillis(400)).thenReturn(
                new PagedRead.Page(p.range(), p.query(), p.remaining(), p.asked(), List.of(row(0)))),
                40, Duration.ofMillis(50))
                .collectList().block(Duration.ofSeconds(10));
        assertThat(((NodeAnswer.Rows) parts.get(parts.size() - 1)).rows()).containsExactly(row(0)); // signs stop
        assertThat(parts.subList(0, parts.size() - 1)).hasSizeGreaterThanOrEqualTo(3)
                .allSatisfy(p -> assertThat(((NodeAnswer.Rows) p).rows()).isEmpty());
    }

    @Test
    void aShardFirstAsksForItsLikelyPartOfTheLimitWithRoomForAWrongGuess() {
        assertThat(ShardDatabases.firstRows(100, 1.0)).as("a shard alone: the whole limit").isEqualTo(100);
        assertThat(ShardDatabases.firstRows(100, 1.0 / 3)).isEqualTo(50 + SortedMerge.PREFETCH);
        assertThat(ShardDatabases.firstRows(1_000, 0.5)).isEqualTo(750 + SortedMerge.PREFETCH);
        assertThat(ShardDatabases.firstRows(100, 0.0)).as("none expected: the merge's look-ahead")
                .isEqualTo(SortedMerge.PREFETCH);
        assertThat(ShardDatabases.firstRows(100, 0.9)).as("never more than the limit").isEqualTo(100);
        assertThat(ShardDatabases.firstRows(1, 0.2)).isEqualTo(1);
    }

    @Test
    void placeholdersAreNumbered() {
        assertThat(ShardDatabases.numbered("SELECT a FROM logs WHERE ts >= ? AND x @> ?::jsonb LIMIT ?"))
                .isEqualTo("SELECT a FROM logs WHERE ts >= $1 AND x @> $2::jsonb LIMIT $3");
    }
}
