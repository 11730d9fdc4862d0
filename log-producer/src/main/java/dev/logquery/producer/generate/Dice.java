package dev.logquery.producer.generate;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Seeded randomness with the helpers the message templates need. Not thread-safe. */
final class Dice {

    /** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alike characters). */
    static final String KUBE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final String HEX = "0123456789abcdef";
    private static final String UPPER_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private final SplittableRandom random;

    Dice(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Uniform in {@code [0, bound)}. */
    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** Uniform in {@code [from, to]}. */
    int between(int from, int to) {
        return random.nextInt(from, to + 1);
    }

    double nextDouble() {
        return random.nextDouble();
    }

    double nextGaussian() {
        // Box-Muller; SplittableRandom has no Gaussian of its own in Java 17.
        double u = 1.0 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    @SafeVarargs
    final <T> T pick(T... options) {
        return options[random.nextInt(options.length)];
    }

    <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    /** A latency in milliseconds, log-normally spread around {@code medianMs} (long right tail). */
    int latencyMs(double medianMs) {
        return Math.max(1, (int) Math.round(medianMs * Math.exp(0.9 * nextGaussian())));
    }

    /** An amount such as {@code 59.97}, two decimals, between {@code min} and {@code max}. */
    String money(int min, int max) {
        int cents = between(min * 100, max * 100);
        return String.format(Locale.ROOT, "%d.%02d", cents / 100, cents % 100);
    }

    String currency() {
        double p = random.nextDouble();
        return p < 0.75 ? "EUR" : p < 0.92 ? "USD" : "GBP";
    }

    String kube(int length) {
        return fromAlphabet(KUBE_ALPHABET, length);
    }

    String hex(int length) {
        return fromAlphabet(HEX, length);
    }

    /** Upper-case letters and digits, as in {@code SHP-9F3K2Q}. */
    String code(int length) {
        return fromAlphabet(UPPER_ALNUM, length);
    }

    String sku() {
        return "SKU-" + between(10000, 99999);
    }

    private String fromAlphabet(String alphabet, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        return new String(chars);
    }
}
