package dev.logquery.producer.api;

/**
 * The answer of {@code GET /api/producer/status}.
 *
 * @param mode      configured mode: {@code live}, {@code backfill} or {@code off}
 * @param state     what the producer is doing now (see {@link dev.logquery.producer.ProducerService.State})
 * @param topic     Kafka topic
 * @param rate      configured live rate, lines per second
 * @param services  synthetic services in the cluster
 * @param linesSent lines acknowledged by Kafka since startup
 * @param errors    lines that failed for good since startup
 * @param inFlight  lines sent but not yet acknowledged
 * @param backfill  progress of the backfill, null unless in backfill mode
 */
public record ProducerStatus(
        String mode,
        String state,
        String topic,
        double rate,
        int services,
        long linesSent,
        long errors,
        int inFlight,
        Backfill backfill) {

    /**
     * @param requested      lines to write
     * @param submitted      lines handed to Kafka so far
     * @param windowStart    earliest timestamp (RFC 3339), null until the run starts
     * @param windowEnd      latest timestamp (RFC 3339), null until the run starts
     * @param seconds        duration of the finished run, null while running
     * @param linesPerSecond throughput of the finished run, null while running
     */
    public record Backfill(
            long requested,
            long submitted,
            String windowStart,
            String windowEnd,
            Double seconds,
            Double linesPerSecond) {
    }
}
