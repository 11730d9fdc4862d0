package dev.logquery.node.config;

import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.ingest.IngestHealthIndicator;
import dev.logquery.node.ingest.IngestLoop;
import dev.logquery.node.ingest.IngestMetrics;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.TimePartitions;
import dev.logquery.node.web.InternalRoutes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Wires the node: storage, chunk metadata, the ingest loop, its health and the internal routes. */
@Configuration(proxyBeanMethods = false)
public class NodeConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    TimePartitions timePartitions(DataSource dataSource, NodeProperties properties, Clock clock) {
        return new TimePartitions(dataSource, properties.storage(), clock);
    }

    @Bean
    OffsetStore offsetStore(DataSource dataSource, NodeProperties properties) {
        return new OffsetStore(dataSource, properties.topic());
    }

    @Bean
    ChunkStore chunkStore(DataSource dataSource, NodeProperties properties, Clock clock) {
        return new ChunkStore(dataSource, properties, clock);
    }

    @Bean
    IngestMetrics ingestMetrics(MeterRegistry registry, ChunkStore chunks) {
        return new IngestMetrics(registry, chunks::rowCount);
    }

    @Bean
    IngestLoop ingestLoop(NodeProperties properties, DataSource dataSource, OffsetStore offsets, ChunkStore chunks,
                          TimePartitions partitions, IngestMetrics metrics) {
        return new IngestLoop(properties, dataSource, offsets, chunks, partitions, metrics);
    }

    @Bean("ingest")
    IngestHealthIndicator ingestHealthIndicator(IngestLoop loop) {
        return new IngestHealthIndicator(loop);
    }

    @Bean
    RouterFunction<ServerResponse> internalRoutes(ChunkStore chunks) {
        return InternalRoutes.routes(chunks);
    }
}
