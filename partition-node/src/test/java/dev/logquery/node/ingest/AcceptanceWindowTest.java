package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.storage.OffsetStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link AcceptanceWindow}: what is stored as a line, what is rejected and why (too old, too new, not a line),
 * and which records are already stored.
 */
class AcceptanceWindowTest {

    final FakeTime time = new FakeTime();
    final Instant now = time.instant();
    final AcceptanceWindow window = new AcceptanceWindow(
            new NodeProperties.Accept(Duration.ofDays(7), Duration.ofDays(1)), time);

    static LogEntry entry(Instant ts, String message) {
        return new LogEntry(ts, "checkout", LogLevel.WARN, "shop", "checkout-7d9f", null, message);
    }

    static byte[] line(Instant ts) {
        return LogEntryCodec.encode(entry(ts, "payment declined"));
    }

    @Test
    void aLineInsideTheWindowIsAccepted() {
        Instant ts = now.minus(Duration.ofHours(3));
        DecodedRecord r = window.decode(4, 1234, line(ts));
        assertThat(r.accepted()).isTrue();
        assertThat(r.partition()).isEqualTo(4);
        assertThat(r.offset()).isEqualTo(1234);
        assertThat(r.entry()).isEqualTo(entry(ts, "payment declined"));
        assertThat(r.truncated()).isFalse();
        assertThat(r.reasonCode()).isNull();
        assertThat(r.raw()).as("an accepted record does not keep its value").isNull();
    }

    @Test
    void theWindowsEdgesAreInsideAndAMicrosecondBeyondIsNot() {
        Instant oldest = now.minus(Duration.ofDays(7));
        Instant newest = now.plus(Duration.ofDays(1));
        assertThat(window.decode(0, 0, line(oldest)).accepted()).isTrue();
        assertThat(window.decode(0, 1, line(newest)).accepted()).isTrue();
        assertThat(window.decode(0, 2, line(oldest.minus(1, ChronoUnit.MICROS))).reasonCode())
                .isEqualTo(DecodedRecord.TOO_OLD);
        assertThat(window.decode(0, 3, line(newest.plus(1, ChronoUnit.MICROS))).reasonCode())
                .isEqualTo(DecodedRecord.TOO_NEW);
    }

    @Test
    void tooOldAndTooNewAreRejectedWithTheirReasonAndValue() {
        byte[] old = line(now.minus(Duration.ofDays(30)));
        DecodedRecord tooOld = window.decode(1, 7, old);
        assertThat(tooOld.accepted()).isFalse();
        assertThat(tooOld.reasonCode()).isEqualTo(DecodedRecord.TOO_OLD);
        assertThat(tooOld.rejection()).startsWith("too_old: timestamp ").contains("PT168H old")
                .contains("logquery.node.accept.max-age");
        assertThat(tooOld.raw()).isEqualTo(old);
        assertThat(tooOld.rawLength()).isEqualTo(old.length);
        assertThat(tooOld.partition()).isEqualTo(1);
        assertThat(tooOld.offset()).isEqualTo(7);

        DecodedRecord tooNew = window.decode(1, 8, line(now.plus(Duration.ofDays(2))));
        assertThat(tooNew.reasonCode()).isEqualTo(DecodedRecord.TOO_NEW);
        assertThat(tooNew.rejection()).startsWith("too_new: timestamp ").contains("PT24H ahead")
                .contains("logquery.node.accept.max-future");
    }

    @Test
    void theWindowMovesWithTheClock() {
        byte[] sixDaysOld = line(now.minus(Duration.ofDays(6)));
        assertThat(window.decode(0, 0, sixDaysOld).accepted()).isTrue();
        time.advance(Duration.ofDays(2));
        assertThat(window.decode(0, 0, sixDaysOld).reasonCode()).isEqualTo(DecodedRecord.TOO_OLD);
    }

    @Test
    void aValueThatIsNoLineIsRejectedWithTheCodecsReason() {
        byte[] garbage = "{\"timestamp\": 12".getBytes(StandardCharsets.UTF_8);
        DecodedRecord r = window.decode(2, 99, garbage);
        assertThat(r.accepted()).isFalse();
        assertThat(r.reasonCode()).isEqualTo(DecodedRecord.INVALID);
        assertThat(r.rejection()).startsWith("not JSON");
        assertThat(r.raw()).isEqualTo(garbage);

        DecodedRecord tombstone = window.decode(2, 100, null);
        assertThat(tombstone.reasonCode()).isEqualTo(DecodedRecord.INVALID);
        assertThat(tombstone.rejection()).isEqualTo("empty record value");
        assertThat(tombstone.raw()).isNull();
    }

    @Test
    void aLongMessageIsAcceptedTruncated() {
        byte[] value = LogEntryCodec.encode(entry(now, "x".repeat(LogEntryCodec.MAX_MESSAGE_BYTES + 1)));
        DecodedRecord r = window.decode(0, 0, value);
        assertThat(r.accepted()).isTrue();
        assertThat(r.truncated()).isTrue();
    }

    @Test
    void aRecordIsNewBeyondTheStoredOffsetOrWhenTheStoredOffsetIsAnotherTopics() {
        DecodedRecord at100 = DecodedRecord.rejected(3, 100, "x", new byte[0]);
        assertThat(AcceptanceWindow.isNew(at100, "id", Map.of(3, new OffsetStore.Stored(100, "id")))).isTrue();
        assertThat(AcceptanceWindow.isNew(at100, "id", Map.of(3, new OffsetStore.Stored(101, "id")))).isFalse();
        assertThat(AcceptanceWindow.isNew(at100, "id", Map.of(3, new OffsetStore.Stored(101, "other")))).isTrue();
        assertThat(AcceptanceWindow.isNew(at100, "id", Map.of(4, new OffsetStore.Stored(101, "id"))))
                .as("another partition's offset says nothing").isTrue();
        assertThat(AcceptanceWindow.isNew(at100, null, Map.of(3, new OffsetStore.Stored(101, "id"))))
                .as("a broker without ids: the stored offset is trusted").isFalse();
    }
}
