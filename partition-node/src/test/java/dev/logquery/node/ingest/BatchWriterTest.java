package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchWriter#writeSplitting}: a batch the database refuses as data is halved until the refused record
 * is alone, which is then stored as rejected; every other record is written once, in order. The transaction is
 * a fake that refuses any batch holding a poisoned offset, as PostgreSQL refuses a whole COPY for one bad row.
 */
class BatchWriterTest {

    /** Transactions attempted (offsets, "!" marking a rejected record), and those committed. */
    final List<String> attempted = new ArrayList<>();
    final List<List<DecodedRecord>> committed = new ArrayList<>();

    BatchWriter.Transaction refusing(Set<Long> poisoned) {
        return records -> {
            attempted.add(names(records));
            for (DecodedRecord r : records) {
                if (r.accepted() && poisoned.contains(r.offset())) {
                    throw new BatchWriter.RowsRefusedException(
                            new SQLException("invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80", "22021"));
                }
            }
            committed.add(List.copyOf(records));
        };
    }

    static String names(List<DecodedRecord> records) {
        StringBuilder b = new StringBuilder();
        for (DecodedRecord r : records) {
            b.append(b.isEmpty() ? "" : ",").append(r.offset()).append(r.accepted() ? "" : "!");
        }
        return b.toString();
    }

    static LogEntry entry(long offset) {
        return new LogEntry(Instant.parse("2026-03-10T12:00:00Z").plusSeconds(offset), "checkout", LogLevel.ERROR,
                null, null, null, "line " + offset);
    }

    static List<DecodedRecord> records(int count) {
        List<DecodedRecord> records = new ArrayList<>();
        for (long o = 0; o < count; o++) {
            records.add(DecodedRecord.accepted(2, o, entry(o), false));
        }
        return records;
    }

    List<Long> committedOffsets() {
        return committed.stream().flatMap(List::stream).map(DecodedRecord::offset).toList();
    }

    @Test
    void aBatchTheDatabaseAcceptsIsOneTransaction() throws SQLException {
        BatchWriter.writeSplitting(records(8), refusing(Set.of()));
        assertThat(attempted).containsExactly("0,1,2,3,4,5,6,7");
    }

    @Test
    void aRefusedRecordIsFoundByHalvingAndStoredAsRejected() throws SQLException {
        BatchWriter.writeSplitting(records(8), refusing(Set.of(5L)));

        assertThat(attempted).containsExactly(
                "0,1,2,3,4,5,6,7", // refused
                "0,1,2,3",
                "4,5,6,7", // refused
                "4,5", // refused
                "4",
                "5", // refused
                "5!",
                "6,7");
        assertThat(committedOffsets()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);

        DecodedRecord rejected = committed.get(2).get(0);
        assertThat(rejected.accepted()).isFalse();
        assertThat(rejected.partition()).isEqualTo(2);
        assertThat(rejected.offset()).isEqualTo(5);
        assertThat(rejected.reasonCode()).isEqualTo(DecodedRecord.INVALID);
        assertThat(rejected.rejection())
                .isEqualTo("database refused the line: invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80");
        assertThat(rejected.raw()).as("the line as it was sent, for rejected_records")
                .isEqualTo(LogEntryCodec.encode(entry(5)));
    }

    @Test
    void everyRefusedRecordIsFoundAndOddSizesSplitToo() throws SQLException {
        BatchWriter.writeSplitting(records(7), refusing(Set.of(0L, 6L)));
        assertThat(committedOffsets()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(committed.stream().flatMap(List::stream).filter(r -> !r.accepted()).map(DecodedRecord::offset))
                .containsExactly(0L, 6L);
        assertThat(attempted.get(1)).as("the first half of 7 is 3").isEqualTo("0,1,2");
    }

    @Test
    void aFailureThatIsNoFaultOfTheRowsIsNotSplit() {
        SQLException diskFull = new SQLException("could not extend file: No space left on device", "53100");
        BatchWriter.Transaction full = records -> {
            attempted.add(names(records));
            throw diskFull;
        };
        assertThatThrownBy(() -> BatchWriter.writeSplitting(records(8), full)).isSameAs(diskFull);
        assertThat(attempted).containsExactly("0,1,2,3,4,5,6,7");
    }

    @Test
    void aRecordRefusedEvenAsRejectedFailsTheWriteRatherThanBeingDropped() {
        BatchWriter.Transaction refusingAll = records -> {
            attempted.add(names(records));
            throw new BatchWriter.RowsRefusedException(new SQLException("value too long", "22001"));
        };
        assertThatThrownBy(() -> BatchWriter.writeSplitting(records(2), refusingAll))
                .isInstanceOf(BatchWriter.RowsRefusedException.class);
        assertThat(attempted).containsExactly("0,1", "0", "0!");
    }
}
