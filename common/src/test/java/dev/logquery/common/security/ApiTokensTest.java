package dev.logquery.common.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {

    @TempDir
    Path temp;

    @Test
    void noTokenConfiguredMeansOpen() {
        assertThat(ApiTokens.from("logquery.coordinator.auth", List.of(" ", ""), "").open()).isTrue();
    }

    @Test
    void tokensFromTheListAndTheFileAreAcceptedOthersAreNot() throws Exception {
        Path file = temp.resolve("tokens");
        Files.writeString(file, "# team tokens\n\n  from-file  \n");
        ApiTokens tokens = ApiTokens.from("logquery.coordinator.auth", List.of("from-list"), file.toString());

        assertThat(tokens.open()).isFalse();
        assertThat(tokens.check("from-list")).hasValueSatisfying(c -> assertThat(c).startsWith("token:").hasSize(18));
        assertThat(tokens.check("from-file")).isPresent();
        assertThat(tokens.check("from-fil")).isEmpty();
        assertThat(tokens.check("# team tokens")).isEmpty();
        assertThat(tokens.check("")).isEmpty();
        assertThat(tokens.check("from-list")).isNotEqualTo(tokens.check("from-file"));
    }

    @Test
    void theCallerIsNamedWithoutTheToken() {
        ApiTokens tokens = ApiTokens.from("logquery.coordinator.auth", List.of("s3cret-token"), "");
        assertThat(tokens.check("s3cret-token").orElseThrow()).doesNotContain("s3cret");
    }

    @Test
    void bearerAndBasicCarryTheTokenOtherSchemesDoNot() {
        assertThat(ApiTokens.fromAuthorization("Bearer abc")).isEqualTo("abc");
        assertThat(ApiTokens.fromAuthorization("bearer   abc  ")).isEqualTo("abc");
        assertThat(ApiTokens.fromAuthorization(basic("grafana:abc"))).isEqualTo("abc");
        assertThat(ApiTokens.fromAuthorization(basic(":abc:def"))).isEqualTo("abc:def");
        assertThat(ApiTokens.fromAuthorization(basic("abc"))).isNull();
        assertThat(ApiTokens.fromAuthorization(basic("user:"))).isNull();
        assertThat(ApiTokens.fromAuthorization("Basic !!!")).isNull();
        assertThat(ApiTokens.fromAuthorization("Bearer")).isNull();
        assertThat(ApiTokens.fromAuthorization("Bearer ")).isNull();
        assertThat(ApiTokens.fromAuthorization("Digest abc")).isNull();
        assertThat(ApiTokens.fromAuthorization("abc")).isNull();
    }

    private static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }
}
