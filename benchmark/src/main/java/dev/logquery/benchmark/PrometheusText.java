package dev.logquery.benchmark;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a Prometheus text exposition, with the few read operations the benchmarks need. */
final class PrometheusText {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /**
     * The app's metrics now. Waits up to 30 s: an app saturated by the load being measured (10,000 tail viewers on
     * two cores) answers late, and a late figure is better than a benchmark that ends without one.
     */
    static PrometheusText scrape(String baseUrl) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("scrape of " + baseUrl + " answered " + r.statusCode());
        }
        return parse(r.body());
    }

    static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return new PrometheusText(out);
    }

    /** Sum of every series of {@code name} whose labels include {@code match} (key, value pairs). */
    double sum(String name, String... match) {
        double total = 0;
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s.labels, match)) {
                total += s.value;
            }
        }
        return total;
    }

    /** Cumulative bucket counts of a histogram, by upper bound ({@code +Inf} last). */
    TreeMap<Double, Double> buckets(String histogram, String... match) {
        TreeMap<Double, Double> out = new TreeMap<>();
        for (Sample s : samples) {
            if (s.name.equals(histogram + "_bucket") && matches(s.labels, match)) {
                String le = s.labels.get("le");
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                out.merge(bound, s.value, Double::sum);
            }
        }
        return out;
    }

    /**
     * The {@code q} quantile of the observations made between two scrapes' buckets, interpolated inside
     * the bucket as Prometheus' {@code histogram_quantile} does. NaN when nothing was observed.
     */
    static double quantile(double q, TreeMap<Double, Double> before, TreeMap<Double, Double> after) {
        List<double[]> deltas = new ArrayList<>();
        for (Map.Entry<Double, Double> e : after.entrySet()) {
            deltas.add(new double[] {e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)});
        }
        if (deltas.isEmpty()) {
            return Double.NaN;
        }
        double total = deltas.get(deltas.size() - 1)[1];
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (double[] d : deltas) {
            if (d[1] >= rank) {
                if (Double.isInfinite(d[0])) {
                    return lowerBound;
                }
                double inBucket = d[1] - lowerCount;
                return inBucket <= 0 ? d[0] : lowerBound + (d[0] - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = d[0];
            lowerCount = d[1];
        }
        return lowerBound;
    }

    private static boolean matches(Map<String, String> labels, String... match) {
        for (int i = 0; i + 1 < match.length; i += 2) {
            if (!match[i + 1].equals(labels.get(match[i]))) {
                return false;
            }
        }
        return true;
    }
}
