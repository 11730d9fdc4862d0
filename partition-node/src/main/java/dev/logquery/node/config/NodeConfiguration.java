package dev.logquery.node.config;

import com.zaxxer.hikari.HikariDataSource;
import dev.logquery.node.chunk.ChunkStore;
import dev.logquery.node.chunk.ServedMetadata;
import dev.logquery.node.ingest.IngestHealthIndicator;
import dev.logquery.node.ingest.IngestLoop;
import dev.logquery.node.ingest.IngestMetrics;
import dev.logquery.node.query.QueryExecutor;
import dev.logquery.node.publish.PublishHealthIndicator;
import dev.logquery.node.publish.RedisMetadataPublisher;
import dev.logquery.node.query.QueryMetrics;
import dev.logquery.node.storage.DatabaseHealthIndicator;
import dev.logquery.node.storage.DatabaseMonitor;
import dev.logquery.node.storage.OffsetStore;
import dev.logquery.node.storage.RetentionJob;
import dev.logquery.node.storage.TimePartitions;
import dev.logquery.node.text.TextIndex;
import dev.logquery.node.web.InternalRoutes;
import dev.logquery.node.web.HeaderCheckFilter;
import dev.logquery.node.web.HeaderProblemHandler;
import dev.logquery.node.web.InternalTokenFilter;
import dev.logquery.node.web.QueryHandler;
import dev.logquery.node.web.QueryProblemHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.scheduler.Scheduler;
import reactor.netty.http.HttpProtocol;
import reactor.core.scheduler.Schedulers;

/**
 * Wires the node: storage and its availability, chunk metadata and its publication to Redis, the ingest
 * loop, health, queries and the internal routes.
 */
@Configuration(proxyBeanMethods = false)
public class NodeConfiguration {

    /**
     * HTTP/1.1 and h2c (HTTP/2 without TLS, by prior knowledge or upgrade). The coordinator talks h2c, so that
     * ending a node's answer early resets a stream instead of closing a connection (see its node client).
     */
    @Bean
    NettyServerCustomizer http11AndH2c() {
        return server -> server.protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);
    }

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

    /** Drops daily partitions (and their chunks) older than {@code logquery.node.retention}, on its own thread. */
    @Bean
    RetentionJob retentionJob(DataSource dataSource, ChunkStore chunks, TimePartitions partitions,
                              NodeProperties properties, Clock clock, MeterRegistry registry, TextIndex text) {
        if (properties.accept().maxAge().compareTo(properties.retention()) > 0) {
            org.slf4j.LoggerFactory.getLogger(RetentionJob.class).warn("logquery.node.accept.max-age ({}) is longer than"
                    + " logquery.node.retention ({}): lines between the two are stored, then dropped at the next"
                    + " retention run", properties.accept().maxAge(), properties.retention());
        }
        return new RetentionJob(dataSource, chunks, partitions, properties.retention(), properties.retentionInterval(),
                clock, registry, text);
    }

    @Bean
    IngestMetrics ingestMetrics(MeterRegistry registry, ChunkStore chunks) {
        return new IngestMetrics(registry, chunks::rowCount);
    }

    /** The per-block trigram filters of messages ({@code logquery.node.text-index.*}). */
    @Bean
    TextIndex textIndex(DataSource dataSource, NodeProperties properties, MeterRegistry registry) {
        return new TextIndex(dataSource, properties.textIndex()).withMeters(registry);
    }

    @Bean
    IngestLoop ingestLoop(NodeProperties properties, DataSource dataSource, OffsetStore offsets, ChunkStore chunks,
                          TimePartitions partitions, IngestMetrics metrics, TextIndex text) {
        return new IngestLoop(properties, dataSource, offsets, chunks, partitions, metrics, text);
    }

    @Bean("ingest")
    IngestHealthIndicator ingestHealthIndicator(IngestLoop loop, NodeProperties properties) {
        return new IngestHealthIndicator(loop, properties.shard(), properties.replica());
    }

    @Bean
    DatabaseMonitor databaseMonitor(DataSource dataSource) {
        return new DatabaseMonitor(dataSource);
    }

    @Bean("database")
    DatabaseHealthIndicator databaseHealthIndicator(DatabaseMonitor monitor) {
        return new DatabaseHealthIndicator(monitor);
    }

    @Bean
    ServedMetadata servedMetadata(ChunkStore chunks, DatabaseMonitor database) {
        return new ServedMetadata(chunks, database);
    }

    @Bean
    RedisMetadataPublisher redisMetadataPublisher(NodeProperties properties, ServedMetadata metadata,
                                                  MeterRegistry registry) {
        return new RedisMetadataPublisher(properties, metadata, registry);
    }

    @Bean("metadataPublish")
    PublishHealthIndicator publishHealthIndicator(RedisMetadataPublisher publisher) {
        return new PublishHealthIndicator(publisher);
    }

    /** Connections of the pool that queries never take: the ingest writer's and a health check's. */
    static final int CONNECTIONS_KEPT_FROM_QUERIES = 2;

    /**
     * The threads JDBC work of queries runs on, never an event loop. Each running query holds one thread
     * and one connection, so the thread count bounds the pool share of queries: by default the Hikari
     * pool size minus {@value #CONNECTIONS_KEPT_FROM_QUERIES}, so that a burst of queries cannot starve
     * ingestion. Disposed on shutdown.
     */
    @Bean(destroyMethod = "dispose")
    Scheduler jdbcScheduler(NodeProperties properties, DataSource dataSource) {
        NodeProperties.Query settings = properties.query();
        int threads = settings.threads();
        if (threads == 0) {
            int pool = dataSource instanceof HikariDataSource hikari ? hikari.getMaximumPoolSize() : 10;
            threads = Math.max(1, pool - CONNECTIONS_KEPT_FROM_QUERIES);
        }
        return Schedulers.newBoundedElastic(threads, settings.queuePerThread(), "jdbc", 60, true);
    }

    @Bean
    QueryMetrics queryMetrics(MeterRegistry registry) {
        return new QueryMetrics(registry);
    }

    @Bean
    QueryExecutor queryExecutor(DataSource dataSource, ChunkStore chunks, Scheduler jdbcScheduler,
                                NodeProperties properties, QueryMetrics metrics, TextIndex text) {
        return new QueryExecutor(dataSource, chunks, jdbcScheduler, properties, metrics, text);
    }

    @Bean
    QueryProblemHandler queryProblemHandler() {
        return new QueryProblemHandler();
    }

    /** 401 for {@code /internal/*} without {@code logquery.internal.token} (open, with a warning, when it is empty). */
    @Bean
    InternalTokenFilter internalTokenFilter(InternalProperties internal) {
        return new InternalTokenFilter(internal.token());
    }

    /** 400/415 problems naming a malformed Accept or Content-Type, before anything else parses them. */
    @Bean
    HeaderCheckFilter headerCheckFilter() {
        return new HeaderCheckFilter();
    }

    /** 406/415/413/400 problems for Spring's own exceptions about a request, without content negotiation. */
    @Bean
    HeaderProblemHandler headerProblemHandler() {
        return new HeaderProblemHandler();
    }

    @Bean
    RouterFunction<ServerResponse> internalRoutes(ServedMetadata metadata, ChunkStore chunks, QueryExecutor queries,
                                                  DatabaseMonitor database, NodeProperties properties) {
        return InternalRoutes.routes(metadata, new QueryHandler(chunks, queries, database,
                properties.query().keepAlive(), properties.query().maxLimit()));
    }
}
