package dev.logquery.common.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class Rfc3339Test {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2024-12-01T10:15:30Z                 | 2024-12-01T10:15:30Z
            2024-12-01 10:15:30Z                 | 2024-12-01T10:15:30Z
            2024-12-01t10:15:30Z                 | 2024-12-01T10:15:30Z
            2024-12-01T10:15:30z                 | 2024-12-01T10:15:30Z
            2024-12-01t10:15:30z                 | 2024-12-01T10:15:30Z
            2024-12-01 10:15:30.5z               | 2024-12-01T10:15:30.5Z
            2024-12-01T10:15:30.1Z               | 2024-12-01T10:15:30.1Z
            2024-12-01T10:15:30.12Z              | 2024-12-01T10:15:30.12Z
            2024-12-01T10:15:30.123Z             | 2024-12-01T10:15:30.123Z
            2024-12-01T10:15:30.1234Z            | 2024-12-01T10:15:30.1234Z
            2024-12-01T10:15:30.12345Z           | 2024-12-01T10:15:30.12345Z
            2024-12-01T10:15:30.123456Z          | 2024-12-01T10:15:30.123456Z
            2024-12-01T10:15:30.1234567Z         | 2024-12-01T10:15:30.123456Z
            2024-12-01T10:15:30.12345678Z        | 2024-12-01T10:15:30.123456Z
            2024-12-01T10:15:30.123456789Z       | 2024-12-01T10:15:30.123456Z
            2024-12-01T10:15:30.999999999Z       | 2024-12-01T10:15:30.999999Z
            2024-12-01T10:15:30.000000999Z       | 2024-12-01T10:15:30Z
            2024-12-01T10:15:30.000001Z          | 2024-12-01T10:15:30.000001Z
            2024-12-01T12:15:30+02:00            | 2024-12-01T10:15:30Z
            2024-12-01T12:15:30.123456789+02:00  | 2024-12-01T10:15:30.123456Z
            2024-12-01T04:45:30-05:30            | 2024-12-01T10:15:30Z
            2024-12-01T10:15:30+00:00            | 2024-12-01T10:15:30Z
            2024-12-01T10:15:30-00:00            | 2024-12-01T10:15:30Z
            2024-12-02T00:15:30+14:00            | 2024-12-01T10:15:30Z
            2024-11-30T22:15:30-12:00            | 2024-12-01T10:15:30Z
            2024-12-31T23:30:00-01:00            | 2025-01-01T00:30:00Z
            2025-01-01T00:30:00+01:00            | 2024-12-31T23:30:00Z
            2024-02-29T00:00:00Z                 | 2024-02-29T00:00:00Z
            2000-02-29T23:59:59Z                 | 2000-02-29T23:59:59Z
            1970-01-01T00:00:00Z                 | 1970-01-01T00:00:00Z
            1969-12-31T23:59:59.9999999Z         | 1969-12-31T23:59:59.999999Z
            0001-01-01T00:00:00Z                 | 0001-01-01T00:00:00Z
            9999-12-31T23:59:59.999999Z          | 9999-12-31T23:59:59.999999Z
            """)
    void parsesValidTimestamps(String text, String expected) {
        assertThat(Rfc3339.parse(text)).contains(Instant.parse(expected));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @NullAndEmptySource
    @ValueSource(strings = {
            " ",
            "2024-12-01T10:15:3Z",                // 19 chars: too short
            "2024-12-01",
            "2024-12-01T10:15:30",                 // no offset
            "2024-12-01T10:15:30.123456",          // no offset
            "2024-13-01T10:15:30Z",                // month 13
            "2024-00-01T10:15:30Z",                // month 0
            "2024-12-00T10:15:30Z",                // day 0
            "2024-12-32T10:15:30Z",                // day 32
            "2024-02-30T10:15:30Z",                // Feb 30
            "2023-02-29T10:15:30Z",                // not a leap year
            "1900-02-29T10:15:30Z",                // not a leap year
            "2024-04-31T10:15:30Z",                // April has 30 days
            "2024-12-01T24:00:00Z",                // hour 24
            "2024-12-01T25:15:30Z",
            "2024-12-01T10:60:30Z",
            "2024-12-01T10:15:61Z",
            "2024-12-01T10:15:30.1234567890Z",     // 10 fractional digits
            "2024-12-01T10:15:30,5Z",              // comma fraction
            "2024-12-01T10:15:30+0200",            // offset without colon
            "2024-12-01T10:15:30+19:00",           // offset out of range
            "2024-12-01T10:15:30+02:60",
            "2024-12-01T10:15:30ZZ",
            "2024-12-01T10:15:30 Z",
            "2024-12-01X10:15:30Z",                // bad separator
            "2024-12-01_10:15:30Z",
            "2024/12/01T10:15:30Z",
            "24-12-01T10:15:30Z+00",
            "2024-1-01T10:15:30Z+0",
            " 2024-12-01T10:15:30Z",               // leading blank
            "2024-12-01T10:15:30Z ",               // trailing blank
            "2024-12-01T10:15:30.123456789+02:00xxxxxx", // 41 chars
            "1733048130",
            "1733048130123456789000",
            "2024-12-01T10:15:30 UTC",
            "2024-12-01T10:15:30[Europe/Paris]",
            "2024-12-01T10:15:30+02:00[Europe/Paris]",
            "Sun, 01 Dec 2024 10:15:30 GMT",
            "yesterday at noon, more or less"})
    void rejectsInvalidTimestamps(String text) {
        assertThat(Rfc3339.parse(text)).isEmpty();
    }

    /**
     * RFC 3339 requires seconds ({@code partial-time = hour ":" minute ":" second}), at least one digit
     * after the decimal point ({@code time-secfrac = "." 1*DIGIT}) and an offset of exactly
     * {@code ("+" / "-") hour ":" minute}. {@code Rfc3339.parse} delegates to
     * {@code ISO_OFFSET_DATE_TIME}, which is more lenient than that.
     */
    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {
            "2024-12-01T10:15+02:00",        // accepted as 2024-12-01T08:15:00Z
            "2024-12-01T10:15:30.Z",         // accepted as 2024-12-01T10:15:30Z
            "2024-12-01T10:15:30.+02:00",    // accepted as 2024-12-01T08:15:30Z
            "2024-12-01T10:15:30+02",        // accepted as 2024-12-01T08:15:30Z
            "2024-12-01T10:15:30+02:00:30"}) // accepted as 2024-12-01T08:15:00Z
    void rejectsLenientNonRfc3339Forms(String text) {
        assertThat(Rfc3339.parse(text)).isEmpty();
    }

    @Test
    void minimumLengthBoundary() {
        assertThat("2024-12-01T10:15:30Z").hasSize(20);
        assertThat(Rfc3339.parse("2024-12-01T10:15:30Z")).isPresent();
        assertThat(Rfc3339.parse("2024-12-01T10:15:3Z")).isEmpty();
        assertThat(Rfc3339.parse("2024-12-01T10:15Z")).isEmpty();
    }

    @Test
    void longestValidFormIsAccepted() {
        String longest = "2024-12-01T10:15:30.123456789+02:00";
        assertThat(Rfc3339.parse(longest)).contains(Instant.parse("2024-12-01T08:15:30.123456Z"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            2024-12-01T10:15:30Z                  | 2024-12-01T10:15:30Z
            2024-12-01T10:15:30.100Z              | 2024-12-01T10:15:30.100Z
            2024-12-01T10:15:30.120Z              | 2024-12-01T10:15:30.120Z
            2024-12-01T10:15:30.123Z              | 2024-12-01T10:15:30.123Z
            2024-12-01T10:15:30.123400Z           | 2024-12-01T10:15:30.123400Z
            2024-12-01T10:15:30.123456Z           | 2024-12-01T10:15:30.123456Z
            2024-12-01T10:15:30.000001Z           | 2024-12-01T10:15:30.000001Z
            2024-12-01T10:15:30.999999Z           | 2024-12-01T10:15:30.999999Z
            1970-01-01T00:00:00Z                  | 1970-01-01T00:00:00Z
            1969-12-31T23:59:59.999999Z           | 1969-12-31T23:59:59.999999Z
            0001-01-01T00:00:00Z                  | 0001-01-01T00:00:00Z
            9999-12-31T23:59:59.999999Z           | 9999-12-31T23:59:59.999999Z
            """)
    void formatsInUtcWithMinimalFractionGroups(String instant, String expected) {
        assertThat(Rfc3339.format(Instant.parse(instant))).isEqualTo(expected);
    }

    @Test
    void formatThenParseIsIdentityForMicrosecondInstants() {
        Random random = new Random(3339);
        long min = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 5_000; i++) {
            long seconds = min + (long) (random.nextDouble() * (max - min));
            int micros = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1000;
                default -> random.nextInt(1_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, micros * 1000L);

            String text = Rfc3339.format(instant);

            assertThat(text).endsWith("Z").hasSizeBetween(20, 27);
            assertThat(Rfc3339.parse(text)).as(text).contains(instant);
        }
    }

    @Test
    void parseCutsRatherThanRoundsNanoseconds() {
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            Instant instant = Instant.ofEpochSecond(1_700_000_000L + random.nextInt(100_000_000),
                    random.nextInt(1_000_000_000));

            assertThat(Rfc3339.parse(instant.toString()))
                    .contains(instant.truncatedTo(ChronoUnit.MICROS));
        }
    }

    @Test
    void formatWritesWhatIsoInstantWritesForAnyInstant() {
        Random random = new Random(7);
        long min = Instant.parse("-0200-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("+12000-01-01T00:00:00Z").getEpochSecond();
        int[] nanoKinds = {0, 1_000_000, 1000, 1};
        for (int i = 0; i < 200_000; i++) {
            long second = min + (long) (random.nextDouble() * (max - min));
            int unit = nanoKinds[random.nextInt(nanoKinds.length)];
            int nanos = unit == 0 ? 0 : random.nextInt(1_000_000_000 / unit) * unit;
            Instant t = Instant.ofEpochSecond(second, nanos);
            assertThat(Rfc3339.format(t)).as("%s", t).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(t));
        }
        for (String edge : new String[] {"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                "+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.5Z"}) {
            Instant t = Instant.parse(edge);
            assertThat(Rfc3339.format(t)).isEqualTo(DateTimeFormatter.ISO_INSTANT.format(t));
        }
    }
}
