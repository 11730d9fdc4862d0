package dev.logquery.node.web;

import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.config.NodeProperties;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.query.VolumeExecutor;
import dev.logquery.node.storage.DatabaseMonitor;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Scheduler;

/**
 * {@code POST /internal/volume} ({@link VolumeHandler}), behind the same {@link InternalTokenFilter} as every
 * {@code /internal/} path; its SQL runs on the queries' JDBC scheduler, so it shares their bound on threads and
 * connections.
 */
@Configuration(proxyBeanMethods = false)
public class VolumeRoutes {

    @Bean
    VolumeExecutor volumeExecutor(DataSource dataSource, @Qualifier("jdbcScheduler") Scheduler jdbcScheduler,
                                  NodeProperties properties) {
        return new VolumeExecutor(dataSource, jdbcScheduler, properties.query());
    }

    @Bean
    RouterFunction<ServerResponse> internalVolumeRouter(ChunkStore chunks, QueryExecutor queries, VolumeExecutor volumes,
                                                DatabaseMonitor database) {
        VolumeHandler handler = new VolumeHandler(chunks, queries, volumes, database);
        return RouterFunctions.route().POST("/internal/volume", handler::volume).build();
    }
}
