package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.node.config.NodeProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** {@link BatchAccumulator}: a batch is due at its count, byte or time bound, whichever comes first; no waiting. */
class BatchAccumulatorTest {

    final FakeTime time = new FakeTime();

    BatchAccumulator accumulator(int maxRecords, Duration maxWait, DataSize maxBytes) {
        return new BatchAccumulator(new NodeProperties.Batch(maxRecords, maxWait, maxBytes), time::nanos);
    }

    BatchAccumulator byCount(int maxRecords) {
        return accumulator(maxRecords, Duration.ofMillis(500), DataSize.ofMegabytes(16));
    }

    static DecodedRecord record(long offset, int messageChars) {
        LogEntry entry = new LogEntry(Instant.parse("2026-03-10T11:59:00Z"), "checkout", LogLevel.INFO, null, null,
                null, "m".repeat(messageChars));
        return DecodedRecord.accepted(0, offset, entry, false);
    }

    @Test
    void anEmptyBatchIsNeverDueAndPollsTheLongest() {
        BatchAccumulator batch = byCount(1);
        time.advance(Duration.ofHours(1));
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.due()).isFalse();
        assertThat(batch.pollMillis()).isEqualTo(BatchAccumulator.MAX_POLL_MS);
        assertThat(batch.take()).isEmpty();
    }

    @Test
    void aQuietTopicsRecordsAreDueAtOnceButAnEmptyBatchNever() {
        BatchAccumulator batch = byCount(10_000);
        assertThat(batch.due(true)).as("nothing to write").isFalse();
        batch.add(record(10, 5));
        assertThat(batch.due(false)).as("more may come: wait up to maxWait").isFalse();
        assertThat(batch.due(true)).as("the poll drained Kafka's fetch and nothing is being written").isTrue();
    }

    @Test
    void dueAtMaxRecordsAndTakenInConsumptionOrder() {
        BatchAccumulator batch = byCount(3);
        batch.add(record(10, 5));
        batch.add(record(11, 5));
        assertThat(batch.due()).isFalse();
        batch.add(record(12, 5));
        assertThat(batch.due()).isTrue();
        assertThat(batch.size()).isEqualTo(3);

        assertThat(batch.take()).extracting(DecodedRecord::offset).containsExactly(10L, 11L, 12L);
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.due()).isFalse();
    }

    @Test
    void dueOnceTheRecordsWeighMaxBytes() {
        DataSize maxBytes = DataSize.ofKilobytes(64);
        BatchAccumulator batch = accumulator(1_000_000, Duration.ofMinutes(1), maxBytes);
        DecodedRecord heavy = record(0, 10_000); // about 20 KB on the heap
        long weight = heavy.weight();
        int before = (int) ((maxBytes.toBytes() - 1) / weight); // records that stay below the bound
        for (int i = 0; i < before; i++) {
            batch.add(heavy);
        }
        assertThat(before * weight).isLessThan(maxBytes.toBytes());
        assertThat(batch.due()).as("%d records of %d bytes", before, weight).isFalse();
        batch.add(heavy);
        assertThat(batch.due()).isTrue();
    }

    @Test
    void dueMaxWaitAfterItsFirstRecordNotItsLast() {
        BatchAccumulator batch = accumulator(1_000, Duration.ofMillis(500), DataSize.ofMegabytes(16));
        batch.add(record(0, 5));
        time.advanceMillis(300);
        batch.add(record(1, 5));
        time.advanceMillis(199);
        assertThat(batch.due()).isFalse();
        time.advanceMillis(1);
        assertThat(batch.due()).isTrue();
    }

    @Test
    void aPollNeverWaitsPastTheBatchsMaxWait() {
        BatchAccumulator batch = accumulator(1_000, Duration.ofMillis(500), DataSize.ofMegabytes(16));
        batch.add(record(0, 5));
        assertThat(batch.pollMillis()).isEqualTo(200); // 500 ms left, but polls are short anyway
        time.advanceMillis(350);
        assertThat(batch.pollMillis()).isEqualTo(150);
        time.advanceMillis(149);
        assertThat(batch.pollMillis()).isEqualTo(1);
        time.advanceMillis(1_000);
        assertThat(batch.pollMillis()).as("overdue: poll at once, never 0 (wait for ever) or less").isEqualTo(1);
    }

    @Test
    void theNextBatchsTimeStartsAtItsOwnFirstRecord() {
        BatchAccumulator batch = accumulator(1_000, Duration.ofMillis(500), DataSize.ofMegabytes(16));
        batch.add(record(0, 5));
        time.advanceMillis(600);
        assertThat(batch.due()).isTrue();
        batch.take();

        time.advanceMillis(5_000); // idle: no batch, no clock running
        batch.add(record(1, 5));
        assertThat(batch.due()).isFalse();
        assertThat(batch.pollMillis()).isEqualTo(200);
        time.advanceMillis(500);
        assertThat(batch.due()).isTrue();
    }

    @Test
    void dropForgetsTheRecordsAndTheirBytes() {
        DataSize maxBytes = DataSize.ofKilobytes(64);
        BatchAccumulator batch = accumulator(1_000_000, Duration.ofMinutes(1), maxBytes);
        List<DecodedRecord> heavy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            heavy.add(record(i, 10_000));
        }
        heavy.forEach(batch::add);
        assertThat(batch.drop()).isEqualTo(3);
        assertThat(batch.isEmpty()).isTrue();

        heavy.forEach(batch::add); // as heavy as before the drop: below the bound again, not above it
        assertThat(batch.due()).isFalse();
    }
}
