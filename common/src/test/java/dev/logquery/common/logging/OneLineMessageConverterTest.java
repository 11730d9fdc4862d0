package dev.logquery.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OneLineMessageConverterTest {

    @Test
    void lineBreaksFromUserTextCannotForgeALogLine() {
        String forged = "payment\r\n2026-12-02T10:00:00Z  INFO 1 --- [main] admin : login ok";
        String escaped = OneLineMessageConverter.escape("query failed: service=" + forged);
        assertThat(escaped).doesNotContain("\r", "\n")
                .isEqualTo("query failed: service=payment\\r\\n2026-12-02T10:00:00Z  INFO 1 --- [main] admin : login ok");
        assertThat(OneLineMessageConverter.escape("a\u2028b\u2029c\u0085d\u001be\u007ff"))
                .isEqualTo("a\\u2028b\\u2029c\\u0085d\\u001be\\u007ff");
    }

    @Test
    void ordinaryTextIsUntouched() {
        String s = "shard 2 answered 500 rows in 12 ms\tëü€ 日本";
        assertThat(OneLineMessageConverter.escape(s)).isSameAs(s);
        assertThat(OneLineMessageConverter.escape(null)).isNull();
    }
}
