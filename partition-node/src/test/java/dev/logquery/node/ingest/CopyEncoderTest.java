package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteStreamWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link CopyEncoder}: rows in PostgreSQL's COPY text format. Backslash, newline, carriage return and tab are
 * escaped (anything else, a lone backslash-N included, must not read as a field or row end or as NULL), a null
 * field is {@code \N}, text is UTF-8, and a row longer than the 64 KiB buffer goes out in pieces unchanged.
 */
class CopyEncoderTest {

    static final Instant TS = Instant.parse("2026-03-10T12:34:56.123456Z");

    /** A COPY that keeps what it is sent. */
    static final class FakeCopyIn implements CopyIn {
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();
        boolean ended;

        @Override
        public void writeToCopy(byte[] buf, int off, int siz) {
            assertThat(ended).as("written after endCopy").isFalse();
            writes.add(siz);
            sent.write(buf, off, siz);
        }

        @Override
        public void writeToCopy(ByteStreamWriter from) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flushCopy() {
        }

        @Override
        public long endCopy() {
            ended = true;
            return 42;
        }

        @Override
        public int getFieldCount() {
            return 9;
        }

        @Override
        public int getFormat() {
            return 0;
        }

        @Override
        public int getFieldFormat(int field) {
            return 0;
        }

        @Override
        public boolean isActive() {
            return !ended;
        }

        @Override
        public void cancelCopy() {
            ended = true;
        }

        @Override
        public long getHandledRowCount() {
            return 0;
        }

        String text() {
            return sent.toString(StandardCharsets.UTF_8);
        }
    }

    FakeCopyIn copy = new FakeCopyIn();
    CopyEncoder encoder = new CopyEncoder(copy);

    static LogEntry entry(String message) {
        return new LogEntry(TS, "checkout", LogLevel.ERROR, "shop", "checkout-7d9f", "app", message);
    }

    /** One row through a COPY of its own. */
    String encoded(LogEntry e) throws SQLException {
        copy = new FakeCopyIn();
        encoder = new CopyEncoder(copy);
        encoder.row(e, -77, 3, 1_234_567_890_123L);
        encoder.finish();
        return copy.text();
    }

    /** The message field of a one-row COPY. */
    String message(String message) throws SQLException {
        String row = encoded(entry(message));
        assertThat(row).endsWith("\t\\N\t-77\t3\t1234567890123\n");
        String[] fields = row.substring(0, row.length() - 1).split("\t", -1);
        assertThat(fields).as("escaped: no tab inside a field").hasSize(11);
        return fields[6];
    }

    @Test
    void aRowIsItsElevenFieldsInTableOrder() throws SQLException {
        encoder.row(entry("payment declined"), 5_000_000_000L, 3, 1_234_567_890_123L);
        long rows = encoder.finish();
        assertThat(copy.text()).isEqualTo("2026-03-10T12:34:56.123456Z\tcheckout\t4\tshop\tcheckout-7d9f\tapp"
                + "\tpayment declined\t\\N\t5000000000\t3\t1234567890123\n");
        assertThat(rows).as("what endCopy says").isEqualTo(42);
        assertThat(copy.ended).isTrue();
        assertThat(CopyEncoder.COPY_SQL).isEqualTo("COPY logs (ts, service, level, namespace, pod, container, message,"
                + " attributes, content_hash, kafka_partition, kafka_offset) FROM STDIN");
    }

    @Test
    void controlCharactersAndBackslashAreEscaped() throws SQLException {
        assertThat(message("a\tb\nc\rd\\e")).isEqualTo("a\\tb\\nc\\rd\\\\e");
    }

    @Test
    void aBackslashNInTextIsNotNull() throws SQLException {
        assertThat(message("\\N")).isEqualTo("\\\\N");
        assertThat(message("C:\\new")).isEqualTo("C:\\\\new");
    }

    @Test
    void otherControlCharactersPassAsTheyAre() throws SQLException {
        // COPY text format treats only these escapes specially; a bell or an ESC of a coloured log line is data.
        assertThat(message("\u0007\u001b[31mred\u001b[0m")).isEqualTo("\u0007\u001b[31mred\u001b[0m");
    }

    @Test
    void nullFieldsAreBackslashNAndEmptyOnesEmpty() throws SQLException {
        String row = encoded(new LogEntry(TS, "checkout", LogLevel.INFO, null, "", null, ""));
        assertThat(row).isEqualTo(
                "2026-03-10T12:34:56.123456Z\tcheckout\t2\t\\N\t\t\\N\t\t\\N\t-77\t3\t1234567890123\n");
    }

    @Test
    void textIsUtf8InEveryLength() throws SQLException {
        String text = "é ü ß — € ✓ 日本語 😀 𝄞"; // two, three and four UTF-8 bytes (surrogate pairs)
        assertThat(message(text)).isEqualTo(text);
        assertThat(copy.sent.toByteArray()).containsSubsequence(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUnpairedSurrogateBecomesAReplacementCharacterNotInvalidUtf8() throws SQLException {
        message("a\uD83Db\uDE00");
        // Compared as bytes: decoding would hide an encoded lone surrogate (ED A0 BD) as U+FFFD too.
        assertThat(copy.sent.toByteArray()).containsSubsequence("\ta\uFFFDb\uFFFD\t".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nulNeverReachesTheCopyBecauseTheSanitizerRemovesItFirst() throws SQLException {
        // PostgreSQL text cannot hold NUL; the encoder relies on TextSanitizer (the codec applies it to every field).
        String clean = TextSanitizer.clean("before\u0000after");
        assertThat(message(clean)).isEqualTo("before\uFFFDafter");
        for (byte b : copy.sent.toByteArray()) {
            assertThat(b).isNotZero();
        }
    }

    @Test
    void rowsLongerThanTheBufferGoOutInPiecesUnchanged() throws SQLException {
        StringBuilder b = new StringBuilder();
        while (b.length() < 200_000) {
            b.append("日本語\t😀x"); // multi-byte characters and escapes across every buffer boundary
        }
        String message = b.toString();
        String row = encoded(entry(message));
        assertThat(copy.writes).hasSizeGreaterThan(2).allMatch(size -> size <= 64 * 1024);
        assertThat(row).contains(message.replace("\t", "\\t"));
    }

    @Test
    void nothingIsSentBeforeTheBufferFillsOrTheCopyEnds() throws SQLException {
        encoder.row(entry("short"), 0, 0, 0);
        encoder.row(entry("short"), 0, 0, 1);
        assertThat(copy.writes).isEmpty();
        encoder.finish();
        assertThat(copy.writes).hasSize(1);
        assertThat(copy.text()).hasLineCount(2);
    }

    /** The attributes field of a one-row COPY, as COPY reads it (escapes undone): the text jsonb gets. */
    String attributesField(Map<String, String> attributes) throws SQLException {
        String row = encoded(new LogEntry(TS, "checkout", LogLevel.INFO, null, null, null, "m", attributes));
        String[] fields = row.substring(0, row.length() - 1).split("\t", -1);
        assertThat(fields).as("escaped: no tab or newline inside a field").hasSize(11);
        assertThat(row).as("one row").hasLineCount(1);
        return copyUnescape(fields[7]);
    }

    /** What PostgreSQL's COPY text format reads from a field (the escapes the encoder writes). */
    static String copyUnescape(String field) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char n = field.charAt(++i);
            b.append(switch (n) {
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case '\\' -> '\\';
                default -> throw new AssertionError("unexpected escape \\" + n + " in " + field);
            });
        }
        return b.toString();
    }

    static Map<String, String> parsed(String json) {
        Map<String, String> out = new TreeMap<>();
        JsonMapper.builder().build().readTree(json).properties()
                .forEach(e -> out.put(e.getKey(), e.getValue().stringValue()));
        return out;
    }

    @Test
    void attributesAreAJsonObjectInKeyOrder() throws SQLException {
        assertThat(attributesField(Map.of("zone", "eu-1", "cluster", "prod")))
                .isEqualTo("{\"cluster\":\"prod\",\"zone\":\"eu-1\"}");
    }

    @Test
    void noAttributesIsNull() throws SQLException {
        String row = encoded(entry("m"));
        assertThat(row.split("\t", -1)[7]).isEqualTo("\\N");
    }

    @Test
    void quotesAndBackslashesInAttributesAreEscapedForJsonThenForCopy() throws SQLException {
        Map<String, String> attributes = Map.of("k\"ey", "say \"hi\"", "path\\", "C:\\new\\N", "\\N", "x");
        String json = attributesField(attributes);
        assertThat(json).contains("\"k\\\"ey\":\"say \\\"hi\\\"\"").contains("\"C:\\\\new\\\\N\"");
        assertThat(parsed(json)).isEqualTo(attributes);
        // On the wire: every backslash of the JSON doubled, so no \N or other escape is read from the data.
        String row = copy.text();
        assertThat(row).contains("C:\\\\\\\\new");
    }

    @Test
    void tabsNewlinesAndControlCharactersInAttributesNeverEndAFieldOrRow() throws SQLException {
        Map<String, String> attributes = Map.of("multi\nline", "a\tb\nc\rd", "bell", "\u0007\u001b[0m\b\f");
        String json = attributesField(attributes);
        assertThat(json).doesNotContain("\n").doesNotContain("\t").doesNotContain("\u0007");
        assertThat(parsed(json)).isEqualTo(attributes);
    }

    @Test
    void unicodeInAttributeKeysAndValuesIsUtf8() throws SQLException {
        Map<String, String> attributes = Map.of("région", "Zürich €", "日本語", "😀 𝄞", "emoji😀", "✓");
        String json = attributesField(attributes);
        assertThat(parsed(json)).isEqualTo(attributes);
        assertThat(copy.sent.toByteArray()).containsSubsequence("😀 𝄞".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aNulInAnAttributeBecomesAReplacementCharacterWhichJsonbAccepts() {
        // The codec sanitizes attributes already; the encoder does not rely on it (jsonb refuses \\u0000).
        assertThat(CopyEncoder.json(Map.of("k", "a\u0000b"))).isEqualTo("{\"k\":\"a\uFFFDb\"}");
    }
}
