package dev.logquery.gateway.security;

import dev.logquery.gateway.config.GatewayProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer tokens the gateway accepts (as the coordinator's public API does): {@code logquery.gateway.auth.tokens} plus the lines of
 * {@code logquery.gateway.auth.tokens-file} (blank lines and {@code #} comments skipped), read once at start.
 * Tokens are kept as SHA-256 digests and compared in constant time; a caller is named by the first 12 hex digits
 * of its token's digest ({@code token:3f9a…}), never by the token itself.
 */
public final class ApiTokens {

    private final List<byte[]> digests;

    private ApiTokens(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /** The tokens the settings name; none means pushing is open. */
    public static ApiTokens from(GatewayProperties.Auth auth) {
        Set<String> tokens = new LinkedHashSet<>(auth.tokens());
        if (!auth.tokensFile().isEmpty()) {
            try {
                for (String line : Files.readAllLines(Path.of(auth.tokensFile()), StandardCharsets.UTF_8)) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        tokens.add(t);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("logquery.gateway.auth.tokens-file " + auth.tokensFile()
                        + " cannot be read", e);
            }
        }
        List<byte[]> digests = new ArrayList<>(tokens.size());
        for (String t : tokens) {
            digests.add(sha256(t));
        }
        return new ApiTokens(digests);
    }

    /** True when no token is configured: every caller is let in. */
    public boolean open() {
        return digests.isEmpty();
    }

    /** The caller's name when {@code token} is one of ours, else empty. Takes the same time for every token. */
    public Optional<String> check(String token) {
        byte[] d = sha256(token);
        boolean found = false;
        for (byte[] candidate : digests) {
            found |= MessageDigest.isEqual(candidate, d);
        }
        return found ? Optional.of("token:" + HexFormat.of().formatHex(d, 0, 6)) : Optional.empty();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
