package dev.logquery.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.node.storage.OffsetStore.Stored;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link OffsetStore}'s fencing: a writer advances a partition only from the position it believes is stored
 * (offset and topic id), a compare-and-set in SQL; when the stored position moved under it (another writer, a
 * replayed batch, a concurrent first insert) nothing matches and the write is fenced off. The database is
 * {@link RecordingJdbc}: what is checked is the statement the store sends, its bound values and what it makes
 * of the rows changed; that PostgreSQL evaluates the WHERE as written is left to the integration tests.
 */
class OffsetStoreTest {

    static final String OLD = "Hh3X8kdlQWCUt8dxvT7rCw";
    static final String NEW = "4Gk9bZ1MRmWb3bZr8qVx2A";

    final RecordingJdbc db = new RecordingJdbc();
    final OffsetStore store = new OffsetStore(db.dataSource(), "pod-logs");

    static Map<Integer, Object> values(Object... values) {
        Map<Integer, Object> byIndex = new HashMap<>();
        for (int i = 0; i < values.length; i++) {
            byIndex.put(i + 1, values[i]);
        }
        return byIndex;
    }

    @Test
    void loadReadsEachPartitionsPositionOfThisTopic() throws SQLException {
        db.rows = sql -> List.of(new Object[] {0, 42L, OLD}, new Object[] {3, 7L, null});
        assertThat(store.load()).containsOnly(Map.entry(0, new Stored(42, OLD)), Map.entry(3, new Stored(7, null)));
        assertThat(db.executed.get(0).sql()).contains("FROM kafka_offsets WHERE topic = ?");
        assertThat(db.executed.get(0).parameters()).isEqualTo(values("pod-logs"));
        assertThat(db.connectionsOpen).isZero();
    }

    @Test
    void anAdvanceMovesFromTheExpectedOffsetAndIdOnly() throws SQLException {
        Connection c = db.connection();
        store.advance(c, 3, new Stored(42, OLD), 50, NEW);

        RecordingJdbc.Executed update = db.executed.get(0);
        assertThat(update.sql()).startsWith("UPDATE kafka_offsets SET next_offset = ?, topic_id = coalesce(?, topic_id)")
                .endsWith("WHERE topic = ? AND kafka_partition = ? AND next_offset = ? AND topic_id IS NOT DISTINCT FROM ?");
        assertThat(update.parameters()).isEqualTo(values(50L, NEW, "pod-logs", 3, 42L, OLD));
        assertThat(db.transactionEvents).as("the caller's transaction: neither committed nor ended here").isEmpty();
        assertThat(db.connectionsOpen).isEqualTo(1);
    }

    @Test
    void aPositionThatMovedUnderTheWriterFencesItOff() {
        db.updateCount = sql -> 0; // no row is at 42@OLD any more
        assertThatThrownBy(() -> store.advance(db.connection(), 3, new Stored(42, OLD), 50, OLD))
                .isInstanceOf(OffsetStore.FencedException.class)
                .hasMessage("stored offset of pod-logs-3 is not 42@" + OLD + ": another writer moved it; reloading");
    }

    @Test
    void anIdUnknownOnEitherSideIsComparedAsNullAndKept() throws SQLException {
        store.advance(db.connection(), 0, new Stored(7, null), 9, null);
        // IS NOT DISTINCT FROM: a row stored without an id matches only an expected null, and coalesce keeps an id
        assertThat(db.executed.get(0).parameters()).isEqualTo(values(9L, null, "pod-logs", 0, 7L, null));
    }

    @Test
    void theFirstAdvanceInsertsAndIsFencedWhenAnotherWriterInsertedFirst() throws SQLException {
        store.advance(db.connection(), 5, null, 100, NEW);
        RecordingJdbc.Executed insert = db.executed.get(0);
        assertThat(insert.sql()).startsWith("INSERT INTO kafka_offsets (topic, kafka_partition, next_offset, topic_id)")
                .endsWith("ON CONFLICT DO NOTHING");
        assertThat(insert.parameters()).isEqualTo(values("pod-logs", 5, 100L, NEW));

        db.updateCount = sql -> 0; // the conflict: a row appeared since this writer loaded
        assertThatThrownBy(() -> store.advance(db.connection(), 5, null, 100, NEW))
                .isInstanceOf(OffsetStore.FencedException.class)
                .hasMessageContaining("pod-logs-5 is not null");
    }

    @Test
    void moreThanOneRowChangedIsNoAdvanceEither() {
        db.updateCount = sql -> 2;
        assertThatThrownBy(() -> store.advance(db.connection(), 3, new Stored(42, OLD), 50, OLD))
                .isInstanceOf(OffsetStore.FencedException.class);
    }

    @Test
    void theWritersViewAfterAnAdvanceIsWhatTheUpdateLeaves() {
        assertThat(OffsetStore.advanced(new Stored(42, OLD), 50, NEW)).isEqualTo(new Stored(50, NEW));
        assertThat(OffsetStore.advanced(new Stored(42, OLD), 50, null)).as("coalesce(?, topic_id)")
                .isEqualTo(new Stored(50, OLD));
        assertThat(OffsetStore.advanced(null, 50, null)).isEqualTo(new Stored(50, null));
        assertThat(OffsetStore.advanced(null, 50, NEW)).isEqualTo(new Stored(50, NEW));
    }

    @Test
    void anUnknownIdCountsAsTheSameTopic() {
        assertThat(new Stored(1, OLD).sameTopic(OLD)).isTrue();
        assertThat(new Stored(1, OLD).sameTopic(NEW)).isFalse();
        assertThat(new Stored(1, null).sameTopic(NEW)).isTrue();
        assertThat(new Stored(1, OLD).sameTopic(null)).isTrue();
        assertThat(Arrays.asList(new Stored(5, null), new Stored(6, OLD)))
                .extracting(Stored::toString).containsExactly("5", "6@" + OLD);
    }
}
