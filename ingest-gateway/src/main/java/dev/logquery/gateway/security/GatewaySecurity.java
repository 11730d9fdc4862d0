package dev.logquery.gateway.security;

import dev.logquery.gateway.config.GatewayProperties;
import java.nio.charset.StandardCharsets;
import java.util.List;
import dev.logquery.common.security.ApiTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Who may push, with the coordinator's rules: no token configured ({@code logquery.gateway.auth.tokens} /
 * {@code tokens-file}): everyone. Tokens configured: every path needs {@code Authorization: Bearer <token>}, or
 * Basic with the token as the password (what Loki clients such as Promtail, Alloy or loki4j send with
 * {@code basic_auth}; the user name is ignored), except {@code /actuator/health/**}, {@code /actuator/prometheus}
 * and {@code /actuator/info}. Anything else answers 401 in plain text (what Loki and OTLP clients log) with
 * {@code WWW-Authenticate: Bearer realm="logquery"}. Stateless: no session, no CSRF, no login form.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class GatewaySecurity {

    private static final Logger log = LoggerFactory.getLogger(GatewaySecurity.class);
    static final String CHALLENGE = "Bearer realm=\"logquery\"";

    @Bean
    ApiTokens apiTokens(GatewayProperties properties) {
        ApiTokens tokens = ApiTokens.from("logquery.gateway.auth", properties.auth().tokens(),
                properties.auth().tokensFile());
        if (tokens.open()) {
            log.info("pushing is open: no logquery.gateway.auth.tokens configured");
        }
        return tokens;
    }

    /** Checks a presented token; its presence also keeps Boot from creating a default user with a password. */
    @Bean
    ReactiveAuthenticationManager apiTokenAuthentication(ApiTokens tokens) {
        return authentication -> Mono.justOrEmpty(tokens.check(String.valueOf(authentication.getCredentials())))
                .switchIfEmpty(Mono.error(() -> new BadCredentialsException("the token is not valid")))
                .map(caller -> UsernamePasswordAuthenticationToken.authenticated(caller, null,
                        AuthorityUtils.createAuthorityList("ROLE_PUSH")));
    }

    @Bean
    SecurityWebFilterChain gatewaySecurityChain(ServerHttpSecurity http, ApiTokens tokens,
                                                ReactiveAuthenticationManager apiTokenAuthentication) {
        http.csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .anonymous(ServerHttpSecurity.AnonymousSpec::disable)
                .requestCache(c -> c.requestCache(org.springframework.security.web.server.savedrequest
                        .NoOpServerRequestCache.getInstance()))
                .securityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        if (tokens.open()) {
            return http.authorizeExchange(e -> e.anyExchange().permitAll()).build();
        }
        ServerAuthenticationEntryPoint entryPoint = GatewaySecurity::unauthorized;
        AuthenticationWebFilter filter = new AuthenticationWebFilter(apiTokenAuthentication);
        filter.setServerAuthenticationConverter(tokenConverter());
        filter.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        filter.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        return http.addFilterAt(filter, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint))
                .authorizeExchange(e -> e
                        .pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus",
                                "/actuator/info").permitAll()
                        .anyExchange().authenticated())
                .build();
    }

    /** {@code Bearer <token>}, or {@code Basic base64(user:token)}; anything else presents no token. */
    static ServerAuthenticationConverter tokenConverter() {
        return exchange -> {
            List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.AUTHORIZATION);
            if (values == null || values.size() != 1) {
                return Mono.empty();
            }
            String token = ApiTokens.fromAuthorization(values.get(0));
            return token == null ? Mono.empty()
                    : Mono.just(UsernamePasswordAuthenticationToken.unauthenticated("push", token));
        };
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange,
                                           org.springframework.security.core.AuthenticationException e) {
        boolean presented = exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION);
        String text = presented
                ? "the Authorization header carries no valid token (Bearer <token>, or Basic with the token as password)\n"
                : "the Authorization header is missing: send Authorization: Bearer <token>\n";
        var response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
        DataBuffer body = response.bufferFactory().wrap(text.getBytes(StandardCharsets.UTF_8));
        return response.writeWith(Mono.just(body));
    }
}
