package dev.logquery.producer;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.producer.api.ProducerStatus;
import dev.logquery.producer.config.KafkaConnectionProperties;
import dev.logquery.producer.config.ProducerMode;
import dev.logquery.producer.config.ProducerProperties;
import dev.logquery.producer.generate.SyntheticLogGenerator;
import dev.logquery.producer.publish.BackfillResult;
import dev.logquery.producer.publish.BackfillRunner;
import dev.logquery.producer.publish.GatewayLogPublisher;
import dev.logquery.producer.publish.KafkaLogPublisher;
import dev.logquery.producer.publish.LiveEmitter;
import dev.logquery.producer.publish.LogPublisher;
import dev.logquery.producer.publish.PublisherSettings;
import dev.logquery.producer.publish.TopicInitializer;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the configured mode on one worker thread once the application is up: makes sure the topic
 * exists (retrying while Kafka is unreachable), then emits live lines or runs the backfill. Stopped
 * first on shutdown; in-flight lines are flushed before the Kafka producer closes.
 */
public class ProducerService implements SmartLifecycle {

    /** What the producer is doing. */
    public enum State { OFF, CONNECTING, LIVE, BACKFILLING, BACKFILL_DONE, STOPPED }

    private static final Logger log = LoggerFactory.getLogger(ProducerService.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(5);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    private final ProducerProperties properties;
    private final KafkaConnectionProperties kafka;
    private final ProducerMetrics metrics;
    private final ConfigurableApplicationContext context;
    private final Clock clock;

    private volatile State state = State.STOPPED;
    private volatile boolean running;
    private volatile ScheduledExecutorService worker;
    private volatile LogPublisher publisher;
    private volatile LiveEmitter emitter;
    private volatile BackfillRunner backfillRunner;
    private volatile BackfillResult backfillResult;

    public ProducerService(ProducerProperties properties, KafkaConnectionProperties kafka, ProducerMetrics metrics,
            ConfigurableApplicationContext context, Clock clock) {
        this.properties = properties;
        this.kafka = kafka;
        this.metrics = metrics;
        this.context = context;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        running = true;
        if (properties.mode() == ProducerMode.OFF) {
            state = State.OFF;
            log.info("producer mode is off: sending nothing");
            return;
        }
        state = State.CONNECTING;
        worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "producer-worker");
            thread.setDaemon(true);
            return thread;
        });
        worker.execute(this::connect);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (emitter != null) {
            emitter.stop();
        }
        if (backfillRunner != null) {
            backfillRunner.cancel();
        }
        if (worker != null) {
            // Interrupts a wait for Kafka or for in-flight slots; closing the producer flushes what was sent.
            worker.shutdownNow();
            try {
                if (!worker.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("producer worker did not stop within {}", SHUTDOWN_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (publisher != null) {
            publisher.close(SHUTDOWN_TIMEOUT);
        }
        if (state != State.OFF) {
            state = State.STOPPED;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** A snapshot for the status endpoint. */
    public ProducerStatus status() {
        LogPublisher p = publisher;
        return new ProducerStatus(
                properties.mode().name().toLowerCase(Locale.ROOT),
                state.name().toLowerCase(Locale.ROOT),
                properties.topic(),
                properties.rate(),
                properties.services(),
                p == null ? 0 : p.sent(),
                p == null ? 0 : p.errors(),
                p == null ? 0 : p.inFlight(),
                properties.mode() == ProducerMode.BACKFILL ? backfillStatus() : null);
    }

    private ProducerStatus.Backfill backfillStatus() {
        BackfillResult result = backfillResult;
        if (result != null) {
            return new ProducerStatus.Backfill(result.requested(), result.submitted(),
                    Rfc3339.format(result.windowStart()), Rfc3339.format(result.windowEnd()),
                    result.elapsed().toNanos() / 1e9, result.linesPerSecond());
        }
        BackfillRunner runner = backfillRunner;
        return new ProducerStatus.Backfill(properties.backfill().lines(), runner == null ? 0 : runner.submitted(),
                null, null, null, null);
    }

    /** First step on the worker: topic and producer; retried until Kafka answers or the app stops. */
    private void connect() {
        if (!running) {
            return;
        }
        try {
            TopicInitializer.ensureTopic(kafka.bootstrapServers(), properties.topic(), properties.partitions(),
                    properties.replicationFactor(), KAFKA_TIMEOUT);
            publisher = properties.target() == ProducerProperties.Target.GATEWAY
                    ? gatewayPublisher()
                    : new KafkaLogPublisher(publisherSettings(), metrics);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            log.warn("Kafka at {} not ready ({}); retrying in {} s", kafka.bootstrapServers(), e.getMessage(),
                    RETRY_DELAY.toSeconds());
            if (running) {
                worker.schedule(this::connect, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        SyntheticLogGenerator generator = new SyntheticLogGenerator(properties.services(), properties.seed());
        if (properties.mode() == ProducerMode.LIVE) {
            emitter = new LiveEmitter(generator, publisher, properties.rate(), clock);
            emitter.start(worker);
            state = State.LIVE;
        } else {
            backfill(generator);
        }
    }

    private void backfill(SyntheticLogGenerator generator) {
        state = State.BACKFILLING;
        backfillRunner = new BackfillRunner(generator, publisher);
        ProducerProperties.Backfill settings = properties.backfill();
        try {
            backfillResult = backfillRunner.run(settings.lines(), clock.instant(), settings.window());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        state = State.BACKFILL_DONE;
        if (settings.exitWhenDone() && !backfillResult.cancelled()) {
            int code = backfillResult.errors() == 0 ? 0 : 1;
            log.info("backfill done; exiting with code {} (logquery.producer.backfill.exit-when-done=true)", code);
            // Closing the context waits for this worker to end, so do it from another thread.
            new Thread(() -> System.exit(SpringApplication.exit(context, () -> code)), "producer-exit").start();
        }
    }

    private GatewayLogPublisher gatewayPublisher() {
        ProducerProperties.Gateway g = properties.gateway();
        log.info("pushing lines through the ingest gateway at {} (OTLP/HTTP)", g.url());
        return new GatewayLogPublisher(g.url(), g.token(), g.batchLines(), g.linger(), g.maxInFlight(), metrics);
    }

    private PublisherSettings publisherSettings() {
        ProducerProperties.Send send = properties.send();
        return new PublisherSettings(kafka.bootstrapServers(), properties.topic(), send.maxInFlight(),
                (int) send.linger().toMillis(), (int) send.batchSize().toBytes(), send.compression());
    }
}
