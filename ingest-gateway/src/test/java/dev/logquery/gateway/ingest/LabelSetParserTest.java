package dev.logquery.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSetParserTest {

    @Test
    void readsLabelsInOrderWithSpacesAndTrailingComma() {
        assertThat(LabelSetParser.parse("{app=\"shop\", namespace = \"prod\",pod=\"p-1\",}"))
                .containsExactly(Map.entry("app", "shop"), Map.entry("namespace", "prod"), Map.entry("pod", "p-1"));
        assertThat(LabelSetParser.parse(" { } ")).isEmpty();
    }

    @Test
    void undoesEscapes() {
        assertThat(LabelSetParser.parse("{msg=\"a \\\"quoted\\\" \\\\ back\\nline\\tTab\", x=\"{}=,\"}"))
                .containsEntry("msg", "a \"quoted\" \\ back\nline\tTab").containsEntry("x", "{}=,");
    }

    @Test
    void acceptsDottedNamesSomeClientsSend() {
        assertThat(LabelSetParser.parse("{service.name=\"api\", k8s-pod=\"p\"}"))
                .containsEntry("service.name", "api").containsEntry("k8s-pod", "p");
    }

    @Test
    void namesWhatIsMalformed() {
        assertThatThrownBy(() -> LabelSetParser.parse("app=\"x\"")).hasMessageContaining("expected '{'");
        assertThatThrownBy(() -> LabelSetParser.parse("{app=x}")).hasMessageContaining("must be double-quoted");
        assertThatThrownBy(() -> LabelSetParser.parse("{app=\"x}")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> LabelSetParser.parse("{app=\"x\"")).hasMessageContaining("ends without }");
        assertThatThrownBy(() -> LabelSetParser.parse("{app=\"x\" b=\"y\"}"))
                .hasMessageContaining("expected , or }");
        assertThatThrownBy(() -> LabelSetParser.parse("{1app=\"x\"}")).hasMessageContaining("expected a label name");
        assertThatThrownBy(() -> LabelSetParser.parse("{a=\"x\",a=\"y\"}")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> LabelSetParser.parse("{a=\"\\q\"}")).hasMessageContaining("unknown escape");
        assertThatThrownBy(() -> LabelSetParser.parse("{a=\"x\"} tail")).hasMessageContaining("after }");
        assertThatThrownBy(() -> LabelSetParser.parse("")).hasMessageContaining("malformed label set");
    }
}
