package dev.logquery.coordinator.loki;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequiredLiteralTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " => ", nullValues = "NONE", value = {
            "connection refused => connection refused",
            "connection (refused|reset) => 'connection '",
            "timeout after \\d+ms => 'timeout after '",
            "^GET /api/orders.*took => GET /api/orders",
            "error|timeout => NONE",
            "(?i)error => NONE",
            "a.b => a",
            "colou?r of => colo",
            "x*yz => yz",
            "ab{2}cd => cd",
            "ab+cd => ab",
            "[abc]+def => def",
            "[]x]yz => yz",
            "\\x41BC => BC",
            "\\x{263a}smile => smile",
            "\\p{Greek}alpha => alpha",
            "C:\\\\temp => C:\\temp",
            "50\\% => 50%",
            "\\d\\d => NONE",
            ".* => NONE",
            "é€😀 unicode => é€😀 unicode"})
    void theLongestRequiredText(String regex, String expected) {
        assertThat(RequiredLiteral.of(regex)).isEqualTo(expected);
    }

    /** Whatever the regex, every line it finds a match in contains the literal: the pushed filter loses no line. */
    @Test
    void everyMatchingLineContainsTheLiteral() {
        List<String> regexes = List.of("connection (refused|reset)", "timeout after \\d+ms", "colou?r of", "ab+cd",
                "x*yz", "[abc]+def", "user_id=\\d{2}", "GET /api/(orders|users) took", "a\\.b(c|d)?e");
        Random random = new Random(7);
        String alphabet = "abcdefrxyzu0123456789 =_./:GETtookconnectionrefusedresetmsuser_idapiorders";
        int checked = 0;
        for (String regex : regexes) {
            Pattern p = Pattern.compile(regex);
            String literal = RequiredLiteral.of(regex);
            assertThat(literal).as(regex).isNotNull();
            for (int n = 0; n < 20_000; n++) {
                StringBuilder line = new StringBuilder();
                int length = 1 + random.nextInt(40);
                for (int k = 0; k < length; k++) {
                    line.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                // plant a piece of a possible match now and then, so that matches happen
                if (random.nextInt(3) == 0) {
                    line.insert(random.nextInt(line.length() + 1), List.of("connection reset", "timeout after 12ms",
                            "color of", "colour of", "abbbcd", "xxyz", "cabdef", "user_id=42",
                            "GET /api/users took", "a.bde").get(random.nextInt(10)));
                }
                if (p.matcher(line).find()) {
                    assertThat(line.toString()).as("a line %s matches", regex).contains(literal);
                    checked++;
                }
            }
        }
        assertThat(checked).as("lines that matched").isGreaterThan(1_000);
    }

    @Test
    void aRegexLineFilterIsPushedAsTheTextItRequiresAndStillCheckedInTheCoordinator() {
        Pushdown p = Pushdown.of((LogQlAst.LogExpr) LogQl.parse(
                "{service_name=\"api\"} |~ \"connection (refused|reset)\" |= \"db\""));
        assertThat(p.contains()).isEqualTo("connection ");
        assertThat(p.exact()).isFalse();
        assertThat(Pushdown.of((LogQlAst.LogExpr) LogQl.parse("{service_name=\"api\"} |~ \"(?i)refused\"")).contains())
                .isNull();
    }
}
