package dev.logquery.testkit.services;

/** A real redis-server on a fixed port, which can be stopped and started again where its clients find it. */
public abstract class Redis implements AutoCloseable {

    /** {@code redis://localhost:port}. */
    public abstract String url();

    public abstract void start() throws Exception;

    public abstract void stop() throws Exception;
}
