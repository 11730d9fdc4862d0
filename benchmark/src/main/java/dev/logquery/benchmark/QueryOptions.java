package dev.logquery.benchmark;

import java.util.Arrays;
import java.util.List;

/** The query benchmark's command line ({@code ./benchmark.sh query [options]}), with the documented defaults. */
record QueryOptions(long lines, int days, int services, List<Integer> clients, int seconds, int ndjsonLines,
                    String coordinatorHeap, String nodeHeap, int baselineConnections, int warmupSeconds,
                    int profileSeconds) {

    static QueryOptions parse(String[] args) {
        long lines = 10_000_000;
        int days = 7;
        int services = 50;
        List<Integer> clients = List.of(1, 16, 128);
        int seconds = 10;
        int ndjson = 1_000_000;
        String heap = "256m";
        String nodeHeap = "512m";
        int baseline = 18;
        int warmup = 150;
        int profile = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--lines" -> lines = Long.parseLong(args[++i]);
                case "--days" -> days = Integer.parseInt(args[++i]);
                case "--services" -> services = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--ndjson-lines" -> ndjson = Integer.parseInt(args[++i]);
                case "--coordinator-heap" -> heap = args[++i];
                case "--node-heap" -> nodeHeap = args[++i];
                case "--baseline-connections" -> baseline = Integer.parseInt(args[++i]);
                case "--warmup-seconds" -> warmup = Integer.parseInt(args[++i]);
                case "--profile-seconds" -> profile = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (options: --lines N"
                        + " --days N --services N --clients 1,16,128 --seconds N --ndjson-lines N"
                        + " --coordinator-heap 256m --node-heap 512m --baseline-connections N --warmup-seconds N --profile-seconds N)");
            }
        }
        return new QueryOptions(lines, days, services, clients, seconds, ndjson, heap, nodeHeap, baseline, warmup,
                profile);
    }
}
