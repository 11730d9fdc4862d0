package dev.logquery.coordinator.loki;

import com.google.re2j.PatternSyntaxException;
import dev.logquery.coordinator.loki.LogQlAst.Drop;
import dev.logquery.coordinator.loki.LogQlAst.DropLabel;
import dev.logquery.coordinator.loki.LogQlAst.JsonParser;
import dev.logquery.coordinator.loki.LogQlAst.LabelFilterStage;
import dev.logquery.coordinator.loki.LogQlAst.LineFilter;
import dev.logquery.coordinator.loki.LogQlAst.LineFilterType;
import dev.logquery.coordinator.loki.LogQlAst.LogExpr;
import dev.logquery.coordinator.loki.LogQlAst.LogfmtParser;
import dev.logquery.coordinator.loki.LogQlAst.MatchType;
import dev.logquery.coordinator.loki.LogQlAst.Matcher;
import dev.logquery.coordinator.loki.LogQlAst.Stage;
import java.util.ArrayList;
import java.util.List;
import org.antlr.v4.runtime.Token;

/**
 * Builds the {@link LogExpr} of a parse tree: the stream selector and the pipeline stages. The label aliases and
 * the case-insensitive level labels are resolved here, once, so that everything downstream (pushdown to the
 * nodes, the pipeline run on rows) compares plain names. Regexes are compiled here too, so that a bad one is a
 * parse error at its string instead of a failure in the middle of a query.
 */
final class LogExprBuilder {

    private LogExprBuilder() {
    }

    static LogExpr logExpr(LogQLParser.LogExprContext ctx) {
        if (ctx.logExpr() != null) {
            return logExpr(ctx.logExpr());
        }
        return logExpr(ctx.selector(), ctx.pipelineStage());
    }

    /** A selector and its stages, which the grammar also finds around a range ({@code {a="b"} | json [5m]}). */
    static LogExpr logExpr(LogQLParser.SelectorContext selector, List<LogQLParser.PipelineStageContext> stages) {
        return new LogExpr(selector(selector), stages(stages));
    }

    private static List<Matcher> selector(LogQLParser.SelectorContext ctx) {
        List<Matcher> matchers = new ArrayList<>();
        for (LogQLParser.MatcherContext m : ctx.matcher()) {
            String label = m.labelName().getText();
            if (label.equals("service") || label.equals("app")) {
                label = LogQl.SERVICE_NAME;
            }
            matchers.add(matcher(label, m.op, m.string()));
        }
        return matchers;
    }

    /** {@code label op "value"}, wherever it stands: in a selector, a label filter or a {@code drop}. */
    static Matcher matcher(String label, Token op, LogQLParser.StringContext value) {
        MatchType type = switch (op.getType()) {
            case LogQLLexer.EQ -> MatchType.EQ;
            case LogQLLexer.NEQ -> MatchType.NEQ;
            case LogQLLexer.RE -> MatchType.RE;
            default -> MatchType.NRE;
        };
        String text = StringLiterals.value(value);
        try {
            return Matcher.of(label, type, text, LogQl.LEVEL_LABELS.contains(label));
        } catch (PatternSyntaxException e) {
            throw regexError(value.getStart(), e);
        }
    }

    private static List<Stage> stages(List<LogQLParser.PipelineStageContext> contexts) {
        List<Stage> stages = new ArrayList<>(contexts.size());
        for (LogQLParser.PipelineStageContext ctx : contexts) {
            stages.add(stage(ctx));
        }
        return stages;
    }

    private static Stage stage(LogQLParser.PipelineStageContext ctx) {
        if (ctx instanceof LogQLParser.LineFilterStageContext lf) {
            return lineFilter(lf.lineFilter());
        }
        if (ctx instanceof LogQLParser.JsonStageContext) {
            return new JsonParser();
        }
        if (ctx instanceof LogQLParser.LogfmtStageContext) {
            return new LogfmtParser();
        }
        if (ctx instanceof LogQLParser.DropStageContext drop) {
            List<DropLabel> labels = new ArrayList<>();
            for (LogQLParser.DropLabelContext d : drop.dropLabel()) {
                String name = d.labelName().getText();
                labels.add(new DropLabel(name, d.op == null ? null : matcher(name, d.op, d.string())));
            }
            return new Drop(labels);
        }
        LogQLParser.LabelFilterContext filter = ((LogQLParser.LabelFilterStageContext) ctx).labelFilter();
        return new LabelFilterStage(LabelFilterBuilder.labelFilter(filter));
    }

    private static LineFilter lineFilter(LogQLParser.LineFilterContext f) {
        LineFilterType type = switch (f.op.getType()) {
            case LogQLLexer.PIPE_EXACT -> LineFilterType.CONTAINS;
            case LogQLLexer.NEQ -> LineFilterType.NOT_CONTAINS;
            case LogQLLexer.PIPE_MATCH -> LineFilterType.MATCHES;
            default -> LineFilterType.NOT_MATCHES;
        };
        String text = StringLiterals.value(f.string());
        try {
            return LineFilter.of(type, text);
        } catch (PatternSyntaxException e) {
            throw regexError(f.string().getStart(), e);
        }
    }

    private static LogQlException regexError(Token at, PatternSyntaxException e) {
        return LogQlSyntaxErrors.at(at, "invalid regular expression: " + e.getDescription());
    }
}
