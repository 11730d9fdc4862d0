package dev.logquery.producer.publish;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.model.LogEntry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends log entries to Kafka: key = service name (UTF-8), value = {@link LogEntryCodec#encode} JSON.
 * The Kafka record timestamp is left to the producer (send time), so topic retention counts from
 * ingestion, not from the (possibly days old) log timestamp carried in the value.
 *
 * <p>The producer is idempotent with {@code acks=all} and batches for throughput (linger, batch size,
 * compression). At most {@link PublisherSettings#maxInFlight()} records are unacknowledged at any time:
 * {@link #publish} blocks when the limit is reached, so a fast caller cannot pile records up in memory.
 * Thread-safe.
 */
public final class KafkaLogPublisher implements LogPublisher {

    private static final Logger log = LoggerFactory.getLogger(KafkaLogPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final InFlight inFlight;
    private final PublishListener listener;

    public KafkaLogPublisher(PublisherSettings settings) {
        this(settings, PublishListener.NONE);
    }

    public KafkaLogPublisher(PublisherSettings settings, PublishListener listener) {
        this.producer = new KafkaProducer<>(producerConfig(settings), new StringSerializer(), new ByteArraySerializer());
        this.topic = settings.topic();
        this.inFlight = new InFlight(settings.maxInFlight());
        this.listener = listener;
    }

    /** The Kafka producer configuration derived from the settings (serializers are passed separately). */
    public static Map<String, Object> producerConfig(PublisherSettings settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "logquery-producer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, settings.lingerMs());
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, settings.batchSizeBytes());
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        return config;
    }

    /**
     * Hands one entry to the producer; returns once it is queued, blocking first while
     * {@code maxInFlight} records await acknowledgement. Delivery failures are counted, logged and
     * reported to the listener; they do not throw here.
     *
     * @throws InterruptedException if interrupted while waiting for a free in-flight slot or for Kafka
     *                              metadata; the entry is then not sent
     */
    @Override
    public void publish(LogEntry entry) throws InterruptedException {
        byte[] value = LogEntryCodec.encode(entry);
        inFlight.acquire();
        Completion completion = new Completion(System.nanoTime());
        try {
            producer.send(new ProducerRecord<>(topic, entry.service(), value), completion);
        } catch (InterruptException e) {
            completion.abandon();
            InterruptedException interrupted = new InterruptedException("interrupted while sending");
            interrupted.initCause(e);
            throw interrupted;
        } catch (RuntimeException e) {
            completion.onCompletion(null, e);
            throw e;
        }
    }

    /**
     * Sends everything queued and waits until every record handed over so far is acknowledged or failed.
     *
     * @return false if that did not happen within {@code timeout}
     */
    @Override
    public boolean flush(Duration timeout) throws InterruptedException {
        producer.flush();
        return inFlight.awaitNone(timeout);
    }

    @Override
    public InFlight counts() {
        return inFlight;
    }

    @Override
    public String destination() {
        return "topic " + topic;
    }

    /** Sends what is queued (waiting at most {@code timeout}) and releases the producer. */
    @Override
    public void close(Duration timeout) {
        producer.close(timeout);
    }

    /** One record's callback; releases its in-flight slot exactly once however the send ends. */
    private final class Completion extends AtomicBoolean implements Callback {

        private final long startNanos;

        Completion(long startNanos) {
            this.startNanos = startNanos;
        }

        /** The record was never handed over (the caller was interrupted): free the slot, count nothing. */
        void abandon() {
            if (compareAndSet(false, true)) {
                inFlight.release(1);
            }
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            if (!compareAndSet(false, true)) {
                return;
            }
            try {
                if (error == null) {
                    inFlight.sent(1);
                    listener.onSent(System.nanoTime() - startNanos);
                } else {
                    listener.onError(error);
                    inFlight.failed(1, log, "sending to topic " + topic, error);
                }
            } finally {
                inFlight.release(1);
            }
        }
    }
}
