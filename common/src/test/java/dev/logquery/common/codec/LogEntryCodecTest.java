package dev.logquery.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LogEntryCodecTest {

    private static final String TS = "\"timestamp\":\"2024-12-01T10:15:30Z\"";
    private static final String SVC = "\"service\":\"payment-service\"";
    private static final String LVL = "\"level\":\"INFO\"";
    private static final String MSG = "\"message\":\"hello\"";
    private static final String VALID = "{" + TS + "," + SVC + "," + LVL + "," + MSG + "}";

    private static DecodeResult decode(String json) {
        return LogEntryCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static LogEntry accepted(String json) {
        DecodeResult result = decode(json);
        assertThat(result).as("decode(%s)", abbreviate(json)).isInstanceOf(DecodeResult.Accepted.class);
        return ((DecodeResult.Accepted) result).entry();
    }

    private static String rejectedReason(DecodeResult result) {
        assertThat(result).isInstanceOf(DecodeResult.Rejected.class);
        return ((DecodeResult.Rejected) result).reason();
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** A record with the given message (a JSON string literal body, already escaped). */
    private static String withMessageLiteral(String escapedMessage) {
        return "{" + TS + "," + SVC + "," + LVL + ",\"message\":\"" + escapedMessage + "\"}";
    }

    private static String withMessage(String rawMessage) {
        // the test messages here contain no characters that need JSON escaping
        return withMessageLiteral(rawMessage);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    // ---------------------------------------------------------------- valid records

    static Stream<Arguments> validRecords() {
        return Stream.of(
                arguments("Z offset", VALID,
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("+02:00 offset",
                        "{\"timestamp\":\"2024-12-01T12:15:30+02:00\"," + SVC + "," + LVL + "," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("-05:30 offset crossing midnight",
                        "{\"timestamp\":\"2024-12-31T20:00:00-05:30\"," + SVC + "," + LVL + "," + MSG + "}",
                        "2025-01-01T01:30:00Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("lower-case level warn",
                        "{" + TS + "," + SVC + ",\"level\":\"warn\"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.WARN, null, null, null, "hello"),
                arguments("mixed-case level Error",
                        "{" + TS + "," + SVC + ",\"level\":\"Error\"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.ERROR, null, null, null, "hello"),
                arguments("level with surrounding blanks",
                        "{" + TS + "," + SVC + ",\"level\":\" fatal \"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.FATAL, null, null, null, "hello"),
                arguments("all optional fields present",
                        "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":\"prod\",\"pod\":\"pay-7d9f-x2\","
                                + "\"container\":\"app\"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, "prod", "pay-7d9f-x2", "app", "hello"),
                arguments("optional fields JSON null",
                        "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":null,\"pod\":null,\"container\":null,"
                                + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("blank optional fields become null",
                        "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":\"\",\"pod\":\"   \",\"container\":\"\\t\","
                                + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("service and pod are stripped",
                        "{" + TS + ",\"service\":\"  svc-a \"," + LVL + ",\"pod\":\" pod-1 \"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "svc-a", LogLevel.INFO, null, "pod-1", null, "hello"),
                arguments("unknown extra fields ignored",
                        "{\"traceId\":\"abc\"," + TS + ",\"labels\":{\"a\":1,\"b\":[1,2]}," + SVC + ",\"n\":42,"
                                + LVL + ",\"flag\":true,\"nothing\":null," + MSG + ",\"arr\":[\"x\"]}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("fields in any order",
                        "{" + MSG + "," + LVL + ",\"pod\":\"p\"," + SVC + "," + TS + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, "p", null, "hello"),
                arguments("empty message is a message",
                        "{" + TS + "," + SVC + "," + LVL + ",\"message\":\"\"}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, ""),
                arguments("message whitespace kept as is",
                        "{" + TS + "," + SVC + "," + LVL + ",\"message\":\"  two\\nlines \"}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "  two\nlines "),
                arguments("nanoseconds cut to microseconds",
                        "{\"timestamp\":\"2024-12-01T10:15:30.123456789Z\"," + SVC + "," + LVL + "," + MSG + "}",
                        "2024-12-01T10:15:30.123456Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("space separator and lower-case z",
                        "{\"timestamp\":\"2024-12-01 10:15:30.5z\"," + SVC + "," + LVL + "," + MSG + "}",
                        "2024-12-01T10:15:30.5Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("service of 128 characters",
                        "{" + TS + ",\"service\":\"" + "s".repeat(128) + "\"," + LVL + "," + MSG + "}",
                        "2024-12-01T10:15:30Z", "s".repeat(128), LogLevel.INFO, null, null, null, "hello"),
                arguments("service of 1 character",
                        "{" + TS + ",\"service\":\"x\"," + LVL + "," + MSG + "}",
                        "2024-12-01T10:15:30Z", "x", LogLevel.INFO, null, null, null, "hello"),
                arguments("identity fields of 253 characters",
                        "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":\"" + "n".repeat(253) + "\",\"pod\":\""
                                + "p".repeat(253) + "\",\"container\":\"" + "c".repeat(253) + "\"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO,
                        "n".repeat(253), "p".repeat(253), "c".repeat(253), "hello"),
                arguments("pod of 253 characters after stripping 2 blanks",
                        "{" + TS + "," + SVC + "," + LVL + ",\"pod\":\" " + "p".repeat(253) + " \"," + MSG + "}",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, "p".repeat(253), null, "hello"),
                arguments("trailing newline after the object",
                        VALID + "\n",
                        "2024-12-01T10:15:30Z", "payment-service", LogLevel.INFO, null, null, null, "hello"),
                arguments("unicode in service and message",
                        "{" + TS + ",\"service\":\"caf\u00e9-\u20ac\"," + LVL + ",\"message\":\"\u00e9\u20ac\uD83D\uDE00\"}",
                        "2024-12-01T10:15:30Z", "caf\u00e9-\u20ac", LogLevel.INFO, null, null, null,
                        "\u00e9\u20ac\uD83D\uDE00"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validRecords")
    void acceptsValidRecords(String description, String json, String timestamp, String service, LogLevel level,
                             String namespace, String pod, String container, String message) {
        DecodeResult result = decode(json);

        assertThat(result).isInstanceOf(DecodeResult.Accepted.class);
        DecodeResult.Accepted accepted = (DecodeResult.Accepted) result;
        assertThat(accepted.truncated()).isFalse();
        assertThat(accepted.entry()).isEqualTo(new LogEntry(Instant.parse(timestamp), service, level,
                namespace, pod, container, message));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
            "trace", "debug", "info", "warn", "error", "fatal", "Trace", "wArN"})
    void acceptsEveryLevelInAnyCase(String level) {
        LogEntry entry = accepted("{" + TS + "," + SVC + ",\"level\":\"" + level + "\"," + MSG + "}");
        assertThat(entry.level().name()).isEqualToIgnoringCase(level);
    }

    // ---------------------------------------------------------------- rejections

    static Stream<Arguments> rejectedRecords() {
        String tooLong129 = "s".repeat(129);
        String tooLong254 = "p".repeat(254);
        return Stream.of(
                // not a JSON object at all
                arguments("not JSON", "not json", List.of("not JSON")),
                arguments("truncated JSON", "{\"timestamp\":", List.of("not JSON")),
                arguments("single quotes", "{'timestamp':'2024-12-01T10:15:30Z'}", List.of("not JSON")),
                arguments("JSON array", "[" + VALID + "]", List.of("not a JSON object")),
                arguments("empty JSON array", "[]", List.of("not a JSON object")),
                arguments("JSON number", "42", List.of("not a JSON object")),
                arguments("JSON string", "\"hello\"", List.of("not a JSON object")),
                arguments("JSON true", "true", List.of("not a JSON object")),
                arguments("JSON null", "null", List.of("not a JSON object")),
                arguments("only whitespace", "   \n", List.of("not a JSON object")),
                arguments("trailing garbage", VALID + " x", List.of("not JSON")),
                arguments("trailing second object", VALID + "{}", List.of("not JSON")),
                arguments("trailing comma token", VALID + ",", List.of("not JSON")),
                arguments("duplicate service", "{" + TS + "," + SVC + "," + LVL + "," + MSG
                        + ",\"service\":\"other\"}", List.of("not JSON", "Duplicate", "service")),
                arguments("duplicate timestamp", "{" + TS + "," + TS + "," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("not JSON", "Duplicate", "timestamp")),
                arguments("duplicate optional pod", "{" + TS + "," + SVC + "," + LVL + ",\"pod\":\"a\",\"pod\":null,"
                        + MSG + "}", List.of("Duplicate", "pod")),
                // missing required fields
                arguments("empty object", "{}", List.of("timestamp is missing")),
                arguments("missing timestamp", "{" + SVC + "," + LVL + "," + MSG + "}", List.of("timestamp is missing")),
                arguments("missing service", "{" + TS + "," + LVL + "," + MSG + "}", List.of("service is missing")),
                arguments("missing level", "{" + TS + "," + SVC + "," + MSG + "}", List.of("level is missing")),
                arguments("missing message", "{" + TS + "," + SVC + "," + LVL + "}", List.of("message is missing")),
                arguments("null timestamp", "{\"timestamp\":null," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("timestamp is missing")),
                arguments("null service", "{" + TS + ",\"service\":null," + LVL + "," + MSG + "}",
                        List.of("service is missing")),
                arguments("null level", "{" + TS + "," + SVC + ",\"level\":null," + MSG + "}",
                        List.of("level is missing")),
                arguments("null message", "{" + TS + "," + SVC + "," + LVL + ",\"message\":null}",
                        List.of("message is missing")),
                arguments("field name in other case", "{\"Timestamp\":\"2024-12-01T10:15:30Z\"," + SVC + "," + LVL
                        + "," + MSG + "}", List.of("timestamp is missing")),
                // wrong types
                arguments("number for service", "{" + TS + ",\"service\":42," + LVL + "," + MSG + "}",
                        List.of("service must be a string", "number")),
                arguments("object for message", "{" + TS + "," + SVC + "," + LVL + ",\"message\":{\"text\":\"x\"}}",
                        List.of("message must be a string", "object")),
                arguments("array for message", "{" + TS + "," + SVC + "," + LVL + ",\"message\":[\"x\"]}",
                        List.of("message must be a string", "array")),
                arguments("epoch number for timestamp", "{\"timestamp\":1733048130," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("timestamp must be a string", "number")),
                arguments("boolean for level", "{" + TS + "," + SVC + ",\"level\":true," + MSG + "}",
                        List.of("level must be a string", "boolean")),
                arguments("number for level code", "{" + TS + "," + SVC + ",\"level\":3," + MSG + "}",
                        List.of("level must be a string", "number")),
                arguments("number for pod", "{" + TS + "," + SVC + "," + LVL + ",\"pod\":7," + MSG + "}",
                        List.of("pod must be a string", "number")),
                arguments("object for namespace", "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":{}," + MSG + "}",
                        List.of("namespace must be a string", "object")),
                arguments("boolean for container", "{" + TS + "," + SVC + "," + LVL + ",\"container\":false," + MSG
                        + "}", List.of("container must be a string", "boolean")),
                // unparsable timestamp
                arguments("timestamp word", "{\"timestamp\":\"yesterday\"," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("timestamp is not an RFC 3339", "yesterday")),
                arguments("empty timestamp", "{\"timestamp\":\"\"," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("timestamp is not an RFC 3339")),
                arguments("timestamp without offset", "{\"timestamp\":\"2024-12-01T10:15:30\"," + SVC + "," + LVL
                        + "," + MSG + "}", List.of("timestamp is not an RFC 3339")),
                arguments("timestamp month 13", "{\"timestamp\":\"2024-13-01T10:15:30Z\"," + SVC + "," + LVL
                        + "," + MSG + "}", List.of("timestamp is not an RFC 3339")),
                arguments("timestamp Feb 30", "{\"timestamp\":\"2024-02-30T10:15:30Z\"," + SVC + "," + LVL
                        + "," + MSG + "}", List.of("timestamp is not an RFC 3339")),
                arguments("timestamp date only", "{\"timestamp\":\"2024-12-01\"," + SVC + "," + LVL + "," + MSG + "}",
                        List.of("timestamp is not an RFC 3339")),
                arguments("long junk timestamp is abbreviated", "{\"timestamp\":\"" + "x".repeat(500) + "\"," + SVC
                        + "," + LVL + "," + MSG + "}", List.of("timestamp is not an RFC 3339", "x".repeat(64) + "...")),
                // unknown level
                arguments("unknown level", "{" + TS + "," + SVC + ",\"level\":\"VERBOSE\"," + MSG + "}",
                        List.of("level is not one of", "VERBOSE")),
                arguments("level WARNING", "{" + TS + "," + SVC + ",\"level\":\"WARNING\"," + MSG + "}",
                        List.of("level is not one of", "WARNING")),
                arguments("empty level", "{" + TS + "," + SVC + ",\"level\":\"\"," + MSG + "}",
                        List.of("level is not one of")),
                // service length
                arguments("empty service", "{" + TS + ",\"service\":\"\"," + LVL + "," + MSG + "}",
                        List.of("service must have 1 to 128 characters", "has 0")),
                arguments("blank service", "{" + TS + ",\"service\":\"   \"," + LVL + "," + MSG + "}",
                        List.of("service must have 1 to 128 characters", "has 0")),
                arguments("tab-and-newline service", "{" + TS + ",\"service\":\"\\t\\n\"," + LVL + "," + MSG + "}",
                        List.of("service must have 1 to 128 characters", "has 0")),
                arguments("service of 129 characters", "{" + TS + ",\"service\":\"" + tooLong129 + "\"," + LVL + ","
                        + MSG + "}", List.of("service must have 1 to 128 characters", "has 129")),
                // identity length
                arguments("pod of 254 characters", "{" + TS + "," + SVC + "," + LVL + ",\"pod\":\"" + tooLong254
                        + "\"," + MSG + "}", List.of("pod must have at most 253 characters", "has 254")),
                arguments("namespace of 254 characters", "{" + TS + "," + SVC + "," + LVL + ",\"namespace\":\""
                        + tooLong254 + "\"," + MSG + "}", List.of("namespace must have at most 253 characters")),
                arguments("container of 254 characters", "{" + TS + "," + SVC + "," + LVL + ",\"container\":\""
                        + tooLong254 + "\"," + MSG + "}", List.of("container must have at most 253 characters")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rejectedRecords")
    void rejectsWithAReasonNamingTheProblem(String description, String json, List<String> reasonParts) {
        DecodeResult result = decode(json);

        String reason = rejectedReason(result);
        assertThat(reason).isNotBlank();
        for (String part : reasonParts) {
            assertThat(reason).contains(part);
        }
    }

    @Test
    void rejectsEmptyAndNullBytes() {
        assertThat(rejectedReason(LogEntryCodec.decode(new byte[0]))).contains("empty");
        assertThat(rejectedReason(LogEntryCodec.decode(null))).contains("empty");
    }

    @Test
    void rejectsInvalidUtf8WithoutThrowing() {
        byte[] bytes = withMessage("X").getBytes(StandardCharsets.UTF_8);
        int x = new String(bytes, StandardCharsets.UTF_8).indexOf('X');
        bytes[x] = (byte) 0xFF;

        assertThat(rejectedReason(LogEntryCodec.decode(bytes))).contains("not JSON");
    }

    @Test
    void rejectsAbsurdlyDeepNestingWithoutThrowing() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        DecodeResult result = decode("{\"junk\":" + deep + "," + TS + "," + SVC + "," + LVL + "," + MSG + "}");
        assertThat(rejectedReason(result)).contains("not JSON");
    }

    @ParameterizedTest(name = "[{index}] reason is abbreviated for a {0}-char level")
    @CsvSource({"64, false", "65, true", "10000, true"})
    void longBadValuesAreAbbreviatedInTheReason(int length, boolean abbreviated) {
        String level = "Q".repeat(length);
        String reason = rejectedReason(decode("{" + TS + "," + SVC + ",\"level\":\"" + level + "\"," + MSG + "}"));

        assertThat(reason).startsWith("level is not one of");
        assertThat(reason.endsWith("...")).isEqualTo(abbreviated);
        assertThat(reason.length()).isLessThan(200);
    }

    /** The first problem found is reported, checked in the order timestamp, service, level, message, identity. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"service":1,"level":2,"message":3}                                               | timestamp
            {"timestamp":"2024-12-01T10:15:30Z","service":1,"level":2,"message":3}             | service
            {"timestamp":"2024-12-01T10:15:30Z","service":"s","level":2,"message":3}           | level
            {"timestamp":"2024-12-01T10:15:30Z","service":"s","level":"INFO","message":3}      | message
            {"timestamp":"2024-12-01T10:15:30Z","service":"s","level":"INFO","message":"m","pod":1} | pod
            """)
    void reportsTheFirstBadField(String json, String field) {
        assertThat(rejectedReason(decode(json))).startsWith(field + " ");
    }

    // ---------------------------------------------------------------- message size

    /** A message of exactly {@code bytes} UTF-8 bytes: {@code unit} repeated, then ASCII padding. */
    private static String messageOfBytes(String unit, int leadingAscii, int bytes) {
        StringBuilder b = new StringBuilder("a".repeat(leadingAscii));
        int used = leadingAscii;
        int unitBytes = utf8(unit);
        while (used + unitBytes <= bytes) {
            b.append(unit);
            used += unitBytes;
        }
        b.append("z".repeat(bytes - used));
        String s = b.toString();
        assertThat(utf8(s)).isEqualTo(bytes);
        return s;
    }

    @ParameterizedTest(name = "[{index}] {1} bytes of \"{0}\" kept")
    @CsvSource({
            "a, 0", "a, 1", "a, 65535", "a, 65536",
            "\u00e9, 65535", "\u00e9, 65536",
            "\u20ac, 65535", "\u20ac, 65536",
            "\uD83D\uDE00, 65535", "\uD83D\uDE00, 65536"})
    void keepsMessagesUpTo64KiB(String unit, int bytes) {
        String message = messageOfBytes(unit, 0, bytes);

        DecodeResult.Accepted accepted = (DecodeResult.Accepted) decode(withMessage(message));

        assertThat(accepted.truncated()).isFalse();
        assertThat(accepted.entry().message()).isEqualTo(message);
    }

    static Stream<Arguments> oversizedMessages() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (String unit : List.of("a", "\u00e9", "\u20ac", "\uD83D\uDE00", "a\u00e9\u20ac\uD83D\uDE00")) {
            for (int lead = 0; lead < 4; lead++) {
                for (int bytes : new int[] {65537, 65538, 65539, 65540, 70000, 200_000}) {
                    b.add(arguments(unit, lead, bytes));
                }
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "[{index}] {2} bytes of \"{0}\" after {1} ASCII chars")
    @MethodSource("oversizedMessages")
    void truncatesLongerMessagesAtACharacterBoundaryAndSaysSo(String unit, int leadingAscii, int bytes) {
        String original = messageOfBytes(unit, leadingAscii, bytes);

        DecodeResult.Accepted accepted = (DecodeResult.Accepted) decode(withMessage(original));
        String stored = accepted.entry().message();

        assertThat(accepted.truncated()).isTrue();
        assertThat(utf8(stored)).isLessThanOrEqualTo(LogEntryCodec.MAX_MESSAGE_BYTES);
        int markerAt = stored.lastIndexOf(" \u2026[truncated");
        assertThat(markerAt).as("marker position").isGreaterThan(0);
        String prefix = stored.substring(0, markerAt);
        String marker = stored.substring(markerAt);
        assertThat(marker).contains("truncated").contains(Integer.toString(bytes));
        assertThat(original).startsWith(prefix);
        // no character split: the prefix survives a UTF-8 round trip and does not end inside a pair
        assertThat(new String(prefix.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(prefix);
        assertThat(Character.isHighSurrogate(prefix.charAt(prefix.length() - 1))).isFalse();
        assertThat(prefix).doesNotContain("\uFFFD");
        // and no more than one character's worth of room is wasted
        assertThat(utf8(stored)).isGreaterThan(LogEntryCodec.MAX_MESSAGE_BYTES - 4);
    }

    @Test
    void truncatedMessageIsStableWhenDecodedAgain() {
        String original = "x".repeat(100_000);
        LogEntry first = accepted(withMessage(original));

        DecodeResult again = LogEntryCodec.decode(LogEntryCodec.encode(first));

        assertThat(again).isEqualTo(new DecodeResult.Accepted(first, false));
    }

    // ---------------------------------------------------------------- sanitizing

    @ParameterizedTest(name = "[{index}] message \"{0}\"")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            \\u0000               | \uFFFD
            a\\u0000b             | a\uFFFDb
            \\u0000\\u0000        | \uFFFD\uFFFD
            \\ud800               | \uFFFD
            \\udc00               | \uFFFD
            x\\ud83dy             | x\uFFFDy
            \\ude00\\ud83d        | \uFFFD\uFFFD
            \\ud83d\\ude00        | \uD83D\uDE00
            \\ud83d\\ud83d\\ude00 | \uFFFD\uD83D\uDE00
            ok                    | ok
            """)
    void replacesNulAndUnpairedSurrogatesInMessage(String escaped, String expected) {
        DecodeResult.Accepted accepted = (DecodeResult.Accepted) decode(withMessageLiteral(escaped));

        assertThat(accepted.entry().message()).isEqualTo(expected);
        assertThat(accepted.truncated()).isFalse();
    }

    @Test
    void replacesNulAndUnpairedSurrogatesInServiceAndIdentity() {
        LogEntry entry = accepted("{" + TS + ",\"service\":\"s\\u0000vc\"," + LVL
                + ",\"namespace\":\"n\\ud800\",\"pod\":\"\\udfffp\",\"container\":\"c\\u0000\"," + MSG + "}");

        assertThat(entry.service()).isEqualTo("s\uFFFDvc");
        assertThat(entry.namespace()).isEqualTo("n\uFFFD");
        assertThat(entry.pod()).isEqualTo("\uFFFDp");
        assertThat(entry.container()).isEqualTo("c\uFFFD");
    }

    // ---------------------------------------------------------------- round trip

    static Stream<Arguments> roundTrips() {
        return Stream.of(
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30Z"), "svc", LogLevel.INFO,
                        "prod", "pod-1", "app", "hello"), "2024-12-01T10:15:30Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30.123Z"), "svc", LogLevel.TRACE,
                        null, null, null, "no identity"), "2024-12-01T10:15:30.123Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30.123456Z"), "svc", LogLevel.DEBUG,
                        "ns", null, "c", "micro"), "2024-12-01T10:15:30.123456Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30.000001Z"), "svc", LogLevel.WARN,
                        null, "p", null, "one micro"), "2024-12-01T10:15:30.000001Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30.123456789Z"), "svc", LogLevel.ERROR,
                        "ns", "p", "c", "nanos cut"), "2024-12-01T10:15:30.123456Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30.000000999Z"), "svc", LogLevel.FATAL,
                        "ns", "p", "c", "sub-micro only"), "2024-12-01T10:15:30Z"),
                arguments(new LogEntry(Instant.parse("1969-12-31T23:59:59.999999999Z"), "svc", LogLevel.INFO,
                        null, null, null, "before the epoch"), "1969-12-31T23:59:59.999999Z"),
                arguments(new LogEntry(Instant.EPOCH, "svc", LogLevel.INFO, null, null, null, "epoch"),
                        "1970-01-01T00:00:00Z"),
                arguments(new LogEntry(Instant.parse("2024-02-29T23:59:59.999999Z"), "s".repeat(128), LogLevel.INFO,
                        "n".repeat(253), "p".repeat(253), "c".repeat(253), "max sizes"), "2024-02-29T23:59:59.999999Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30Z"), "caf\u00e9", LogLevel.INFO, null, null,
                        null, "quotes \" backslash \\ tab \t newline \n ctrl \u0001 \u00e9\u20ac\uD83D\uDE00 </script>"),
                        "2024-12-01T10:15:30Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30Z"), "svc", LogLevel.INFO, null, null, null,
                        ""), "2024-12-01T10:15:30Z"),
                arguments(new LogEntry(Instant.parse("2024-12-01T10:15:30Z"), "svc", LogLevel.INFO, null, null, null,
                        "m".repeat(LogEntryCodec.MAX_MESSAGE_BYTES)), "2024-12-01T10:15:30Z"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("roundTrips")
    void encodeThenDecodeKeepsEveryField(LogEntry entry, String expectedTimestamp) {
        DecodeResult result = LogEntryCodec.decode(LogEntryCodec.encode(entry));

        assertThat(result).isInstanceOf(DecodeResult.Accepted.class);
        DecodeResult.Accepted accepted = (DecodeResult.Accepted) result;
        assertThat(accepted.truncated()).isFalse();
        LogEntry back = accepted.entry();
        assertThat(back.timestamp()).isEqualTo(Instant.parse(expectedTimestamp));
        assertThat(back.service()).isEqualTo(entry.service());
        assertThat(back.level()).isEqualTo(entry.level());
        assertThat(back.namespace()).isEqualTo(entry.namespace());
        assertThat(back.pod()).isEqualTo(entry.pod());
        assertThat(back.container()).isEqualTo(entry.container());
        assertThat(back.message()).isEqualTo(entry.message());
    }

    @Test
    void decodedEntryEncodesBackToTheSameBytes() {
        LogEntry entry = accepted("{\"timestamp\":\"2024-12-01T12:15:30.5+02:00\",\"service\":\"svc\","
                + "\"level\":\"warn\",\"pod\":\"p\",\"message\":\"m\"}");

        byte[] once = LogEntryCodec.encode(entry);
        LogEntry again = ((DecodeResult.Accepted) LogEntryCodec.decode(once)).entry();

        assertThat(again).isEqualTo(entry);
        assertThat(LogEntryCodec.encode(again)).isEqualTo(once);
    }

    @Test
    void encodesTheDocumentedFieldsInUtcAndOmitsAbsentIdentity() {
        LogEntry entry = new LogEntry(Instant.parse("2024-12-01T10:15:30.120Z"), "svc", LogLevel.WARN,
                null, "p", null, "m");

        String json = new String(LogEntryCodec.encode(entry), StandardCharsets.UTF_8);

        assertThat(json).isEqualTo(
                "{\"timestamp\":\"2024-12-01T10:15:30.120Z\",\"service\":\"svc\",\"level\":\"WARN\","
                        + "\"pod\":\"p\",\"message\":\"m\"}");
    }
}
