package dev.logquery.gateway.ingest;

import java.time.Instant;
import java.util.Map;

/**
 * One line as a protocol carried it, before mapping: its timestamp, its text, and its keys and values in two
 * ranks. {@code primary} are the stream's labels (Loki) or the resource's attributes (OTLP): they win where a
 * field is looked for and where a key is given twice; {@code secondary} are the entry's structured metadata (Loki)
 * or the scope's and record's attributes (OTLP). Keys are as sent (not yet normalised).
 *
 * @param severityText   OTLP's {@code severityText}, else null
 * @param severityNumber OTLP's {@code severityNumber}, else 0
 */
public record RawLine(Instant timestamp, String line, Map<String, String> primary, Map<String, String> secondary,
                      String severityText, int severityNumber) {

    public static RawLine loki(Instant timestamp, String line, Map<String, String> labels,
                               Map<String, String> structuredMetadata) {
        return new RawLine(timestamp, line, labels, structuredMetadata, null, 0);
    }
}
