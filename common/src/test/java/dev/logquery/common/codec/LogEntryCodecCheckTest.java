package dev.logquery.common.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link LogEntryCodec#check} gives exactly what a round trip through the record format gives. */
class LogEntryCodecCheckTest {

    private static final String[] TEXTS = {"", " ", "  padded  ", "app", "\u0000nul", "\uD800lone", "\u00e9t\u00e9",
            "x".repeat(129), "y".repeat(254), "tab\tand\nline", "\uD83D\uDE00"};

    @Test
    void checkingAnEntryEqualsEncodingAndDecodingIt() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            LogEntry entry = new LogEntry(Instant.ofEpochSecond(1_780_000_000L + random.nextInt(1_000_000),
                    random.nextInt(1_000_000_000)), pick(random, true), LogLevel.values()[random.nextInt(7)],
                    pickOrNull(random), pickOrNull(random), pickOrNull(random),
                    random.nextInt(50) == 0 ? "m".repeat(LogEntryCodec.MAX_MESSAGE_BYTES + 3) : pick(random, false),
                    random.nextBoolean() ? Map.of() : Map.of("k", pick(random, false)));
            DecodeResult viaRecord = LogEntryCodec.decode(LogEntryCodec.encode(entry));
            DecodeResult checked = LogEntryCodec.check(entry);
            if (viaRecord instanceof DecodeResult.Accepted a) {
                assertThat(checked).as(entry.toString()).isInstanceOf(DecodeResult.Accepted.class);
                assertThat(((DecodeResult.Accepted) checked).entry()).isEqualTo(a.entry());
                assertThat(((DecodeResult.Accepted) checked).truncated()).isEqualTo(a.truncated());
            } else {
                assertThat(checked).as(entry.toString()).isEqualTo(viaRecord);
            }
        }
    }

    private static String pick(SplittableRandom random, boolean service) {
        String s = TEXTS[random.nextInt(TEXTS.length)];
        return service && s.isBlank() && random.nextBoolean() ? "svc" : s;
    }

    private static String pickOrNull(SplittableRandom random) {
        return random.nextInt(4) == 0 ? null : pick(random, false);
    }
}
