package dev.logquery.coordinator.scatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.InvalidFieldException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

class NdjsonRowsTest {

    private static List<StoredLogEntry> rows(int n) {
        List<StoredLogEntry> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new StoredLogEntry(new LogEntry(Instant.parse("2026-11-23T10:15:30.123456Z").minusMillis(i),
                    "svc-" + (i % 7), LogLevel.values()[i % 6], i % 2 == 0 ? "ns" : null, null, "app",
                    "message " + i + " é€😀 \n next " + "x".repeat(i % 50)), 1, i % 6, i));
        }
        return rows;
    }

    private static DataBuffer buffer(byte[] all, int from, int to) {
        return DefaultDataBufferFactory.sharedInstance.wrap(Arrays.copyOfRange(all, from, to));
    }

    @Test
    void rowsCutAtAnyByteComeOutWholeAndInOrder() {
        List<StoredLogEntry> expected = rows(40);
        byte[] body = EntryJson.toNdjson(expected);
        Random random = new Random(3);
        for (int round = 0; round < 300; round++) {
            NdjsonRows reader = new NdjsonRows(1 << 20);
            List<StoredLogEntry> got = new ArrayList<>();
            int at = 0;
            while (at < body.length) {
                int to = Math.min(body.length, at + 1 + random.nextInt(round < 100 ? 3 : 400));
                got.addAll(reader.next(buffer(body, at, to)));
                at = to;
            }
            got.addAll(reader.end());
            assertThat(got).isEqualTo(expected);
        }
    }

    @Test
    void aLastLineWithoutLineBreakAndBlankLinesAreFine() {
        List<StoredLogEntry> expected = rows(2);
        String text = "\n \r\n" + new String(EntryJson.toNdjsonLine(expected.get(0)), StandardCharsets.UTF_8)
                + "\r\n\n" + new String(EntryJson.toNdjsonLine(expected.get(1)), StandardCharsets.UTF_8).trim();
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        NdjsonRows reader = new NdjsonRows(1 << 20);
        List<StoredLogEntry> got = new ArrayList<>(reader.next(buffer(body, 0, body.length)));
        assertThat(got).hasSize(1);
        got.addAll(reader.end());
        assertThat(got).isEqualTo(expected);
        assertThat(reader.end()).isEmpty();
    }

    @Test
    void aLineLongerThanTheLimitFailsInsteadOfGrowingWithoutBound() {
        byte[] body = EntryJson.toNdjsonLine(rows(1).get(0));
        NdjsonRows reader = new NdjsonRows(100);
        assertThatThrownBy(() -> {
            for (int at = 0; at < body.length; at += 30) {
                reader.next(buffer(body, at, Math.min(body.length, at + 30)));
            }
        }).isInstanceOf(DataBufferLimitException.class).hasMessageContaining("100 bytes");
    }

    @Test
    void anUnreadableLineNamesTheProblem() {
        byte[] body = "{\"timestamp\":\"yesterday\"}\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> new NdjsonRows(1000).next(buffer(body, 0, body.length)))
                .isInstanceOf(InvalidFieldException.class).hasMessageContaining("timestamp");
    }
}
