package dev.logquery.common.metadata;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A Guava {@link BloomFilter} of strings: service names, or attribute pairs ({@link dev.logquery.common.model.Attributes#pair}).
 * It may say "maybe present" for an absent string, never
 * "absent" for a present one, so a shard or chunk whose filter says absent can be skipped safely.
 * The wire form is Guava's own serialization ({@link BloomFilter#writeTo}), in base64 inside JSON.
 * Instances are mutable only through {@link #put} and are not thread-safe while being built.
 */
public final class StringBloom {

    private final BloomFilter<CharSequence> filter;

    private StringBloom(BloomFilter<CharSequence> filter) {
        this.filter = filter;
    }

    public static StringBloom create(int expectedInsertions, double fpp) {
        return new StringBloom(BloomFilter.create(Funnels.stringFunnel(StandardCharsets.UTF_8), expectedInsertions, fpp));
    }

    public void put(String service) {
        filter.put(service);
    }

    public boolean mightContain(String service) {
        return filter.mightContain(service);
    }

    public StringBloom copy() {
        return new StringBloom(filter.copy());
    }

    /** Whether {@link #union} can combine the two (same size and hash count, i.e. the same settings). */
    public boolean isCompatible(StringBloom other) {
        // Guava answers false for the very same filter; a filter is of course compatible with itself.
        return other == this || filter.isCompatible(other.filter);
    }

    /** A new filter holding both; throws {@link IllegalArgumentException} unless {@link #isCompatible}. */
    public StringBloom union(StringBloom other) {
        BloomFilter<CharSequence> merged = filter.copy();
        if (other != this) {
            merged.putAll(other.filter);
        }
        return new StringBloom(merged);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try {
            filter.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static StringBloom fromBytes(byte[] bytes) {
        // Guava's form: strategy (1 byte), hash count (1 byte), number of longs (int), the longs. Guava
        // allocates what the header claims before reading, so check the claim against the real length.
        if (bytes == null || bytes.length < 6) {
            throw new IllegalArgumentException("not a serialized Guava bloom filter: too short");
        }
        long longs = ((bytes[2] & 0xFFL) << 24) | ((bytes[3] & 0xFFL) << 16) | ((bytes[4] & 0xFFL) << 8) | (bytes[5] & 0xFFL);
        if (6 + 8 * longs != bytes.length) {
            throw new IllegalArgumentException("not a serialized Guava bloom filter: header claims " + longs
                    + " words, " + bytes.length + " bytes given");
        }
        try {
            return new StringBloom(BloomFilter.readFrom(new ByteArrayInputStream(bytes),
                    Funnels.stringFunnel(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a serialized Guava bloom filter", e);
        }
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(toBytes());
    }

    public static StringBloom fromBase64(String base64) {
        return fromBytes(Base64.getDecoder().decode(base64));
    }

    public double expectedFpp() {
        return filter.expectedFpp();
    }
}
