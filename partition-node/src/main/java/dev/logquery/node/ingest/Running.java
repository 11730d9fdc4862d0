package dev.logquery.node.ingest;

import java.util.function.BooleanSupplier;

/**
 * Whether the ingest loop is to run, and waits that end early once it is not: a stopping node must not sit out
 * a backoff of seconds. Read by the consumer thread and the writer thread; set by start and stop.
 */
final class Running implements BooleanSupplier {

    /** Waits {@code millis} milliseconds, or less once the loop is to stop. */
    @FunctionalInterface
    interface Pause {
        void pause(long millis);
    }

    private volatile boolean running;

    void set(boolean running) {
        this.running = running;
    }

    @Override
    public boolean getAsBoolean() {
        return running;
    }

    /**
     * Sleeps up to {@code millis} in steps of at most 100 ms, returning once the loop is to stop; an interrupt
     * ends the wait and stays set.
     */
    void pause(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (running && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, end - System.currentTimeMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
