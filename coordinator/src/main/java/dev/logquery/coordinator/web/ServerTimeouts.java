package dev.logquery.coordinator.web;

import dev.logquery.coordinator.config.ApiProperties;
import io.netty.handler.timeout.WriteTimeoutHandler;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A client that stops reading loses its connection: every write to it must reach its socket within
 * {@code logquery.coordinator.write-timeout} (Netty's {@link WriteTimeoutHandler}), else the connection is closed,
 * which cancels the answer behind it (an NDJSON export, a live-tail stream) and so returns its admission permit,
 * its client share and its viewer slot. A reader that makes progress, however slowly, keeps its connection.
 * Connections idle between requests are closed after {@code server.netty.idle-timeout}.
 */
@Configuration(proxyBeanMethods = false)
public class ServerTimeouts {

    @Bean
    NettyServerCustomizer writeTimeout(ApiProperties properties) {
        long millis = properties.writeTimeout().toMillis();
        return server -> server.doOnConnection(connection -> connection.addHandlerLast("logquery-write-timeout",
                new WriteTimeoutHandler(millis, TimeUnit.MILLISECONDS)));
    }
}
