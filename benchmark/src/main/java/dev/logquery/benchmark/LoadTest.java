package dev.logquery.benchmark;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./load-test.sh [-d SECONDS] [-c CONNECTIONS] [-u URL]}: a mixed query load against a coordinator on
 * this machine. Each of {@code c} closed-loop clients (one thread and one keep-alive connection each) sends
 * {@code POST /api/query/logs} back to back: a random service among those the system holds (or none), a
 * random window of a minute to a day ending within the last day, sometimes levels, a
 * {@code contains} or a cursor, a random limit; no two requests are the same (the windows are random to the
 * microsecond). Prints requests per second, latency p50/p95/p99/max, and the counts of errors (transport
 * failures, 5xx, 4xx other than 429, partial answers) and of 429s. Exit status 1 when there was any error,
 * 2 on bad usage or when the coordinator does not answer at the start.
 */
public final class LoadTest {

    private static final Pattern SERVICE = Pattern.compile("\"service\":\"([^\"]+)\"");
    private static final Pattern CURSOR = Pattern.compile("\"nextCursor\":\"([^\"]+)\"");
    private static final String[] LEVELS = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    private static final String[] WORDS = {"timeout", "refused", "GET", "payment", "cache", "retry", "500", "user"};

    private LoadTest() {
    }

    /** The kinds of request the mix sends, for the breakdown of where the clients' time goes. */
    static final String[] KINDS = {"contains", "cursor page", "other"};

    static int kind(String body) {
        return body.contains("\"contains\"") ? 0 : body.contains("\"cursor\"") ? 1 : 2;
    }

    /** What one client saw. */
    static final class Tally {
        long[] latencies = new long[4096];
        byte[] kinds = new byte[4096];
        int n;
        long errors;
        long tooMany;
        long partial;
        String firstError;

        void latency(long nanos, int kind) {
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
                kinds = Arrays.copyOf(kinds, n * 2);
            }
            kinds[n] = (byte) kind;
            latencies[n++] = nanos;
        }

        void error(String what) {
            errors++;
            if (firstError == null) {
                firstError = what;
            }
        }
    }

    /** {@code Authorization} of every request ({@code -t TOKEN}, else {@code $STACK_API_TOKEN}); null: none. */
    static volatile String authorization;

    static HttpRequest.Builder withAuthorization(HttpRequest.Builder b) {
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    public static void main(String[] args) throws Exception {
        int seconds = 30;
        int connections = 50;
        String url = "http://localhost:8080";
        String env = System.getenv("STACK_API_TOKEN");
        authorization = env == null || env.isBlank() ? null : "Bearer " + env.strip();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-d" -> seconds = Integer.parseInt(args[++i]);
                case "-c" -> connections = Integer.parseInt(args[++i]);
                case "-u" -> url = args[++i].replaceAll("/+$", "");
                case "-t" -> authorization = "Bearer " + args[++i];
                default -> usage("unknown option " + args[i]);
            }
        }
        if (seconds < 1 || connections < 1 || connections > 5000) {
            usage("-d must be at least 1 and -c 1..5000");
        }
        URI base = URI.create(url);
        if (!InetAddress.getByName(base.getHost()).isLoopbackAddress()) {
            usage("traffic goes only to this machine: " + base.getHost() + " is not a loopback address");
        }
        HttpClient setup = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<String> services = services(setup, url);
        System.out.printf(Locale.ROOT, "load test: %d connections for %d s against %s/api/query/logs; %d services%n",
                connections, seconds, url, services.size());

        long until = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        List<Future<Tally>> futures = new ArrayList<>();
        String endpoint = url + "/api/query/logs";
        for (int c = 0; c < connections; c++) {
            // One client per thread: the JDK client keeps its connection alive between requests.
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            futures.add(threads.submit(() -> run(client, endpoint, services, until)));
        }
        Tally all = new Tally();
        for (Future<Tally> f : futures) {
            Tally t = f.get();
            for (int i = 0; i < t.n; i++) {
                all.latency(t.latencies[i], t.kinds[i]);
            }
            all.errors += t.errors;
            all.tooMany += t.tooMany;
            all.partial += t.partial;
            if (all.firstError == null) {
                all.firstError = t.firstError;
            }
        }
        threads.shutdown();
        long[] lat = Arrays.copyOf(all.latencies, all.n);
        Arrays.sort(lat);
        long requests = all.n + all.errors + all.tooMany;
        System.out.printf(Locale.ROOT, "requests: %,d in %d s = %.1f requests/s (%,d answered 200)%n", requests, seconds,
                requests / (double) seconds, all.n);
        if (lat.length > 0) {
            System.out.printf(Locale.ROOT, "latency of 200 answers: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    ms(lat, 0.50), ms(lat, 0.95), ms(lat, 0.99), lat[lat.length - 1] / 1e6);
        }
        byKind(all);
        System.out.printf(Locale.ROOT, "errors: %,d; 429 (shed): %,d%n", all.errors, all.tooMany);
        if (all.errors > 0) {
            System.out.println("first error: " + all.firstError);
        }
        System.exit(all.errors > 0 ? 1 : 0);
    }

    private static Tally run(HttpClient client, String endpoint, List<String> services, long until) {
        Tally tally = new Tally();
        String cursorOf = null;
        String cursor = null;
        while (System.nanoTime() < until) {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            String body = cursor != null && r.nextInt(3) == 0 ? cursorOf.replace("}", ",\"cursor\":\"" + cursor + "\"}")
                    : query(r, services);
            cursor = null;
            long t0 = System.nanoTime();
            try {
                HttpResponse<byte[]> response = client.send(withAuthorization(HttpRequest.newBuilder(URI.create(endpoint)))
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                long took = System.nanoTime() - t0;
                int status = response.statusCode();
                if (status == 200) {
                    tally.latency(took, kind(body));
                    String summary = summary(response.body());
                    if (summary.contains("\"partial\":true")) {
                        tally.error("partial answer to " + body);
                    }
                    Matcher m = CURSOR.matcher(summary);
                    if (m.find()) {
                        cursor = m.group(1);
                        cursorOf = body.contains("\"cursor\"") ? cursorOf : body;
                    }
                } else if (status == 429) {
                    tally.tooMany++;
                } else {
                    tally.error("HTTP " + status + " for " + body + ": "
                            + abbreviate(new String(response.body(), StandardCharsets.UTF_8)));
                }
            } catch (Exception e) {
                tally.error(e + " for " + body);
            }
        }
        return tally;
    }

    /** A random query: a window ending in the last day, service, levels and text sometimes, a random limit. */
    static String query(ThreadLocalRandom r, List<String> services) {
        Instant now = Instant.now();
        long spanMicros = r.nextLong(60_000_000L, 86_400_000_000L);
        Instant end = now.minus(r.nextLong(0, 86_400_000_000L - spanMicros + 1), ChronoUnit.MICROS)
                .truncatedTo(ChronoUnit.MICROS);
        Instant start = end.minus(spanMicros, ChronoUnit.MICROS);
        StringBuilder q = new StringBuilder(200).append("{\"startTime\":\"").append(start).append("\",\"endTime\":\"")
                .append(end).append('"');
        if (!services.isEmpty() && r.nextInt(4) != 0) {
            q.append(",\"serviceName\":\"").append(services.get(r.nextInt(services.size()))).append('"');
        }
        int levels = r.nextInt(5);
        if (levels == 1) {
            q.append(",\"logLevel\":\"").append(LEVELS[r.nextInt(LEVELS.length)]).append('"');
        } else if (levels == 2) {
            q.append(",\"levels\":[\"ERROR\",\"FATAL\"]");
        } else if (levels == 3) {
            q.append(",\"levels\":[\"WARN\",\"ERROR\"]");
        }
        if (r.nextInt(10) == 0) {
            q.append(",\"contains\":\"").append(WORDS[r.nextInt(WORDS.length)]).append('"');
        }
        int[] limits = {1, 10, 20, 50, 100, 100, 100, 200, 500, 1000};
        return q.append(",\"limit\":").append(limits[r.nextInt(limits.length)]).append('}').toString();
    }

    /** The services of the last day's newest lines (so that queries name services the system holds). */
    static List<String> services(HttpClient http, String url) throws InterruptedException {
        Instant now = Instant.now();
        String body = "{\"startTime\":\"" + now.minus(Duration.ofDays(1)) + "\",\"endTime\":\"" + now
                + "\",\"limit\":5000}";
        try {
            HttpResponse<String> response = http.send(withAuthorization(HttpRequest.newBuilder(URI.create(url + "/api/query/logs")))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                System.err.println("the coordinator answered HTTP " + response.statusCode() + ": "
                        + abbreviate(response.body()));
                System.exit(2);
            }
            Set<String> services = new TreeSet<>();
            Matcher m = SERVICE.matcher(response.body());
            while (m.find()) {
                services.add(m.group(1));
            }
            return List.copyOf(services);
        } catch (java.io.IOException e) {
            System.err.println("no coordinator answers at " + url + " (" + e + "); start the system with ./setup.sh");
            System.exit(2);
            return List.of();
        }
    }

    /** Per kind of request: how many, p50 and p99, and its share of the time the clients spent waiting. */
    private static void byKind(Tally all) {
        double total = 0;
        for (int i = 0; i < all.n; i++) {
            total += all.latencies[i];
        }
        for (int k = 0; k < KINDS.length; k++) {
            long[] lat = new long[all.n];
            int m = 0;
            double sum = 0;
            for (int i = 0; i < all.n; i++) {
                if (all.kinds[i] == k) {
                    lat[m++] = all.latencies[i];
                    sum += all.latencies[i];
                }
            }
            if (m == 0) {
                continue;
            }
            lat = Arrays.copyOf(lat, m);
            Arrays.sort(lat);
            System.out.printf(Locale.ROOT, "  %-11s %,6d answers (%4.1f %%): p50 %.1f ms, p99 %.1f ms; %4.1f %% of the"
                    + " clients' waiting%n", KINDS[k], m, 100.0 * m / all.n, ms(lat, 0.50), ms(lat, 0.99),
                    100 * sum / total);
        }
    }

    private static double ms(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /**
     * The fields after the answer's {@code logs} ({@code partial}, {@code nextCursor}, ...), read from the end of the
     * body: the load generator shares the machine's cores with the system, so it neither decodes nor searches the
     * lines (inside them a quote is escaped, so the summary's field names cannot appear there).
     */
    static String summary(byte[] body) {
        for (int from = Math.max(0, body.length - 2048); ; from = 0) {
            String tail = new String(body, from, body.length - from, StandardCharsets.ISO_8859_1);
            int at = tail.lastIndexOf("\"partitionsTotal\":");
            if (at >= 0 || from == 0) {
                return at < 0 ? tail : tail.substring(at);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    private static void usage(String why) {
        System.err.println(why);
        System.err.println("usage: ./load-test.sh [-d SECONDS (30)] [-c CONNECTIONS (50)] [-u http://localhost:8080] [-t TOKEN (default $STACK_API_TOKEN)]");
        System.exit(2);
    }
}
