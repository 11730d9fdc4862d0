package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.loki.LogQlAst.And;
import dev.logquery.coordinator.loki.LogQlAst.Comparison;
import dev.logquery.coordinator.loki.LogQlAst.LabelFilter;
import dev.logquery.coordinator.loki.LogQlAst.NumericFilter;
import dev.logquery.coordinator.loki.LogQlAst.Or;
import dev.logquery.coordinator.loki.LogQlAst.StringFilter;
import dev.logquery.coordinator.loki.LogQlAst.ValueKind;
import java.util.OptionalDouble;
import org.antlr.v4.runtime.Token;

/**
 * Builds the {@link LabelFilter} of a {@code | label filter} stage. A numeric filter's literal is read here, in
 * the unit its token says (a duration in seconds, a byte size in bytes, else a number), so that the pipeline
 * compares two doubles per line and a literal that cannot be read is a parse error, not a filter that never
 * matches.
 */
final class LabelFilterBuilder {

    private LabelFilterBuilder() {
    }

    static LabelFilter labelFilter(LogQLParser.LabelFilterContext ctx) {
        if (ctx instanceof LogQLParser.AndFilterContext and) {
            return new And(labelFilter(and.labelFilter(0)), labelFilter(and.labelFilter(1)));
        }
        if (ctx instanceof LogQLParser.OrFilterContext or) {
            return new Or(labelFilter(or.labelFilter(0)), labelFilter(or.labelFilter(1)));
        }
        if (ctx instanceof LogQLParser.ParenFilterContext paren) {
            return labelFilter(paren.labelFilter());
        }
        if (ctx instanceof LogQLParser.StringFilterContext s) {
            return new StringFilter(LogExprBuilder.matcher(s.labelName().getText(), s.op, s.string()));
        }
        return numericFilter((LogQLParser.NumericFilterContext) ctx);
    }

    private static NumericFilter numericFilter(LogQLParser.NumericFilterContext n) {
        Comparison op = switch (n.op.getType()) {
            case LogQLLexer.GT -> Comparison.GT;
            case LogQLLexer.GTE -> Comparison.GTE;
            case LogQLLexer.LT -> Comparison.LT;
            case LogQLLexer.LTE -> Comparison.LTE;
            case LogQLLexer.NEQ -> Comparison.NEQ;
            default -> Comparison.EQ;
        };
        Token literal = n.value;
        String text = literal.getText();
        ValueKind kind;
        OptionalDouble value;
        switch (literal.getType()) {
            case LogQLLexer.DURATION -> {
                kind = ValueKind.DURATION;
                value = Units.durationSeconds(text);
            }
            case LogQLLexer.BYTES -> {
                kind = ValueKind.BYTES;
                value = Units.bytes(text);
            }
            default -> {
                kind = ValueKind.NUMBER;
                value = Units.number(text);
            }
        }
        if (value.isEmpty()) {
            throw LogQlSyntaxErrors.at(literal, "syntax error: cannot read " + text);
        }
        return new NumericFilter(n.labelName().getText(), op, kind, value.getAsDouble());
    }
}
