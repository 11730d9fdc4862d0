package dev.logquery.coordinator.tail;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the live tail ({@code logquery.coordinator.tail.*}; environment variables such as
 * {@code LOGQUERY_COORDINATOR_TAIL_BOOTSTRAPSERVERS} bind too).
 *
 * @param bootstrapServers the Kafka brokers the coordinator's one tail reader connects to
 * @param topic            the topic of pod log lines
 * @param maxViewers       viewers at once; one more is answered {@code 429}
 * @param viewerBuffer     lines a viewer may have waiting; beyond that its new lines are dropped, counted, and
 *                         announced to it with an {@code event: dropped}
 * @param heartbeat        the interval of the {@code : heartbeat} comment on every stream
 * @param recentLines      the latest lines the reader keeps in memory, so that a {@code since} replay joins the
 *                         live stream without a gap while the partition nodes have not yet stored the newest
 *                         lines (it must cover the nodes' ingest delay: at 2,000 lines/s, 20,000 lines are 10 s)
 * @param maxReplayLines   the most lines a {@code since} replay sends (a count above it is refused)
 * @param replayMaxAge     the longest {@code since} duration, and how far back a count replay looks
 * @param recentBytes      the most memory the recent lines may take (estimated): whichever of
 *                         {@code recentLines} and this is reached first bounds them, so 64 KiB lines cannot
 *                         fill the heap
 */
@ConfigurationProperties("logquery.coordinator.tail")
public record TailProperties(
        @DefaultValue("localhost:9092") String bootstrapServers,
        @DefaultValue("pod-logs") String topic,
        @DefaultValue("10000") int maxViewers,
        @DefaultValue("1000") int viewerBuffer,
        @DefaultValue("15s") Duration heartbeat,
        @DefaultValue("20000") int recentLines,
        @DefaultValue("10000") int maxReplayLines,
        @DefaultValue("24h") Duration replayMaxAge,
        @DefaultValue("32MB") DataSize recentBytes) {

    public TailProperties {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("logquery.coordinator.tail.bootstrap-servers must not be empty");
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("logquery.coordinator.tail.topic must not be empty");
        }
        if (maxViewers < 1) {
            throw new IllegalArgumentException("logquery.coordinator.tail.max-viewers must be at least 1");
        }
        if (viewerBuffer < 2 || viewerBuffer > 1_000_000) {
            throw new IllegalArgumentException("logquery.coordinator.tail.viewer-buffer must be 2..1000000");
        }
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator.tail.heartbeat must be positive");
        }
        if (recentLines < 0 || recentLines > 10_000_000) {
            throw new IllegalArgumentException("logquery.coordinator.tail.recent-lines must be 0..10000000");
        }
        if (maxReplayLines < 1 || maxReplayLines > 1_000_000) {
            throw new IllegalArgumentException("logquery.coordinator.tail.max-replay-lines must be 1..1000000");
        }
        if (recentBytes == null || recentBytes.toBytes() < 0) {
            throw new IllegalArgumentException("logquery.coordinator.tail.recent-bytes must not be negative");
        }
        if (replayMaxAge.isNegative() || replayMaxAge.isZero()) {
            throw new IllegalArgumentException("logquery.coordinator.tail.replay-max-age must be positive");
        }
    }
}
