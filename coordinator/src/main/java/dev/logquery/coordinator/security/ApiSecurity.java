package dev.logquery.coordinator.security;

import dev.logquery.coordinator.api.ProblemJson;
import dev.logquery.coordinator.config.ApiProperties;
import java.net.URI;
import java.util.List;
import dev.logquery.common.security.ApiTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.ServerAuthenticationEntryPoint;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import org.springframework.security.web.server.authentication.ServerAuthenticationEntryPointFailureHandler;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import reactor.core.publisher.Mono;

/**
 * Who may use the public API, with Spring Security's WebFlux support. No token configured
 * ({@code logquery.coordinator.auth.tokens} / {@code tokens-file}): everyone (the local stack binds to
 * 127.0.0.1). Tokens configured: every path needs {@code Authorization: Bearer <token>}, or Basic with the token
 * as the password (what Grafana's data sources send; the user name is ignored), except
 * {@code /actuator/health/**}, {@code /actuator/prometheus} and {@code /actuator/info} for probes and scraping,
 * and the web UI's page and assets ({@code GET /}, {@code /index.html}, {@code /ui/**}), which hold no data.
 * Anything else answers 401 with an RFC 9457 problem and {@code WWW-Authenticate: Bearer realm="logquery"}.
 * Stateless: no session, no CSRF (no cookies are used), no login form.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebFluxSecurity
public class ApiSecurity {

    private static final Logger log = LoggerFactory.getLogger(ApiSecurity.class);
    static final String CHALLENGE = "Bearer realm=\"logquery\"";
    /** The web UI's page and static assets, open to GET and HEAD without a token. */
    static final String[] UI_PATHS = {"/", "/index.html", "/ui/**"};

    @Bean
    ApiTokens apiTokens(ApiProperties properties) {
        ApiTokens tokens = ApiTokens.from("logquery.coordinator.auth", properties.auth().tokens(),
                properties.auth().tokensFile());
        if (tokens.open()) {
            log.info("public API open: no logquery.coordinator.auth.tokens configured");
        }
        return tokens;
    }

    /** Checks a presented token; its presence also keeps Boot from creating a default user with a password. */
    @Bean
    ReactiveAuthenticationManager apiTokenAuthentication(ApiTokens tokens) {
        return authentication -> Mono.justOrEmpty(tokens.check(String.valueOf(authentication.getCredentials())))
                .switchIfEmpty(Mono.error(() -> new BadCredentialsException("the token is not valid")))
                .map(caller -> UsernamePasswordAuthenticationToken.authenticated(caller, null,
                        AuthorityUtils.createAuthorityList("ROLE_API")));
    }

    /**
     * No observations of the security filter chain: they would wrap every filter of every request in an observation
     * that lives as long as the request (a tail viewer's stream: hours), about 7 objects per filter, for timers no
     * dashboard reads. Requests stay observed as {@code http.server.requests}.
     */
    @Bean
    SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    SecurityWebFilterChain apiSecurityChain(ServerHttpSecurity http, ApiTokens tokens,
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
        ServerAuthenticationEntryPoint entryPoint = ApiSecurity::unauthorized;
        AuthenticationWebFilter filter = new AuthenticationWebFilter(apiTokenAuthentication);
        filter.setServerAuthenticationConverter(tokenConverter());
        filter.setAuthenticationFailureHandler(new ServerAuthenticationEntryPointFailureHandler(entryPoint));
        filter.setSecurityContextRepository(NoOpServerSecurityContextRepository.getInstance());
        return http.addFilterAt(filter, SecurityWebFiltersOrder.AUTHENTICATION)
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint))
                .authorizeExchange(e -> e
                        .pathMatchers("/actuator/health", "/actuator/health/**", "/actuator/prometheus",
                                "/actuator/info").permitAll()
                        // the web UI's page and assets (no data in them); its API calls need the token
                        .pathMatchers(HttpMethod.GET, UI_PATHS).permitAll()
                        .pathMatchers(HttpMethod.HEAD, UI_PATHS).permitAll()
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
                    : Mono.just(UsernamePasswordAuthenticationToken.unauthenticated("api", token));
        };
    }

    private static Mono<Void> unauthorized(org.springframework.web.server.ServerWebExchange exchange,
                                           org.springframework.security.core.AuthenticationException e) {
        boolean presented = exchange.getRequest().getHeaders().containsHeader(HttpHeaders.AUTHORIZATION);
        ProblemDetail p = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, presented
                ? "the Authorization header carries no valid token (Bearer <token>, or Basic with the token as password)"
                : "the Authorization header is missing: send Authorization: Bearer <token>");
        p.setTitle("Unauthorized");
        p.setType(URI.create("about:blank"));
        p.setProperty("header", HttpHeaders.AUTHORIZATION);
        exchange.getResponse().getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        return ProblemJson.write(exchange.getResponse(), p);
    }
}
