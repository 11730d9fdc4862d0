package dev.logquery.benchmark;

import dev.logquery.common.codec.LogEntryCodec;
import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Deployment;
import dev.logquery.testkit.LineWriter;
import java.io.File;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import tools.jackson.databind.node.ObjectNode;

/**
 * How soon a line is found by a query once Kafka acknowledged it, measured from outside: a KRaft broker in this
 * JVM, three partition nodes on three PostgreSQL servers and the coordinator as separate JVMs (the test kit's
 * {@link Cluster}; no Redis, so the coordinator reads metadata from the nodes as when Redis is down). One probe at
 * a time: a line is written with {@code acks=all}; from the acknowledgement on, {@code POST /api/query/logs} asks for
 * its pod in the last minute every 10 ms until the line is in the answer; the delay is the time from the
 * acknowledgement to the first answer that holds it. Half the probes are of a service the shards already hold, half
 * of a service never seen before (whose first line no published metadata can know of). Beside it, the time until
 * the row is committed in its shard's PostgreSQL (asked with SQL in the same polling loop) splits the delay into
 * ingest and query path. Two phases: the topic quiet,
 * then with {@code --rate} lines/s of other services being written. Figures print and go to
 * {@code benchmark/target/results/fresh.json}.
 *
 * <pre>./benchmark.sh fresh [--probes 100] [--rate 1000] [--services 200]</pre>
 */
public final class FreshBenchmark {

    /** The command line, with its defaults. */
    record Options(int probes, int rate, int services) {
        static Options parse(String[] args) {
            int probes = 100;
            int rate = 1_000;
            int services = 200;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--probes" -> probes = Integer.parseInt(args[++i]);
                    case "--rate" -> rate = Integer.parseInt(args[++i]);
                    case "--services" -> services = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + " (--probes N --rate N --services N)");
                }
            }
            return new Options(probes, rate, services);
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** How long one probe may take before it counts as not found. */
    private static final Duration GIVE_UP = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        File logs = new File("benchmark/target/fresh-benchmark-services");
        System.out.printf(Locale.ROOT, "fresh benchmark %s: %d cores, %s, JDK %s; %d probes per phase; logs in %s%n",
                LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("java.version"), o.probes(), logs);
        Deployment deployment = BenchmarkDeployment.deployment(BenchmarkDeployment.jvm("partition-node", "256m"),
                BenchmarkDeployment.jvm("coordinator", "256m"), logs);
        BenchmarkJson json = new BenchmarkJson("fresh", o);
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        try (Cluster cluster = BenchmarkDeployment.cluster(3, deployment).start();
             KafkaProducer<String, byte[]> producer = LineWriter.producer(cluster.kafka().bootstrapServers())) {
            App coordinator = cluster.startCoordinator("logquery.coordinator.max-queries-per-client", "1000000");
            String url = coordinator.url();
            // The known probe service is stored before anything is measured, and the JIT compilers see the probe's
            // path: 20 unmeasured probes.
            List<Connection> dbs = new ArrayList<>();
            List<String> nodes = new ArrayList<>();
            for (int s = 0; s < cluster.shards(); s++) {
                dbs.add(cluster.database(s).connect());
                nodes.add(cluster.node(s).url());
            }
            for (int i = 0; i < 20; i++) {
                probe(producer, cluster.topic(), url, dbs, "fresh-known", "warm-up-" + i, -1);
            }
            List<String> lines = new ArrayList<>();
            lines.add(phase("quiet topic", o, producer, cluster.topic(), url, dbs, nodes, json.figures().putObject("quiet")));
            AtomicLong produced = new AtomicLong();
            TailLoad.startProducing(producer, cluster.topic(), new TailOptions(List.of(), o.rate(), o.services(), 0,
                    0, "256m"), clock, produced);
            Await.until(Duration.ofSeconds(60), "the background lines are stored", () -> {
                for (int s = 0; s < cluster.shards(); s++) {
                    if (cluster.database(s).storedLines() == 0) {
                        return false;
                    }
                }
                return true;
            });
            lines.add(phase(String.format(Locale.ROOT, "%,d lines/s of other services", o.rate()), o, producer,
                    cluster.topic(), url, dbs, nodes, json.figures().putObject("underLoad")));
            System.out.println();
            System.out.println("=== results: Kafka acknowledgement to found by POST /api/query/logs ===");
            lines.forEach(System.out::println);
        } finally {
            clock.shutdownNow();
        }
        json.write();
        System.exit(0);
    }

    /** One phase of probes, alternating a known and a new service; prints and puts its figures. */
    private static String phase(String name, Options o, KafkaProducer<String, byte[]> producer, String topic,
                                String url, List<Connection> dbs, List<String> nodes, ObjectNode figures)
            throws Exception {
        List<PrometheusText> before = new ArrayList<>();
        for (String node : nodes) {
            before.add(PrometheusText.scrape(node));
        }
        Random pause = new Random(11);
        long[] all = new long[o.probes()];
        long[] known = new long[(o.probes() + 1) / 2];
        long[] fresh = new long[o.probes() / 2];
        long[] stored = new long[o.probes()];
        int notFound = 0;
        for (int i = 0; i < o.probes(); i++) {
            boolean newService = i % 2 == 1;
            String service = newService ? "fresh-new-" + name.hashCode() + "-" + i : "fresh-known";
            long[] seen = probe(producer, topic, url, dbs, service, "p" + name.hashCode() + "-" + i, GIVE_UP.toMillis());
            long micros = seen[0];
            stored[i] = seen[1] < 0 ? GIVE_UP.toNanos() / 1_000 : seen[1];
            if (micros < 0) {
                notFound++;
                micros = GIVE_UP.toNanos() / 1_000;
            }
            all[i] = micros;
            (newService ? fresh : known)[i / 2] = micros;
            Thread.sleep(50 + pause.nextInt(200)); // holds the probes apart: one line at a time, at random moments
        }
        double batches = 0;
        double batchSeconds = 0;
        double lines = 0;
        double checks = 0;
        double checkSeconds = 0;
        for (int n = 0; n < nodes.size(); n++) {
            PrometheusText after = PrometheusText.scrape(nodes.get(n));
            batches += after.sum("ingest_batch_duration_seconds_count") - before.get(n).sum("ingest_batch_duration_seconds_count");
            batchSeconds += after.sum("ingest_batch_duration_seconds_sum") - before.get(n).sum("ingest_batch_duration_seconds_sum");
            lines += after.sum("ingest_lines_total") - before.get(n).sum("ingest_lines_total");
            checks += after.sum("ingest_topic_check_duration_seconds_count")
                    - before.get(n).sum("ingest_topic_check_duration_seconds_count");
            checkSeconds += after.sum("ingest_topic_check_duration_seconds_sum")
                    - before.get(n).sum("ingest_topic_check_duration_seconds_sum");
        }
        String line = String.format(Locale.ROOT, "%-28s found: all %s | known service %s | new service %s | not found"
                        + " in %d s: %d%n%-28s committed in the shard's PostgreSQL (SQL, polled as often): %s%n%-28s"
                        + " nodes wrote %,.0f batches, %.1f lines and %.1f ms each on average; the topic-id check"
                        + " before each took %.1f ms on average",
                name, figures(all), figures(known), figures(fresh), GIVE_UP.toSeconds(), notFound, "", figures(stored), "",
                batches, lines / Math.max(1, batches), 1000 * batchSeconds / Math.max(1, batches),
                1000 * checkSeconds / Math.max(1, checks));
        System.out.println(line);
        put(figures.putObject("all"), all);
        put(figures.putObject("knownService"), known);
        put(figures.putObject("newService"), fresh);
        put(figures.putObject("committedInPostgres"), stored);
        figures.put("probes", o.probes());
        figures.put("notFound", notFound);
        BenchmarkJson.num(figures, "nodeBatches", batches);
        BenchmarkJson.num(figures, "nodeLinesPerBatch", lines / Math.max(1, batches));
        BenchmarkJson.num(figures, "nodeBatchMeanMs", 1000 * batchSeconds / Math.max(1, batches));
        BenchmarkJson.num(figures, "nodeTopicCheckMeanMs", 1000 * checkSeconds / Math.max(1, checks));
        return line;
    }

    /**
     * Writes one line of {@code service} on pod {@code pod} and waits for the acknowledgement, then asks for the pod's
     * lines of the last minute until the line is found: returns the microseconds from the acknowledgement to that
     * answer, or -1 when it was not found within {@code giveUpMillis} (a negative bound: wait up to a minute, unmeasured).
     */
    private static long[] probe(KafkaProducer<String, byte[]> producer, String topic, String url, List<Connection> dbs,
                                String service, String pod, long giveUpMillis) throws Exception {
        Instant ts = Instant.now().truncatedTo(ChronoUnit.MICROS);
        LogEntry e = new LogEntry(ts, service, LogLevel.INFO, "fresh", pod, "app", "probe " + pod + " written");
        producer.send(new ProducerRecord<>(topic, service, LogEntryCodec.encode(e))).get(10, TimeUnit.SECONDS);
        long acked = System.nanoTime();
        long deadline = acked + TimeUnit.MILLISECONDS.toNanos(giveUpMillis < 0 ? 60_000 : giveUpMillis);
        String body = "{\"startTime\":\"" + Rfc3339.format(ts.minusSeconds(60)) + "\",\"endTime\":\""
                + Rfc3339.format(ts.plusSeconds(60)) + "\",\"serviceName\":\"" + service + "\",\"pod\":\"" + pod
                + "\",\"limit\":10}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/query/logs"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long stored = -1;
        while (System.nanoTime() < deadline) {
            if (stored < 0 && isStored(dbs, pod, ts)) {
                stored = (System.nanoTime() - acked) / 1_000;
            }
            HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            long answered = System.nanoTime();
            if (r.statusCode() != 200) {
                throw new IllegalStateException("query answered " + r.statusCode() + ": " + QueryLoad.abbreviate(r.body()));
            }
            if (r.body().contains("\"pod\":\"" + pod + "\"")) {
                long found = (answered - acked) / 1_000;
                return new long[] {found, stored < 0 ? found : stored};
            }
            Thread.sleep(10); // holds the polling rate to one query per 10 ms: the probe must not load the cluster
        }
        if (giveUpMillis < 0) {
            throw new IllegalStateException("warm-up probe " + pod + " not found within a minute");
        }
        return new long[] {-1, stored};
    }

    /** Whether a shard's database holds the probe's row (committed), asked straight with SQL. */
    private static boolean isStored(List<Connection> dbs, String pod, Instant ts) throws Exception {
        for (Connection c : dbs) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM logs WHERE ts = ? AND pod = ?")) {
                ps.setObject(1, OffsetDateTime.ofInstant(ts, ZoneOffset.UTC));
                ps.setString(2, pod);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String figures(long[] micros) {
        long[] s = micros.clone();
        Arrays.sort(s);
        return String.format(Locale.ROOT, "p50 %.0f / p95 %.0f / p99 %.0f / max %.0f ms", at(s, 0.5), at(s, 0.95),
                at(s, 0.99), at(s, 1.0));
    }

    private static void put(ObjectNode o, long[] micros) {
        long[] s = micros.clone();
        Arrays.sort(s);
        BenchmarkJson.num(o, "p50Ms", at(s, 0.5));
        BenchmarkJson.num(o, "p95Ms", at(s, 0.95));
        BenchmarkJson.num(o, "p99Ms", at(s, 0.99));
        BenchmarkJson.num(o, "maxMs", at(s, 1.0));
        o.put("probes", s.length);
    }

    /** The nearest-rank percentile of sorted microseconds, in milliseconds. */
    private static double at(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
    }

    private FreshBenchmark() {
    }
}
