package dev.logquery.common.security;

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
 * The bearer tokens an application's public endpoints accept (the coordinator's API, the gateway's push
 * endpoints): {@code <prefix>.tokens} plus the lines of {@code <prefix>.tokens-file} (blank lines and {@code #}
 * comments skipped), read once at start.
 * Tokens are kept as SHA-256 digests and compared in constant time; a caller is named by the first 12 hex digits
 * of its token's digest ({@code token:3f9a…}), never by the token itself.
 */
public final class ApiTokens {

    private final List<byte[]> digests;

    private ApiTokens(List<byte[]> digests) {
        this.digests = List.copyOf(digests);
    }

    /**
     * The tokens the settings name; none means the endpoints are open.
     *
     * @param prefix     the settings' prefix, for messages ({@code logquery.coordinator.auth})
     * @param listed     the tokens listed in the settings (blank ones ignored)
     * @param tokensFile a file of tokens, one per line; empty: none
     */
    public static ApiTokens from(String prefix, List<String> listed, String tokensFile) {
        Set<String> tokens = new LinkedHashSet<>();
        for (String t : listed) {
            if (t != null && !t.isBlank()) {
                tokens.add(t.strip());
            }
        }
        if (tokensFile != null && !tokensFile.isBlank()) {
            try {
                for (String line : Files.readAllLines(Path.of(tokensFile.strip()), StandardCharsets.UTF_8)) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        tokens.add(t);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(prefix + ".tokens-file " + tokensFile + " cannot be read", e);
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

    /**
     * The token an {@code Authorization} header value carries, or null: {@code Bearer <token>}, or
     * {@code Basic base64(user:token)} (what Grafana's, Promtail's and Alloy's basic auth send, the token as the
     * password); any other scheme carries none.
     */
    public static String fromAuthorization(String header) {
        String v = header.strip();
        int space = v.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = v.substring(0, space);
        String rest = v.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return rest.isEmpty() ? null : rest;
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            try {
                String decoded = new String(java.util.Base64.getDecoder().decode(rest), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                String password = colon < 0 ? "" : decoded.substring(colon + 1);
                return password.isEmpty() ? null : password;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
