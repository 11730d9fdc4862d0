package dev.logquery.coordinator.loki;

import com.google.re2j.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The syntax tree of the LogQL that {@link LogQl} parses: immutable records, label names already resolved
 * ({@code service} and {@code app} are {@code service_name} in stream selectors).
 */
public final class LogQlAst {

    private LogQlAst() {
    }

    /** A whole query: a log query or a metric query. */
    public sealed interface Expr permits LogExpr, MetricExpr {
    }

    // ------------------------------------------------------------------------------------------ log queries

    /** {@code {selector} stage*}. */
    public record LogExpr(List<Matcher> selector, List<Stage> stages) implements Expr {
        public LogExpr {
            selector = List.copyOf(selector);
            stages = List.copyOf(stages);
        }
    }

    public enum MatchType {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");

        private final String symbol;

        MatchType(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean negative() {
            return this == NEQ || this == NRE;
        }
    }

    /**
     * {@code label op "value"}. A regex is fully anchored and evaluated with RE2 semantics (linear time);
     * {@code caseInsensitive} is set for the level labels, whose values compare case-insensitively.
     */
    public record Matcher(String label, MatchType type, String value, boolean caseInsensitive, Pattern pattern) {

        public Matcher {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(value, "value");
        }

        /** Compiles the regex (throws {@link com.google.re2j.PatternSyntaxException} when it is not one). */
        public static Matcher of(String label, MatchType type, String value, boolean caseInsensitive) {
            Pattern pattern = null;
            if (type == MatchType.RE || type == MatchType.NRE) {
                pattern = Pattern.compile("^(?:" + value + ")$", caseInsensitive ? Pattern.CASE_INSENSITIVE | Pattern.DOTALL
                        : Pattern.DOTALL);
            }
            return new Matcher(label, type, value, caseInsensitive, pattern);
        }

        /** Whether a label value ({@code ""} for an absent label, as in Loki) satisfies this matcher. */
        public boolean matches(String labelValue) {
            String v = labelValue == null ? "" : labelValue;
            return switch (type) {
                case EQ -> caseInsensitive ? v.equalsIgnoreCase(value) : v.equals(value);
                case NEQ -> !(caseInsensitive ? v.equalsIgnoreCase(value) : v.equals(value));
                case RE -> pattern.matcher(v).matches();
                case NRE -> !pattern.matcher(v).matches();
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Matcher m && m.label.equals(label) && m.type == type && m.value.equals(value)
                    && m.caseInsensitive == caseInsensitive;
        }

        @Override
        public int hashCode() {
            return Objects.hash(label, type, value, caseInsensitive);
        }

        @Override
        public String toString() {
            return label + type.symbol + '"' + value + '"';
        }
    }

    /** One stage of a log pipeline. */
    public sealed interface Stage permits LineFilter, JsonParser, LogfmtParser, LabelFilterStage, Drop {
    }

    public enum LineFilterType {
        CONTAINS("|="), NOT_CONTAINS("!="), MATCHES("|~"), NOT_MATCHES("!~");

        private final String symbol;

        LineFilterType(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }
    }

    /** {@code |= "text"}, {@code != "text"} (case-sensitive substring), {@code |~ "re"}, {@code !~ "re"} (RE2, unanchored). */
    public record LineFilter(LineFilterType type, String text, Pattern pattern) implements Stage {

        public static LineFilter of(LineFilterType type, String text) {
            Pattern pattern = type == LineFilterType.MATCHES || type == LineFilterType.NOT_MATCHES
                    ? Pattern.compile(text) : null;
            return new LineFilter(type, text, pattern);
        }

        public boolean test(String line) {
            return switch (type) {
                case CONTAINS -> line.contains(text);
                case NOT_CONTAINS -> !line.contains(text);
                case MATCHES -> pattern.matcher(line).find();
                case NOT_MATCHES -> !pattern.matcher(line).find();
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LineFilter f && f.type == type && f.text.equals(text);
        }

        @Override
        public int hashCode() {
            return Objects.hash(type, text);
        }

        @Override
        public String toString() {
            return type.symbol + '"' + text + '"';
        }
    }

    /** {@code | json}: every scalar field of a JSON object line becomes a label (nested names joined by {@code _}). */
    public record JsonParser() implements Stage {
    }

    /** {@code | logfmt}: every {@code key=value} pair of the line becomes a label. */
    public record LogfmtParser() implements Stage {
    }

    /** {@code | <label filter expression>}. */
    public record LabelFilterStage(LabelFilter filter) implements Stage {
    }

    /** {@code | drop a, b="v"}: removes labels (all values, or those a matcher accepts). */
    public record Drop(List<DropLabel> labels) implements Stage {
        public Drop {
            labels = List.copyOf(labels);
        }
    }

    /** A label to drop; {@code matcher} null: whatever its value. */
    public record DropLabel(String name, Matcher matcher) {
    }

    /** A predicate on the labels of a line (stream labels plus those the parsers extracted). */
    public sealed interface LabelFilter permits And, Or, StringFilter, NumericFilter {
    }

    public record And(LabelFilter left, LabelFilter right) implements LabelFilter {
    }

    public record Or(LabelFilter left, LabelFilter right) implements LabelFilter {
    }

    public record StringFilter(Matcher matcher) implements LabelFilter {
    }

    /** The comparison of a numeric label filter: {@code > >= < <= == !=}, {@code =} read as {@code ==}. */
    public enum Comparison {
        GT, GTE, LT, LTE, EQ, NEQ;

        public boolean test(double a, double b) {
            return switch (this) {
                case GT -> a > b;
                case GTE -> a >= b;
                case LT -> a < b;
                case LTE -> a <= b;
                case EQ -> a == b;
                case NEQ -> a != b;
            };
        }
    }

    public enum ValueKind {
        /** A plain number: the label's value is parsed as a number. */
        NUMBER,
        /** A duration literal: the label's value is parsed as a duration ({@code 1.5s}, {@code 250ms}); compared in seconds. */
        DURATION,
        /** A bytes literal: the label's value is parsed as a byte size ({@code 10KB}); compared in bytes. */
        BYTES
    }

    /** {@code label op value}, value a number, a duration (in seconds) or a byte count. */
    public record NumericFilter(String label, Comparison op, ValueKind kind, double value) implements LabelFilter {
    }

    // ------------------------------------------------------------------------------------------ metric queries

    public sealed interface MetricExpr extends Expr permits RangeAggregation, VectorAggregation, Binary, NumberLiteral,
            VectorLiteral {
    }

    /** The range functions; a constant's name in lower case is its LogQL name. */
    public enum RangeFunction {
        COUNT_OVER_TIME, RATE, BYTES_OVER_TIME, BYTES_RATE;

        public String logQl() {
            return logQlName(this);
        }

        static RangeFunction named(String name) {
            return byLogQlName(values(), name);
        }
    }

    /** {@code count_over_time({...} | ... [5m])} and its siblings. */
    public record RangeAggregation(RangeFunction function, LogExpr log, Duration range) implements MetricExpr {
    }

    /** The vector aggregations; a constant's name in lower case is its LogQL name. */
    public enum AggregationOp {
        SUM, COUNT, MAX, MIN, AVG;

        public String logQl() {
            return logQlName(this);
        }

        static AggregationOp named(String name) {
            return byLogQlName(values(), name);
        }
    }

    /**
     * The LogQL name of a function constant. Function names are identifiers in the grammar, not keywords, so the
     * parser looks them up here by name; deriving the name from the constant keeps the two from drifting apart.
     */
    private static String logQlName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    /** The constant whose LogQL name is {@code name}, or null when it names none of them. */
    private static <E extends Enum<E>> E byLogQlName(E[] constants, String name) {
        for (E constant : constants) {
            if (logQlName(constant).equals(name)) {
                return constant;
            }
        }
        return null;
    }

    /** {@code by (a, b)} or {@code without (a, b)}; no grouping at all is {@code without ()}... of every label: see {@link #NONE}. */
    public record Grouping(boolean without, List<String> labels) {
        /** No {@code by}/{@code without}: everything in one group. */
        public static final Grouping NONE = new Grouping(false, List.of());

        public Grouping {
            labels = List.copyOf(labels);
        }
    }

    /** {@code sum by (level) (inner)}. */
    public record VectorAggregation(AggregationOp op, Grouping grouping, MetricExpr inner) implements MetricExpr {
    }

    /** {@code + - * / %} between metric expressions. */
    public enum BinaryOp {
        ADD, SUB, MUL, DIV, MOD;

        public double apply(double a, double b) {
            return switch (this) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
                case MOD -> a % b;
            };
        }
    }

    /** {@code left op right}: one-to-one on equal label sets, or a number applied to every sample. */
    public record Binary(BinaryOp op, MetricExpr left, MetricExpr right) implements MetricExpr {
    }

    /** A number: a scalar. */
    public record NumberLiteral(double value) implements MetricExpr {
    }

    /** {@code vector(n)}: one sample without labels at every step. */
    public record VectorLiteral(double value) implements MetricExpr {
    }
}
