package dev.logquery.benchmark;

import java.util.Arrays;
import java.util.List;

/** The tail benchmark's command line ({@code ./benchmark.sh tail [options]}), with the documented defaults. */
record TailOptions(List<Integer> viewers, int rate, int services, int seconds, int queryClients, String coordinatorHeap) {

    static TailOptions parse(String[] args) {
        List<Integer> viewers = List.of(2_000, 10_000);
        int rate = 1_000;
        int services = 200;
        int seconds = 30;
        int queryClients = 4;
        String heap = "768m"; // the coordinator's heap as ./setup.sh and the compose file give it
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--viewers" -> viewers = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--services" -> services = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--query-clients" -> queryClients = Integer.parseInt(args[++i]);
                case "--coordinator-heap" -> heap = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--viewers 2000,10000"
                        + " --rate N --services N --seconds N --query-clients N --coordinator-heap 768m)");
            }
        }
        return new TailOptions(viewers, rate, services, seconds, queryClients, heap);
    }
}
