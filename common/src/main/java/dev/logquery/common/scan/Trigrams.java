package dev.logquery.common.scan;

import dev.logquery.common.model.LogLevel;

/**
 * The character trigrams the text index keeps of messages and looks up for a {@code contains} text, each packed
 * into an int (7 bits per character: {@code c0 << 14 | c1 << 7 | c2}), never a String.
 *
 * <p><b>Substring safety against {@code ILIKE}.</b> A block may be skipped only if no row of it matches
 * {@code message ILIKE '%text%'}, which PostgreSQL decides by lowering both sides with the database's collation and
 * comparing characters. So every trigram taken from {@code text} must be among those taken from any message whose
 * lowered form contains the lowered text, whatever the collation. The two sides therefore use two rules:
 * <ul>
 * <li>{@link #ofText} (the searched text): trigrams of runs of ASCII characters only, A–Z folded to a–z; any
 * other character ends a run. An ASCII character lowers to itself or its ASCII lower case in every collation,
 * except {@code I} in a Turkic one (to dotless {@code ı}, U+0131).</li>
 * <li>{@link #addMessage} (stored messages): the same, but a message character that some collation lowers to an
 * ASCII letter, or to what an ASCII letter lowers to, also counts as that letter: {@code İ} (U+0130, lowered to
 * {@code i}, or {@code i} plus U+0307), {@code ı} (U+0131, what Turkic collations make of {@code I}) as {@code i},
 * and the Kelvin sign (U+212A) as {@code k}. No other character's lower case is ASCII (Unicode's case
 * mappings), so any other non-ASCII character ends a run. Taking more trigrams of a message than its lowered
 * form has only makes the filter keep more blocks.</li>
 * </ul>
 * A text without any trigram (shorter than 3 characters, or without 3 consecutive ASCII characters) cannot skip
 * a block: it is scanned as before.
 *
 * <p><b>Trigrams at a level.</b> A stored message adds each trigram twice ({@link #addMessage(String, LogLevel,
 * IntSet)}): as itself, and tagged with the row's level ({@link #atLevel}: the level's code plus one in the bits above
 * the trigram's 21). A query that keeps some levels only asks, per kept level, for the text's trigrams at that level:
 * a block whose rows hold the text only at other levels (a word of INFO lines searched among ERROR lines) is then
 * skipped, where the plain trigrams would keep it. Either form stays substring-safe: a row that matches at level
 * {@code L} added every trigram of the text both plain and at {@code L}.
 */
public final class Trigrams {

    private static final int[] NONE = new int[0];

    private Trigrams() {
    }

    /** The distinct trigrams of a searched text (ASCII runs, A–Z folded), in no particular order; maybe none. */
    public static int[] ofText(String text) {
        if (text == null || text.length() < 3) {
            return NONE;
        }
        IntSet set = new IntSet(Math.max(4, text.length()));
        int run = 0;
        int packed = 0;
        for (int i = 0; i < text.length(); i++) {
            int c = text.charAt(i);
            if (c >= 128) {
                run = 0;
                continue;
            }
            packed = ((packed << 7) | fold(c)) & 0x1F_FFFF;
            if (++run >= 3) {
                set.add(packed);
            }
        }
        return set.toArray();
    }

    /** The trigrams {@code trigrams} tagged with {@code level} (see the class comment). */
    public static int[] atLevel(int[] trigrams, LogLevel level) {
        int tag = tag(level);
        int[] out = new int[trigrams.length];
        for (int i = 0; i < trigrams.length; i++) {
            out[i] = trigrams[i] | tag;
        }
        return out;
    }

    /**
     * Adds the trigrams of a stored message of level {@code level} to {@code into}: each as itself and tagged with
     * the level (see the class comment).
     */
    public static void addMessage(String message, LogLevel level, IntSet into) {
        int tag = tag(level);
        int run = 0;
        int packed = 0;
        int n = message.length();
        for (int i = 0; i < n; i++) {
            int c = message.charAt(i);
            if (c >= 128) {
                c = asAscii(c);
                if (c < 0) {
                    run = 0;
                    continue;
                }
            }
            packed = ((packed << 7) | fold(c)) & 0x1F_FFFF;
            if (++run >= 3) {
                into.add(packed);
                into.add(packed | tag);
            }
        }
    }

    /** The three characters of a packed trigram (for messages and tests). */
    public static String toString(int trigram) {
        return new String(new char[] {(char) (trigram >>> 14 & 0x7F), (char) (trigram >>> 7 & 0x7F),
                (char) (trigram & 0x7F)});
    }

    /** The bits a level sets above a trigram's 21: its code plus one, so no tagged key equals a plain one. */
    private static int tag(LogLevel level) {
        return (level.code() + 1) << 21;
    }

    private static int fold(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    /** The ASCII letter a non-ASCII message character may lower to (or stand for), or -1. */
    private static int asAscii(int c) {
        return switch (c) {
            case '\u0130', '\u0131' -> 'i';
            case '\u212A' -> 'k';
            default -> -1;
        };
    }
}
