package dev.logquery.common.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EntryJsonTest {

    private static final StoredLogEntry FULL = new StoredLogEntry(new LogEntry(
            Instant.parse("2026-11-23T10:15:30.123456Z"), "payment-service", LogLevel.ERROR, "payments",
            "payment-service-7d9f8c6b5-x2k4p", "app", "line one\nline two\ttab \\ \"quoted\" é€😀 \u2028"),
            1, 4, 118_812L);

    private static final String REST = ",\"partition\":0,\"kafkaPartition\":3,\"offset\":7}";
    private static final String HEAD = "{\"timestamp\":\"2026-11-23T10:15:30Z\",\"service\":\"s\",\"level\":\"INFO\","
            + "\"message\":\"m\"";

    @Test
    void aRowIsOneLineAndRoundTrips() {
        byte[] line = EntryJson.toNdjsonLine(FULL);
        String text = new String(line, StandardCharsets.UTF_8);
        assertThat(text).endsWith("}\n").doesNotContain("\r");
        assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
        assertThat(text).startsWith("{\"timestamp\":\"2026-11-23T10:15:30.123456Z\",\"service\":\"payment-service\","
                + "\"level\":\"ERROR\",\"namespace\":\"payments\"");
        assertThat(text).endsWith(",\"partition\":1,\"kafkaPartition\":4,\"offset\":118812}\n");
        assertThat(EntryJson.fromJson(line)).isEqualTo(FULL);
        assertThat(EntryJson.fromJson(text.trim())).isEqualTo(FULL);
    }

    @Test
    void absentOptionalFieldsAreLeftOut() {
        StoredLogEntry bare = new StoredLogEntry(new LogEntry(Instant.parse("2026-11-23T10:15:30Z"), "s", LogLevel.TRACE,
                null, null, null, ""), 0, 0, 0);
        String text = new String(EntryJson.toNdjsonLine(bare), StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("{\"timestamp\":\"2026-11-23T10:15:30Z\",\"service\":\"s\",\"level\":\"TRACE\","
                + "\"message\":\"\",\"partition\":0,\"kafkaPartition\":0,\"offset\":0}\n");
        assertThat(EntryJson.fromJson(text)).isEqualTo(bare);
    }

    @Test
    void aBatchIsTheRowsLinesOneAfterTheOther() {
        StoredLogEntry bare = new StoredLogEntry(new LogEntry(Instant.parse("2026-11-23T10:15:30Z"), "s", LogLevel.TRACE,
                null, null, null, ""), 0, 0, 0);
        List<StoredLogEntry> rows = List.of(FULL, bare, FULL);
        String expected = rows.stream().map(r -> new String(EntryJson.toNdjsonLine(r), StandardCharsets.UTF_8))
                .collect(Collectors.joining());
        String batch = new String(EntryJson.toNdjson(rows), StandardCharsets.UTF_8);
        assertThat(batch).isEqualTo(expected);
        assertThat(batch.split("\n", -1)).hasSize(4).endsWith("");
        assertThat(EntryJson.toNdjson(List.of())).isEmpty();
    }

    @Test
    void aLineInsideALargerBufferReads() {
        byte[] one = EntryJson.toNdjsonLine(FULL);
        byte[] buffer = new byte[one.length * 2];
        System.arraycopy(one, 0, buffer, 0, one.length);
        System.arraycopy(one, 0, buffer, one.length, one.length);
        assertThat(EntryJson.fromJson(buffer, one.length, one.length)).isEqualTo(FULL);
    }

    @Test
    void unknownFieldsAndNullOptionalsAreAccepted() {
        StoredLogEntry e = EntryJson.fromJson(HEAD + ",\"namespace\":null,\"extra\":{\"a\":[1]}" + REST);
        assertThat(e.entry().namespace()).isNull();
        assertThat(e.kafkaPartition()).isEqualTo(3);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                arguments("", "body"),
                arguments("[1]", "body"),
                arguments("{\"timestamp\":", "body"),
                arguments(HEAD + REST + "x", "body"),
                arguments("{\"service\":\"s\",\"level\":\"INFO\",\"message\":\"m\"" + REST, "timestamp"),
                arguments("{\"timestamp\":\"later\",\"service\":\"s\",\"level\":\"INFO\",\"message\":\"m\"" + REST,
                        "timestamp"),
                arguments("{\"timestamp\":\"2026-11-23T10:15:30Z\",\"level\":\"INFO\",\"message\":\"m\"" + REST, "service"),
                arguments("{\"timestamp\":\"2026-11-23T10:15:30Z\",\"service\":\"s\",\"level\":\"LOUD\",\"message\":\"m\""
                        + REST, "level"),
                arguments("{\"timestamp\":\"2026-11-23T10:15:30Z\",\"service\":\"s\",\"level\":\"INFO\"" + REST, "message"),
                arguments(HEAD + ",\"pod\":7" + REST, "pod"),
                arguments(HEAD + ",\"kafkaPartition\":3,\"offset\":7}", "partition"),
                arguments(HEAD + ",\"partition\":0,\"offset\":7}", "kafkaPartition"),
                arguments(HEAD + ",\"partition\":0,\"kafkaPartition\":3}", "offset"),
                arguments(HEAD + ",\"partition\":0,\"kafkaPartition\":3,\"offset\":-7}", "offset"),
                arguments(HEAD + ",\"partition\":0,\"kafkaPartition\":3.5,\"offset\":7}", "kafkaPartition"),
                arguments(HEAD + ",\"service\":\"t\"" + REST, "service"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedRowsNameTheField(String json, String field) {
        assertThatThrownBy(() -> EntryJson.fromJson(json))
                .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith(field.equals("body") ? "" : field);
                });
    }
}
