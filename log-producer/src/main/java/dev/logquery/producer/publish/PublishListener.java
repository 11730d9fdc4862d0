package dev.logquery.producer.publish;

/** Hears how each record ended; called on the Kafka producer's I/O thread, so it must be quick. */
public interface PublishListener {

    PublishListener NONE = new PublishListener() {
        @Override
        public void onSent(long latencyNanos) {
        }

        @Override
        public void onError(Exception error) {
        }
    };

    /** The broker acknowledged a record {@code latencyNanos} after it was handed to the producer. */
    void onSent(long latencyNanos);

    /** A record could not be delivered (after the producer's own retries). */
    void onError(Exception error);
}
