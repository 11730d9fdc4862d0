package dev.logquery.coordinator.loki;

import dev.logquery.coordinator.loki.LogQlAst.AggregationOp;
import dev.logquery.coordinator.loki.LogQlAst.Binary;
import dev.logquery.coordinator.loki.LogQlAst.BinaryOp;
import dev.logquery.coordinator.loki.LogQlAst.Grouping;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.MetricExpr;
import dev.logquery.coordinator.loki.LogQlAst.NumberLiteral;
import dev.logquery.coordinator.loki.LogQlAst.RangeAggregation;
import dev.logquery.coordinator.loki.LogQlAst.RangeFunction;
import dev.logquery.coordinator.loki.LogQlAst.VectorAggregation;
import dev.logquery.coordinator.loki.LogQlAst.VectorLiteral;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.Token;

/**
 * Builds the {@link MetricExpr} of a parse tree. Function names are identifiers in the grammar (so that one rule
 * serves every aggregation), which makes this the place that checks them: a known name used with the wrong
 * argument is told what it expects, an unknown one is a syntax error at the name, both worded as Loki's.
 */
final class MetricExprBuilder {

    private MetricExprBuilder() {
    }

    static MetricExpr metric(LogQLParser.MetricExprContext ctx) {
        if (ctx instanceof LogQLParser.ParenExprContext p) {
            return metric(p.metricExpr());
        }
        if (ctx instanceof LogQLParser.BinaryExprContext b) {
            BinaryOp op = switch (b.op.getType()) {
                case LogQLLexer.ADD -> BinaryOp.ADD;
                case LogQLLexer.SUB -> BinaryOp.SUB;
                case LogQLLexer.MUL -> BinaryOp.MUL;
                case LogQLLexer.DIV -> BinaryOp.DIV;
                default -> BinaryOp.MOD;
            };
            return new Binary(op, metric(b.metricExpr(0)), metric(b.metricExpr(1)));
        }
        if (ctx instanceof LogQLParser.NumberLiteralContext n) {
            double v = Units.number(n.NUMBER().getText()).orElseThrow();
            return new NumberLiteral(n.sign != null && n.sign.getType() == LogQLLexer.SUB ? -v : v);
        }
        if (ctx instanceof LogQLParser.VectorLiteralContext v) {
            return vectorLiteral(v.name, v.NUMBER().getText());
        }
        if (ctx instanceof LogQLParser.RangeAggregationContext r) {
            RangeFunction function = RangeFunction.named(r.name.getText());
            if (function == null) {
                throw unknownFunction(r.name);
            }
            return rangeAggregation(function, r.logRange());
        }
        return vectorAggregation((LogQLParser.VectorAggregationContext) ctx);
    }

    private static MetricExpr vectorAggregation(LogQLParser.VectorAggregationContext v) {
        if (v.name.getText().equals("vector") && v.grouping() == null
                && v.metricExpr() instanceof LogQLParser.NumberLiteralContext n) {
            // vector(1) also reads as an aggregation named vector of the number 1
            return vectorLiteral(v.name, n.getText());
        }
        AggregationOp op = AggregationOp.named(v.name.getText());
        if (op == null) {
            throw unknownFunction(v.name);
        }
        Grouping grouping = Grouping.NONE;
        if (v.grouping() != null) {
            List<String> labels = new ArrayList<>();
            for (LogQLParser.LabelNameContext l : v.grouping().labelName()) {
                labels.add(l.getText());
            }
            grouping = new Grouping(v.grouping().kind.getType() == LogQLLexer.WITHOUT, labels);
        }
        return new VectorAggregation(op, grouping, metric(v.metricExpr()));
    }

    private static VectorLiteral vectorLiteral(Token name, String number) {
        if (!name.getText().equals("vector")) {
            throw unknownFunction(name);
        }
        return new VectorLiteral(Units.number(number).orElseThrow(() -> unknownFunction(name)));
    }

    /**
     * The log query of a range aggregation is held to the same non-empty-matcher rule as a log query on its own:
     * it selects the rows to count.
     */
    private static RangeAggregation rangeAggregation(RangeFunction function, LogQLParser.LogRangeContext ctx) {
        LogExpr log = ctx.logExpr() != null ? LogExprBuilder.logExpr(ctx.logExpr())
                : LogExprBuilder.logExpr(ctx.selector(), ctx.pipelineStage());
        LogQl.requireNonEmptyMatcher(log);
        Token d = ctx.range().DURATION().getSymbol();
        Duration range = Units.duration(d.getText()).orElse(Duration.ZERO);
        if (range.isZero() || range.isNegative()) {
            throw LogQlSyntaxErrors.at(d, "invalid range " + d.getText() + ": a range must be positive");
        }
        return new RangeAggregation(function, log, range);
    }

    private static LogQlException unknownFunction(Token name) {
        String n = name.getText();
        String message;
        if (RangeFunction.named(n) != null) {
            message = "syntax error: " + n + " expects a log range such as {service_name=\"x\"}[5m]";
        } else if (AggregationOp.named(n) != null) {
            message = "syntax error: " + n + " expects a metric expression such as count_over_time({service_name=\"x\"}[5m])";
        } else if (n.equals("vector")) {
            message = "syntax error: vector expects a number";
        } else {
            message = "syntax error: unexpected IDENTIFIER \"" + n + "\"";
        }
        return LogQlSyntaxErrors.at(name, message);
    }
}
