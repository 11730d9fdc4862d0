package dev.logquery.coordinator.api;

/** How request problems show a value the client sent: quoted, and cut so that a huge value stays readable. */
public final class Quoting {

    private Quoting() {
    }

    /** {@code "value"}, abbreviated. */
    public static String quote(String s) {
        return '"' + abbreviate(s) + '"';
    }

    /** At most 64 characters of {@code s}, cut between code points, with {@code ...} when cut. */
    public static String abbreviate(String s) {
        if (s.length() <= 64) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(63)) ? 63 : 64;
        return s.substring(0, end) + "...";
    }
}
