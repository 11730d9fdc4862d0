package dev.logquery.coordinator.loki;

/**
 * The longest piece of plain text every match of a line-filter regex must contain, so that {@code |~ "regex"} can be
 * pushed to the nodes as a {@code contains} that selects a superset of the matching lines (the coordinator still
 * runs the regex on what comes back): {@code |~ "connection (refused|reset)"} needs {@code "connection "},
 * {@code |~ "timeout after \d+ms"} needs {@code "timeout after "}. It is conservative: a top-level alternation, a
 * case-insensitive flag (whose Unicode folding the nodes' {@code ILIKE} need not share), or nothing literal gives
 * none; groups, classes, escapes of letters and digits ({@code \d}, {@code \b}, ...), {@code .}, anchors end a run,
 * and a character followed by {@code ?}, {@code *} or {@code {} is dropped from it (it may be absent).
 */
final class RequiredLiteral {

    private RequiredLiteral() {
    }

    /** The longest literal run every match contains, or null when there is none the nodes can use. */
    static String of(String regex) {
        if (regex.contains("(?i") || hasTopLevelAlternation(regex)) {
            return null;
        }
        String best = "";
        StringBuilder run = new StringBuilder();
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '(' || c == '[') {
                best = longer(best, run);
                run.setLength(0);
                i = c == '(' ? skipGroup(regex, i) : skipClass(regex, i);
                continue;
            }
            if (c == '?' || c == '*' || c == '{') {
                if (run.length() > 0) {
                    run.setLength(run.length() - Character.charCount(run.codePointBefore(run.length())));
                }
                best = longer(best, run);
                run.setLength(0);
                i = c == '{' ? skipTo(regex, i, '}') : i + 1;
                if (i < regex.length() && regex.charAt(i) == '?') {
                    i++; // a lazy quantifier
                }
                continue;
            }
            if (c == '+') {
                best = longer(best, run); // the character before is there at least once; what follows may repeat it
                run.setLength(0);
                i++;
                continue;
            }
            if (c == '\\' && i + 1 < regex.length()) {
                char e = regex.charAt(i + 1);
                if (!Character.isLetterOrDigit(e)) { // an escaped punctuation or space is itself
                    run.append(e);
                    i += 2;
                } else {
                    best = longer(best, run);
                    run.setLength(0);
                    i = afterEscape(regex, i);
                }
                continue;
            }
            if (c == '.' || c == '^' || c == '$' || c == '|' || c == ')' || c == ']' || c == '}') {
                best = longer(best, run);
                run.setLength(0);
                i++;
                continue;
            }
            run.appendCodePoint(regex.codePointAt(i));
            i += Character.charCount(regex.codePointAt(i));
        }
        best = longer(best, run);
        return best.isEmpty() ? null : best;
    }

    private static String longer(String best, StringBuilder run) {
        return run.length() > best.length() ? run.toString() : best;
    }

    /** Whether a {@code |} outside every group and class splits the regex: then no piece is required. */
    private static boolean hasTopLevelAlternation(String regex) {
        int i = 0;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '(') {
                i = skipGroup(regex, i);
            } else if (c == '[') {
                i = skipClass(regex, i);
            } else if (c == '|') {
                return true;
            } else {
                i++;
            }
        }
        return false;
    }

    /** The index after the group opening at {@code open} (nested groups, classes and escapes inside). */
    private static int skipGroup(String regex, int open) {
        int depth = 0;
        int i = open;
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '[') {
                i = skipClass(regex, i);
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return regex.length();
    }

    /** The index after the character class opening at {@code open} ({@code ]} first in it is a member). */
    private static int skipClass(String regex, int open) {
        int i = open + 1;
        if (i < regex.length() && regex.charAt(i) == '^') {
            i++;
        }
        if (i < regex.length() && regex.charAt(i) == ']') {
            i++;
        }
        while (i < regex.length()) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '[' && i + 1 < regex.length() && regex.charAt(i + 1) == ':') {
                i = skipTo(regex, i + 2, ']'); // [:alpha:]
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return regex.length();
    }

    /**
     * The index after the class or code escape at {@code backslash} ({@code \d}, {@code \x41}, {@code \x{263a}},
     * {@code \pL}, {@code \p{Greek}}, {@code \012}): its arguments are not text of the line.
     */
    private static int afterEscape(String regex, int backslash) {
        char e = regex.charAt(backslash + 1);
        int i = backslash + 2;
        boolean braced = i < regex.length() && regex.charAt(i) == '{';
        if (e == 'x') {
            return braced ? skipTo(regex, i, '}') : Math.min(regex.length(), i + 2);
        }
        if (e == 'p' || e == 'P') {
            return braced ? skipTo(regex, i, '}') : Math.min(regex.length(), i + 1);
        }
        if (Character.isDigit(e)) {
            while (i < regex.length() && Character.isDigit(regex.charAt(i))) {
                i++;
            }
        }
        return i;
    }

    private static int skipTo(String regex, int from, char close) {
        int end = regex.indexOf(close, from);
        return end < 0 ? regex.length() : end + 1;
    }
}
