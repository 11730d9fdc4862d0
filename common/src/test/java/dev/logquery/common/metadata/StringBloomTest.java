package dev.logquery.common.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StringBloomTest {

    private static List<String> names(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + "-service-" + i).toList();
    }

    private static StringBloom bloomOf(int expectedInsertions, double fpp, List<String> names) {
        StringBloom bloom = StringBloom.create(expectedInsertions, fpp);
        names.forEach(bloom::put);
        return bloom;
    }

    @ParameterizedTest(name = "[{index}] {0} expected, fpp {1}, {2} inserted")
    @CsvSource({"1000, 0.01, 1000", "1000, 0.001, 1000", "100, 0.01, 1000", "10, 0.5, 1000", "5000, 0.03, 1000"})
    void noFalseNegatives(int expectedInsertions, double fpp, int inserted) {
        List<String> present = names("present", inserted);
        StringBloom bloom = bloomOf(expectedInsertions, fpp, present);

        assertThat(present).allMatch(bloom::mightContain);
    }

    @Test
    void unicodeAndEdgeNamesAreFound() {
        List<String> present = List.of("", " ", "caf\u00e9", "\u20ac-svc", "\uD83D\uDE00", "s".repeat(128), "Payment",
                "\uFFFD");
        StringBloom bloom = bloomOf(100, 0.01, present);

        assertThat(present).allMatch(bloom::mightContain);
        StringBloom back = StringBloom.fromBase64(bloom.toBase64());
        assertThat(present).allMatch(back::mightContain);
    }

    @Test
    void emptyFilterContainsNothingKnown() {
        StringBloom bloom = StringBloom.create(1000, 0.01);

        assertThat(names("absent", 1000)).noneMatch(bloom::mightContain);
    }

    @Test
    void serializedBytesAndBase64KeepMembership() {
        List<String> present = names("present", 1000);
        List<String> absent = names("absent", 2000);
        StringBloom bloom = bloomOf(1000, 0.01, present);

        byte[] bytes = bloom.toBytes();
        StringBloom fromBytes = StringBloom.fromBytes(bytes);
        String base64 = bloom.toBase64();
        StringBloom fromBase64 = StringBloom.fromBase64(base64);

        assertThat(Base64.getDecoder().decode(base64)).isEqualTo(bytes);
        for (StringBloom copy : List.of(fromBytes, fromBase64)) {
            assertThat(present).allMatch(copy::mightContain);
            for (String name : absent) {
                assertThat(copy.mightContain(name)).as(name).isEqualTo(bloom.mightContain(name));
            }
            assertThat(copy.isCompatible(bloom)).isTrue();
            assertThat(copy.toBytes()).isEqualTo(bytes);
            assertThat(copy.expectedFpp()).isEqualTo(bloom.expectedFpp());
        }
    }

    @Test
    void copyIsIndependent() {
        StringBloom bloom = bloomOf(100, 0.01, List.of("a"));
        StringBloom copy = bloom.copy();

        copy.put("only-in-copy");

        assertThat(copy.mightContain("only-in-copy")).isTrue();
        assertThat(bloom.mightContain("only-in-copy")).isFalse();
        assertThat(copy.mightContain("a")).isTrue();
    }

    @Test
    void unionOfCompatibleFiltersContainsBothSetsAndLeavesOperandsAlone() {
        List<String> left = names("left", 500);
        List<String> right = names("right", 500);
        StringBloom a = bloomOf(1000, 0.01, left);
        StringBloom b = bloomOf(1000, 0.01, right);
        byte[] aBefore = a.toBytes();
        byte[] bBefore = b.toBytes();

        StringBloom union = a.union(b);

        assertThat(a.isCompatible(b)).isTrue();
        assertThat(left).allMatch(union::mightContain);
        assertThat(right).allMatch(union::mightContain);
        assertThat(a.toBytes()).isEqualTo(aBefore);
        assertThat(b.toBytes()).isEqualTo(bBefore);
        assertThat(union.isCompatible(a)).isTrue();
        // the same as building one filter with everything
        List<String> all = new ArrayList<>(left);
        all.addAll(right);
        assertThat(union.toBytes()).isEqualTo(bloomOf(1000, 0.01, all).toBytes());
    }

    @ParameterizedTest(name = "[{index}] ({0}, {1}) vs ({2}, {3}) compatible: {4}")
    @CsvSource({
            "1000, 0.01, 1000, 0.01, true",
            "1000, 0.01, 2000, 0.01, false",
            "1000, 0.01, 100, 0.01, false",
            "1000, 0.01, 1000, 0.001, false"})
    void compatibilityFollowsTheSettings(int n1, double p1, int n2, double p2, boolean compatible) {
        StringBloom a = bloomOf(n1, p1, List.of("x"));
        StringBloom b = bloomOf(n2, p2, List.of("y"));

        assertThat(a.isCompatible(b)).isEqualTo(compatible);
        assertThat(b.isCompatible(a)).isEqualTo(compatible);
        if (!compatible) {
            assertThatThrownBy(() -> a.union(b)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void filterIsCompatibleWithItsCopyAndCanBeUnitedWithItself() {
        StringBloom a = bloomOf(1000, 0.01, List.of("x"));

        assertThat(a.isCompatible(a.copy())).isTrue();
        assertThat(a.copy().isCompatible(a)).isTrue();
        assertThat(a.union(a).toBytes()).isEqualTo(a.toBytes());
    }

    /** Guava's own {@code BloomFilter.isCompatible} answers false for the very same instance; this must not. */
    @Test
    void filterIsCompatibleWithItself() {
        StringBloom a = StringBloom.create(1000, 0.01);

        assertThat(a.isCompatible(a)).isTrue();
    }

    @ParameterizedTest(name = "[{index}] \"{0}\"")
    @ValueSource(strings = {"", "g", "garbage!", "not a serialized bloom filter at all", "\u0000",
            "\u0000\u0003", "\u0000\u0003\u0000\u0000\u0000\u0002", "\u0001\u0000\u0000\u0000\u0000\u0001abcdefgh",
            "\u0007\u0003\u0000\u0000\u0000\u0001abcdefgh", "\u0001\u0003\u00ff\u00ff\u00ff\u00ff"})
    void fromBytesOfGarbageThrowsIllegalArgument(String latin1) {
        byte[] garbage = latin1.getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> StringBloom.fromBytes(garbage)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromBytesOfRandomGarbageThrowsIllegalArgumentOrYieldsAFilter() {
        Random random = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            // keep the claimed data length small so the test never asks for a huge array (see the bug test below)
            if (garbage.length >= 6) {
                garbage[2] = 0;
                garbage[3] = 0;
                garbage[4] = 0;
            }
            try {
                StringBloom.fromBytes(garbage);
            } catch (IllegalArgumentException expected) {
                // fine
            }
        }
    }

    @Test
    void truncatedSerializationThrowsIllegalArgument() {
        byte[] bytes = bloomOf(1000, 0.01, names("x", 10)).toBytes();
        for (int len : new int[] {0, 1, 5, 6, 7, bytes.length / 2, bytes.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(bytes, len);
            assertThatThrownBy(() -> StringBloom.fromBytes(cut)).as("first %d bytes", len)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"!!!", "not base64 at all", "QUJD=x"})
    void fromBase64OfGarbageThrowsIllegalArgument(String text) {
        assertThatThrownBy(() -> StringBloom.fromBase64(text)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Guava's {@code BloomFilter.readFrom} allocates the bit array from the length the header claims before
     * reading any data, so six bytes that claim 2^31-1 longs make it throw {@code OutOfMemoryError} (an
     * Error, which {@code fromBytes} does not catch) instead of {@code IllegalArgumentException}. A claim
     * of, say, 2^27 longs makes it allocate 1 GiB before failing on end of input.
     */
    @Test
    void fromBytesOfAHeaderClaimingAHugeBitArrayThrowsIllegalArgument() {
        byte[] header = {0, 3, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};

        assertThatThrownBy(() -> StringBloom.fromBytes(header)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "[{index}] fpp {0}")
    @ValueSource(doubles = {0.01, 0.03, 0.001})
    void measuredFalsePositiveRateStaysBelowThreeTimesTheConfiguredRate(double fpp) {
        StringBloom bloom = bloomOf(1000, fpp, names("present", 1000));
        StringBloom wire = StringBloom.fromBase64(bloom.toBase64());

        long falsePositives = names("absent", 10_000).stream().filter(wire::mightContain).count();

        assertThat(falsePositives / 10_000.0).isLessThan(3 * fpp);
        assertThat(bloom.expectedFpp()).isLessThan(3 * fpp);
    }
}
