package dev.logquery.node.text;

import dev.logquery.common.model.LogLevel;
import dev.logquery.common.scan.IntSet;
import dev.logquery.common.scan.Trigrams;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class TrigramsTest {

    private static List<String> text(String s) {
        return Arrays.stream(Trigrams.ofText(s)).mapToObj(Trigrams::toString).sorted().toList();
    }

    /** The plain trigrams of a stored message (those without a level's tag). */
    private static List<String> message(String s) {
        IntSet set = new IntSet(16);
        Trigrams.addMessage(s, LogLevel.INFO, set);
        return Arrays.stream(set.toArray()).filter(t -> t >>> 21 == 0).mapToObj(Trigrams::toString).sorted()
                .toList();
    }

    @Test
    void asciiLettersAreFoldedAndEveryTrigramIsTakenOnce() {
        assertThat(text("AbCabc")).containsExactly("abc", "bca", "cab");
        assertThat(message("Took 12MS")).containsExactly(" 12", "12m", "2ms", "k 1", "ok ", "ook", "too");
        assertThat(text("%_\\x")).containsExactly("%_\\", "_\\x");
    }

    @Test
    void aMessageAtALevelHoldsEachTrigramPlainAndAtItsLevelOnly() {
        IntSet set = new IntSet(16);
        Trigrams.addMessage("Cache down", LogLevel.ERROR, set);
        int[] plain = Trigrams.ofText("cache");
        assertThat(Arrays.stream(plain).allMatch(set::contains)).isTrue();
        assertThat(Arrays.stream(Trigrams.atLevel(plain, LogLevel.ERROR)).allMatch(set::contains)).isTrue();
        for (LogLevel other : LogLevel.values()) {
            if (other != LogLevel.ERROR) {
                assertThat(Arrays.stream(Trigrams.atLevel(plain, other)).noneMatch(set::contains)).as("%s", other)
                        .isTrue();
            }
        }
        // Twice the plain message's trigrams, no more; tagged ones never collide with plain ones.
        assertThat(set.size()).isEqualTo(2 * message("Cache down").size());
        assertThat(Arrays.stream(Trigrams.atLevel(plain, LogLevel.TRACE)).map(t -> t & 0x1F_FFFF).toArray())
                .containsExactly(plain);
    }

    @Test
    void shortTextsAndTextsWithoutThreeAsciiInARowHaveNone() {
        assertThat(Trigrams.ofText(null)).isEmpty();
        assertThat(Trigrams.ofText("")).isEmpty();
        assertThat(Trigrams.ofText("ab")).isEmpty();
        assertThat(Trigrams.ofText("aé")).isEmpty();
        assertThat(Trigrams.ofText("abéde")).isEmpty();
        assertThat(Trigrams.ofText("ééé")).isEmpty();
    }

    @Test
    void nonAsciiEndsARun() {
        assertThat(text("abcédef")).containsExactly("abc", "def");
        assertThat(message("abcédef")).containsExactly("abc", "def");
        // Non-ASCII upper case is not folded by the text rule: it ends the run.
        assertThat(text("xÉyz")).isEmpty();
    }

    @Test
    void messageCharactersThatSomeCollationLowersToAsciiCountAsThatLetter() {
        // Kelvin sign -> k, dotted capital I -> i, dotless small i -> i (Turkic collations lower I to it).
        assertThat(message("o\u212Ay")).containsExactly("oky");
        assertThat(message("\u0130st")).containsExactly("ist");
        assertThat(message("\u0131st")).containsExactly("ist");
        // The searched text does not: a non-ASCII character never yields a trigram there.
        assertThat(Trigrams.ofText("o\u212Ay")).isEmpty();
    }

    /**
     * How PostgreSQL may lower a string under some collation, one character at a time (as ILIKE compares): the C
     * collation folds only A-Z; libc and ICU collations fold all of Unicode (Kelvin sign to k, İ to i or to i plus
     * U+0307); Turkic ones also make I into dotless ı.
     */
    enum Collation {
        C(c -> c >= 'A' && c <= 'Z' ? c + 32 : c),
        UNICODE(c -> c == '\u0130' ? 'i' : Character.toLowerCase(c)),
        ICU_DOTTED(c -> c == '\u0130' ? -1 : Character.toLowerCase(c)), // -1: "i" then U+0307
        TURKIC(c -> c == 'I' ? '\u0131' : c == '\u0130' ? 'i' : Character.toLowerCase(c));

        final IntUnaryOperator lower;

        Collation(IntUnaryOperator lower) {
            this.lower = lower;
        }

        String lower(String s) {
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                int l = lower.applyAsInt(s.charAt(i));
                if (l == -1) {
                    b.append('i').append('\u0307');
                } else {
                    b.append((char) l);
                }
            }
            return b.toString();
        }
    }

    private static final String ALPHABET = "abcxyzABCXYZiIkK0129 %_\\-=(é\u00C9\u0130\u0131\u212A\u0307ß日\uD83D\uDE00";

    private static String random(Random r, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    /** Flips the case of some ASCII letters: ILIKE still matches in every collation but the Turkic ones. */
    private static String mixCase(Random r, String s) {
        StringBuilder b = new StringBuilder(s);
        for (int i = 0; i < b.length(); i++) {
            char c = b.charAt(i);
            if (c < 128 && Character.isLetter(c) && r.nextBoolean()) {
                b.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
            }
        }
        return b.toString();
    }

    /**
     * The property the index rests on: whenever a collation's ILIKE finds the text in the message, every trigram of
     * the text is among the message's. Texts are substrings of the message (case flipped at random), random
     * strings, and the message's lowered forms' substrings, over an alphabet of ASCII letters of both cases, digits,
     * LIKE's special characters and non-ASCII characters whose case mapping is special.
     */
    @Test
    void everyTrigramOfAMatchingTextIsAmongTheMessagesInEveryCollation() {
        Random r = new Random(42);
        int matches = 0;
        int withTrigrams = 0;
        for (int i = 0; i < 100_000; i++) {
            String m = random(r, 1 + r.nextInt(40));
            IntSet trigrams = new IntSet(64);
            Trigrams.addMessage(m, LogLevel.INFO, trigrams);
            List<String> texts = new ArrayList<>();
            int from = r.nextInt(m.length());
            int to = from + r.nextInt(m.length() - from + 1);
            texts.add(m.substring(from, to));
            texts.add(mixCase(r, m.substring(from, to)));
            texts.add(random(r, 1 + r.nextInt(5)));
            for (Collation collation : Collation.values()) {
                String lowered = collation.lower(m);
                int a = r.nextInt(lowered.length());
                texts.add(lowered.substring(a, a + r.nextInt(Math.min(8, lowered.length() - a) + 1)));
                texts.add(lowered.substring(a, a + r.nextInt(lowered.length() - a + 1)).toUpperCase(Locale.ROOT));
            }
            for (String t : texts) {
                for (Collation collation : Collation.values()) {
                    if (!collation.lower(m).contains(collation.lower(t))) {
                        continue;
                    }
                    matches++;
                    int[] needed = Trigrams.ofText(t);
                    withTrigrams += needed.length > 0 ? 1 : 0;
                    for (int trigram : needed) {
                        assertThat(trigrams.contains(trigram))
                                .as("%s: trigram '%s' of text '%s' among those of message '%s'", collation,
                                        Trigrams.toString(trigram), t, m)
                                .isTrue();
                    }
                }
            }
        }
        assertThat(matches).isGreaterThan(500_000);
        assertThat(withTrigrams).isGreaterThan(100_000);
    }

    @Test
    void aTextFoundInNoMessageOfABlockUsuallyLacksATrigram() {
        IntSet block = new IntSet(64);
        Trigrams.addMessage("GET /api/orders took 12ms", LogLevel.INFO, block);
        Trigrams.addMessage("user 42 logged in", LogLevel.INFO, block);
        assertThat(Arrays.stream(Trigrams.ofText("timeout")).allMatch(block::contains)).isFalse();
        assertThat(Arrays.stream(Trigrams.ofText("ORDERS TOOK")).allMatch(block::contains)).isTrue();
    }
}
