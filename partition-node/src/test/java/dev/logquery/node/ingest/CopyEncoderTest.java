package dev.logquery.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.TextSanitizer;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
 * {@link CopyEncoder}: rows in PostgreSQL's binary COPY format, read back here as the server reads them (signature,
 * flags, header extension; per row the field count and each field's length and bytes; the trailer -1). Nothing of
 * the data is escaped, a null field is length -1, text is UTF-8 (an unpaired surrogate as U+FFFD), attributes are
 * {@code jsonb} (version 1, then the JSON object), and rows longer than the 64 KiB buffer go out in pieces unchanged.
 * The round trip through a real server is every ingest test's (the testkit's lines carry tabs, backslashes, newlines
 * and four-byte characters; QueryIT compares what comes back with the truth).
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
            throw new AssertionError("the encoder sends its buffer as a byte array, never through a ByteStreamWriter");
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

        /** The rows sent, each its fields' bytes (null for NULL), after checking header and trailer. */
        List<byte[][]> rows() {
            ByteBuffer in = ByteBuffer.wrap(sent.toByteArray());
            byte[] signature = new byte[11];
            in.get(signature);
            assertThat(signature).isEqualTo(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
            assertThat(in.getInt()).as("flags").isZero();
            assertThat(in.getInt()).as("header extension").isZero();
            List<byte[][]> rows = new ArrayList<>();
            for (short fields = in.getShort(); fields != -1; fields = in.getShort()) {
                byte[][] row = new byte[fields][];
                for (int f = 0; f < fields; f++) {
                    int length = in.getInt();
                    if (length >= 0) {
                        row[f] = new byte[length];
                        in.get(row[f]);
                    }
                }
                rows.add(row);
            }
            assertThat(in.hasRemaining()).as("nothing after the trailer").isFalse();
            return rows;
        }
    }

    FakeCopyIn copy = new FakeCopyIn();
    CopyEncoder encoder = new CopyEncoder(copy);

    static LogEntry entry(String message) {
        return new LogEntry(TS, "checkout", LogLevel.ERROR, "shop", "checkout-7d9f", "app", message);
    }

    /** One row through a COPY of its own: its fields. */
    byte[][] encoded(LogEntry e) throws SQLException {
        copy = new FakeCopyIn();
        encoder = new CopyEncoder(copy);
        encoder.row(e, -77, 3, 1_234_567_890_123L);
        encoder.finish();
        List<byte[][]> rows = copy.rows();
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    static String text(byte[] field) {
        return new String(field, StandardCharsets.UTF_8);
    }

    /** The message field of a one-row COPY, as the server stores it. */
    String message(String message) throws SQLException {
        return text(encoded(entry(message))[6]);
    }

    @Test
    void aRowIsItsElevenFieldsInTableOrderInTheirBinaryForms() throws SQLException {
        encoder.row(entry("payment declined"), 5_000_000_000L, 3, 1_234_567_890_123L);
        long stored = encoder.finish();
        assertThat(stored).as("what endCopy says").isEqualTo(42);
        assertThat(copy.ended).isTrue();
        byte[][] row = copy.rows().get(0);
        assertThat(row.length).isEqualTo(11);
        assertThat(ByteBuffer.wrap(row[0]).getLong()).as("µs since 2000-01-01")
                .isEqualTo((TS.getEpochSecond() - 946_684_800L) * 1_000_000L + 123_456);
        assertThat(text(row[1])).isEqualTo("checkout");
        assertThat(row[2]).as("smallint").isEqualTo(new byte[] {0, 4});
        assertThat(text(row[3])).isEqualTo("shop");
        assertThat(text(row[4])).isEqualTo("checkout-7d9f");
        assertThat(text(row[5])).isEqualTo("app");
        assertThat(text(row[6])).isEqualTo("payment declined");
        assertThat(row[7]).as("no attributes").isNull();
        assertThat(ByteBuffer.wrap(row[8]).getLong()).isEqualTo(5_000_000_000L);
        assertThat(ByteBuffer.wrap(row[9]).getInt()).isEqualTo(3);
        assertThat(ByteBuffer.wrap(row[10]).getLong()).isEqualTo(1_234_567_890_123L);
        assertThat(CopyEncoder.COPY_SQL).isEqualTo("COPY logs (ts, service, level, namespace, pod, container, message,"
                + " attributes, content_hash, kafka_partition, kafka_offset) FROM STDIN (FORMAT binary)");
    }

    @Test
    void timestampsCountMicrosecondsFromPostgresEpochEitherSide() {
        assertThat(CopyEncoder.micros(Instant.parse("2000-01-01T00:00:00Z"))).isZero();
        assertThat(CopyEncoder.micros(Instant.parse("2000-01-01T00:00:00.000001Z"))).isEqualTo(1);
        assertThat(CopyEncoder.micros(Instant.parse("1999-12-31T23:59:59.999999Z"))).isEqualTo(-1);
        assertThat(CopyEncoder.micros(Instant.parse("1970-01-01T00:00:00Z"))).isEqualTo(-946_684_800_000_000L);
    }

    @Test
    void controlCharactersBackslashesAndBackslashNAreDataAsTheyAre() throws SQLException {
        for (String m : List.of("a\tb\nc\rd\\e", "\\N", "C:\\new", "\u0007\u001b[31mred\u001b[0m", "", "\\.")) {
            assertThat(message(m)).isEqualTo(m);
        }
    }

    @Test
    void nullFieldsAreNullAndEmptyOnesEmpty() throws SQLException {
        byte[][] row = encoded(new LogEntry(TS, "checkout", LogLevel.INFO, null, "", null, ""));
        assertThat(row[3]).isNull();
        assertThat(row[4]).isEmpty();
        assertThat(row[5]).isNull();
        assertThat(row[6]).isEmpty();
    }

    @Test
    void textIsUtf8InEveryLength() throws SQLException {
        String text = "é ü ß — € ✓ 日本語 😀 𝄞"; // two, three and four UTF-8 bytes (surrogate pairs)
        assertThat(encoded(entry(text))[6]).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUnpairedSurrogateBecomesAReplacementCharacterNotInvalidUtf8() throws SQLException {
        // Compared as bytes: decoding would hide an encoded lone surrogate (ED A0 BD) as U+FFFD too.
        assertThat(encoded(entry("a\uD83Db\uDE00"))[6]).isEqualTo("a\uFFFDb\uFFFD".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nulNeverReachesTheCopyBecauseTheSanitizerRemovesItFirst() throws SQLException {
        // PostgreSQL text cannot hold NUL; the encoder relies on TextSanitizer (the codec applies it to every field).
        String clean = TextSanitizer.clean("before\u0000after");
        assertThat(message(clean)).isEqualTo("before\uFFFDafter");
    }

    @Test
    void rowsLongerThanTheBufferGoOutInPiecesUnchanged() throws SQLException {
        StringBuilder b = new StringBuilder();
        while (b.length() < 200_000) {
            b.append("日本語\t😀x"); // multi-byte characters across every buffer boundary
        }
        String message = b.toString();
        assertThat(message(message)).isEqualTo(message);
        assertThat(copy.writes).hasSizeGreaterThan(2).allMatch(size -> size <= 64 * 1024);
    }

    @Test
    void manyRowsAcrossBufferBoundariesComeBackInOrder() throws SQLException {
        for (int i = 0; i < 5_000; i++) {
            String message = "line " + i + " " + "x".repeat(i % 700);
            encoder.row(entry(message), i, i % 6, i);
        }
        encoder.finish();
        assertThat(copy.writes).hasSizeGreaterThan(10);
        List<byte[][]> rows = copy.rows();
        assertThat(rows).hasSize(5_000);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(text(rows.get(i)[6])).isEqualTo("line " + i + " " + "x".repeat(i % 700));
            assertThat(ByteBuffer.wrap(rows.get(i)[10]).getLong()).isEqualTo(i);
        }
    }

    @Test
    void nothingIsSentBeforeTheBufferFillsOrTheCopyEnds() throws SQLException {
        encoder.row(entry("short"), 0, 0, 0);
        encoder.row(entry("short"), 0, 0, 1);
        assertThat(copy.writes).isEmpty();
        encoder.finish();
        assertThat(copy.writes).hasSize(1);
        assertThat(copy.rows()).hasSize(2);
    }

    /** The attributes field of a one-row COPY: the jsonb version byte, then the JSON text, returned. */
    String attributesField(Map<String, String> attributes) throws SQLException {
        byte[] field = encoded(new LogEntry(TS, "checkout", LogLevel.INFO, null, null, null, "m", attributes))[7];
        assertThat(field[0]).as("jsonb format version").isEqualTo((byte) 1);
        return new String(field, 1, field.length - 1, StandardCharsets.UTF_8);
    }

    static Map<String, String> parsed(String json) {
        Map<String, String> out = new TreeMap<>();
        JsonMapper.builder().build().readTree(json).properties()
                .forEach(e -> out.put(e.getKey(), e.getValue().stringValue()));
        return out;
    }

    @Test
    void attributesAreAJsonObjectInKeyOrder() throws SQLException {
        assertThat(attributesField(new TreeMap<>(Map.of("zone", "eu-1", "cluster", "prod"))))
                .isEqualTo("{\"cluster\":\"prod\",\"zone\":\"eu-1\"}");
    }

    @Test
    void quotesAndBackslashesInAttributesAreEscapedForJsonOnly() throws SQLException {
        Map<String, String> attributes = Map.of("k\"ey", "say \"hi\"", "path\\", "C:\\new\\N", "\\N", "x");
        String json = attributesField(attributes);
        assertThat(json).contains("\"k\\\"ey\":\"say \\\"hi\\\"\"").contains("\"C:\\\\new\\\\N\"");
        assertThat(parsed(json)).isEqualTo(attributes);
    }

    @Test
    void tabsNewlinesAndControlCharactersInAttributesAreJsonEscapes() throws SQLException {
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
    void attributesLongerThanTheBufferGoOutWhole() throws SQLException {
        Map<String, String> attributes = new TreeMap<>();
        for (int k = 0; k < 30; k++) { // 30 values of 2,048 two-byte characters: 123 KB of JSON
            attributes.put("key" + k, String.valueOf((char) ('à' + k)).repeat(2_048));
        }
        assertThat(parsed(attributesField(attributes)).equals(attributes)).as("every pair unchanged").isTrue();
        assertThat(copy.writes).hasSizeGreaterThan(1).allMatch(size -> size <= 64 * 1024);
    }

    @Test
    void aNulInAnAttributeBecomesAReplacementCharacterWhichJsonbAccepts() {
        // The codec sanitizes attributes already; the encoder does not rely on it (jsonb refuses \\u0000).
        assertThat(CopyEncoder.json(Map.of("k", "a\u0000b"))).isEqualTo("{\"k\":\"a\uFFFDb\"}");
    }
}
