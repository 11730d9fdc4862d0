package dev.logquery.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class TextSanitizerTest {

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A code point of the given UTF-8 width (1..4), never a surrogate. */
    private static int codePointOfWidth(Random random, int width) {
        return switch (width) {
            case 1 -> random.nextInt(0x80);
            case 2 -> 0x80 + random.nextInt(0x800 - 0x80);
            case 3 -> {
                int cp;
                do {
                    cp = 0x800 + random.nextInt(0x10000 - 0x800);
                } while (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE);
                yield cp;
            }
            default -> 0x10000 + random.nextInt(Character.MAX_CODE_POINT + 1 - 0x10000);
        };
    }

    private static String randomValidString(Random random, int maxCodePoints) {
        int n = random.nextInt(maxCodePoints + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.appendCodePoint(codePointOfWidth(random, 1 + random.nextInt(4)));
        }
        return b.toString();
    }

    @ParameterizedTest(name = "[{index}] U+{0} is {1} bytes")
    @CsvSource({
            "0000, 1", "0041, 1", "007F, 1",
            "0080, 2", "00E9, 2", "07FF, 2",
            "0800, 3", "20AC, 3", "D7FF, 3", "E000, 3", "FFFD, 3", "FFFF, 3",
            "10000, 4", "1F600, 4", "10FFFF, 4"})
    void utf8LengthOfEachWidthBoundary(String hex, int bytes) {
        String s = new String(Character.toChars(Integer.parseInt(hex, 16)));

        assertThat(TextSanitizer.utf8Length(s)).isEqualTo(bytes).isEqualTo(utf8(s));
        assertThat(TextSanitizer.utf8Length("ab" + s + s + "c")).isEqualTo(3 + 2 * bytes);
    }

    @Test
    void utf8LengthAgreesWithTheJdkForRandomStringsOfAllWidths() {
        Random random = new Random(20241201L);
        int[] widthsSeen = new int[5];
        for (int i = 0; i < 5_000; i++) {
            String s = randomValidString(random, i % 50 == 0 ? 5_000 : 60);
            s.codePoints().forEach(cp -> widthsSeen[utf8(new String(Character.toChars(cp)))]++);

            assertThat(TextSanitizer.utf8Length(s)).as("utf8Length of string #%d", i).isEqualTo(utf8(s));
        }
        assertThat(widthsSeen[1]).isPositive();
        assertThat(widthsSeen[2]).isPositive();
        assertThat(widthsSeen[3]).isPositive();
        assertThat(widthsSeen[4]).isPositive();
    }

    @Test
    void cleanThenUtf8LengthAgreesWithTheJdkForArbitraryCharSoup() {
        Random random = new Random(7);
        char[] nasty = {0, 'a', '\u00e9', '\u20ac', '\uD83D', '\uDE00', '\uD800', '\uDFFF', '\uFFFD'};
        for (int i = 0; i < 5_000; i++) {
            char[] chars = new char[random.nextInt(40)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = random.nextBoolean() ? nasty[random.nextInt(nasty.length)] : (char) random.nextInt(0x10000);
            }
            String clean = TextSanitizer.clean(new String(chars));

            assertThat(clean).hasSize(chars.length).doesNotContain("\u0000");
            for (int j = 0; j < clean.length(); j++) {
                char c = clean.charAt(j);
                if (Character.isHighSurrogate(c)) {
                    assertThat(j + 1 < clean.length() && Character.isLowSurrogate(clean.charAt(j + 1)))
                            .as("high surrogate at %d is paired", j).isTrue();
                    j++;
                } else {
                    assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", j).isFalse();
                }
            }
            // a clean string survives UTF-8 unchanged
            assertThat(new String(clean.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(clean);
            assertThat(TextSanitizer.utf8Length(clean)).isEqualTo(utf8(clean));
        }
    }

    static Stream<Arguments> cleanCases() {
        return Stream.of(
                arguments("empty", "", ""),
                arguments("NUL", "\u0000", "\uFFFD"),
                arguments("NUL inside", "a\u0000b", "a\uFFFDb"),
                arguments("lone high", "\uD800", "\uFFFD"),
                arguments("lone high at end", "ab\uD83D", "ab\uFFFD"),
                arguments("lone low", "\uDC00x", "\uFFFDx"),
                arguments("reversed pair", "\uDE00\uD83D", "\uFFFD\uFFFD"),
                arguments("two highs then low", "\uD83D\uD83D\uDE00", "\uFFFD\uD83D\uDE00"),
                arguments("pair kept", "\uD83D\uDE00", "\uD83D\uDE00"),
                arguments("BMP kept", "caf\u00e9 \u20ac \uFFFD", "caf\u00e9 \u20ac \uFFFD"),
                arguments("other controls kept", "\u0001\t\n\u007f", "\u0001\t\n\u007f"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cleanCases")
    void cleanReplacesOnlyNulAndUnpairedSurrogates(String description, String input, String expected) {
        assertThat(TextSanitizer.clean(input)).isEqualTo(expected);
    }

    @Test
    void cleanReturnsTheSameInstanceWhenNothingChanges() {
        String s = "already clean \u00e9\u20ac\uD83D\uDE00";
        assertThat(TextSanitizer.clean(s)).isSameAs(s);
        assertThat(TextSanitizer.clean(null)).isNull();
    }

    @Test
    void truncateFitsTheBudgetForRandomStringsAndBudgets() {
        Random random = new Random(99);
        for (int i = 0; i < 3_000; i++) {
            String s = randomValidString(random, 400);
            int budget = 60 + random.nextInt(600);

            String out = TextSanitizer.truncateUtf8(s, budget);

            if (utf8(s) <= budget) {
                assertThat(out).isSameAs(s);
            } else {
                assertThat(utf8(out)).isLessThanOrEqualTo(budget).isGreaterThan(budget - 4);
                int marker = out.lastIndexOf(" \u2026[truncated, " + utf8(s) + " bytes in all]");
                assertThat(marker).isGreaterThanOrEqualTo(0);
                assertThat(out).endsWith(" bytes in all]");
                String prefix = out.substring(0, marker);
                assertThat(s).startsWith(prefix);
                assertThat(prefix.isEmpty() || !Character.isHighSurrogate(prefix.charAt(prefix.length() - 1))).isTrue();
            }
        }
    }
}
