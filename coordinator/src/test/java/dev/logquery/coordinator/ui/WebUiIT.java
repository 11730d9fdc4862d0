package dev.logquery.coordinator.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.logquery.common.codec.Rfc3339;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.query.LogQuery;
import dev.logquery.testkit.App;
import dev.logquery.testkit.Await;
import dev.logquery.testkit.Cluster;
import dev.logquery.testkit.Http;
import dev.logquery.testkit.LineWriter;
import dev.logquery.testkit.LogQueryBuilder;
import dev.logquery.testkit.Truth;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The web UI in a real browser (Debian's headless Chromium through chromium-driver, installed by {@link Chromium}
 * when missing) against a real cluster (Kafka, three partition nodes on PostgreSQL, the coordinator serving the
 * page): what the page shows is compared with the API's own answers and with the written lines ({@link Truth}).
 * Every wait is on a DOM condition, bounded.
 */
class WebUiIT {

    static final int SHARDS = 3;
    static final Duration WAIT = Duration.ofSeconds(20);
    static final JsonMapper JSON = JsonMapper.builder().build();
    /** Lines ending here, so that the page's default range (the last hour) holds the realistic ones. */
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MICROS);

    static Cluster cluster;
    static App coordinator;
    static Truth truth;
    static ChromeDriver driver;
    static Path profile;

    @BeforeAll
    static void start() throws Exception {
        Chromium.ensureInstalled();
        // Through the nodes only: the partial-answer test stops a node's server, which a shard database read
        // directly would outlive (that path's own answers are QueryPathIT's); the page is the subject here.
        cluster = Cluster.builder().shards(SHARDS).throughNodesOnly().coordinator().start();
        coordinator = cluster.coordinator();
        List<LogEntry> lines = new ArrayList<>(realistic(1_600));
        lines.addAll(filterLines());
        lines.addAll(pagingLines());
        lines.addAll(contextLines());
        truth = cluster.write(lines);
        cluster.awaitStored(truth, Duration.ofSeconds(60));
        cluster.awaitCatalog(coordinator, truth, Duration.ofSeconds(30));
        profile = Files.createTempDirectory("chromium-profile-");
        driver = Chromium.start(profile, 1440, 900);
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    // ------------------------------------------------------------------ the lines

    static final String[][] SERVICES = {
            {"checkout", "shop"}, {"payment-service", "payments"}, {"inventory", "shop"}, {"api-gateway", "edge"},
            {"auth", "identity"}};

    /** Lines as a small shop would log them, over the 55 minutes before {@link #NOW}. */
    static List<LogEntry> realistic(int count) {
        Random r = new Random(18);
        List<LogEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String[] s = SERVICES[r.nextInt(SERVICES.length)];
            int p = r.nextInt(100);
            LogLevel level = p < 2 ? LogLevel.TRACE : p < 12 ? LogLevel.DEBUG : p < 76 ? LogLevel.INFO
                    : p < 90 ? LogLevel.WARN : p < 99 ? LogLevel.ERROR : LogLevel.FATAL;
            // more lines towards a burst of errors 20 minutes ago, so that the histogram has a shape
            double f = r.nextDouble();
            long ago = level.compareTo(LogLevel.WARN) >= 0 && r.nextBoolean()
                    ? (long) (18 * 60e6 + r.nextDouble() * 4 * 60e6) : (long) (60e6 + f * 54 * 60e6);
            Instant ts = NOW.minus(ago, ChronoUnit.MICROS);
            String pod = s[0] + "-7d9f8c6b5-" + "x2k4p,h8m2q,r5t7w".split(",")[r.nextInt(3)];
            Map<String, String> attributes = r.nextInt(3) == 0 ? Map.of("cluster", r.nextBoolean() ? "eu-1" : "eu-2",
                    "trace_id", Long.toHexString(r.nextLong() & Long.MAX_VALUE)) : null;
            out.add(new LogEntry(ts, s[0], level, s[1], pod, s[0], message(s[0], level, r), attributes));
        }
        return out;
    }

    static String message(String service, LogLevel level, Random r) {
        int order = 48_000 + r.nextInt(900);
        int ms = 3 + r.nextInt(400);
        return switch (level) {
            case TRACE -> "entering " + service + ".handle(order=" + order + ")";
            case DEBUG -> switch (service) {
                case "inventory" -> "cache hit sku-" + (1000 + r.nextInt(80));
                case "auth" -> "jwks refreshed: 2 keys";
                default -> "pool stats: active=" + r.nextInt(20) + " idle=" + r.nextInt(10) + " waiting=0";
            };
            case INFO -> switch (service) {
                case "checkout" -> "POST /api/checkout 200 " + ms + "ms order=" + order;
                case "payment-service" -> "authorized payment pay_" + Integer.toHexString(r.nextInt()) + " amount="
                        + (10 + r.nextInt(200)) + ".90 EUR";
                case "inventory" -> "reserved " + (1 + r.nextInt(4)) + " units of sku-" + (1000 + r.nextInt(80))
                        + " for order " + order;
                case "api-gateway" -> "GET /api/products?page=" + (1 + r.nextInt(9)) + " 200 " + ms + "ms";
                default -> "token issued for user " + (4000 + r.nextInt(500)) + " (expires in 3600s)";
            };
            case WARN -> switch (service) {
                case "payment-service" -> "slow response from bank-gateway: " + (900 + ms * 3) + "ms";
                case "inventory" -> "stock low for sku-" + (2000 + r.nextInt(50)) + ": " + r.nextInt(5) + " left";
                case "auth" -> "login failed for user " + (4000 + r.nextInt(500)) + ": bad password";
                default -> "retrying POST /api/payments (attempt 2/3): upstream answered 503";
            };
            case ERROR -> switch (service) {
                case "payment-service" -> "java.net.SocketTimeoutException: Read timed out calling bank-gateway\n"
                        + "\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)";
                case "api-gateway" -> "upstream checkout returned 502 for POST /api/checkout";
                default -> "order " + order + " failed: payment-service Timed Out after 5000ms";
            };
            default -> "could not reach the database after 30 attempts, shutting down";
        };
    }

    static final Instant FILTER_BASE = NOW.minus(Duration.ofHours(3));

    /** A service whose lines the filter tests pick by namespace, levels and text (in mixed case). */
    static List<LogEntry> filterLines() {
        List<LogEntry> out = new ArrayList<>();
        LogLevel[] levels = {LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR, LogLevel.DEBUG};
        String[] texts = {"request Timed Out after 3s", "all good", "TIMED OUT waiting for lock", "timed out <b>&amp;</b>"};
        for (int i = 0; i < 80; i++) {
            out.add(new LogEntry(FILTER_BASE.plusMillis(i * 1_500L + 7), "ui-filter", levels[i % 4],
                    i % 3 == 0 ? "ui-other" : "ui-ns", "ui-filter-" + (i % 2), "app", texts[(i / 4) % 4] + " #" + i,
                    i % 5 == 0 ? Map.of("cluster", "eu-1") : null));
        }
        return out;
    }

    static final Instant PAGING_BASE = NOW.minus(Duration.ofHours(4));

    static List<LogEntry> pagingLines() {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            out.add(new LogEntry(PAGING_BASE.plusMillis(i * 997L), "ui-pages", LogLevel.INFO, "ui-ns", "ui-pages-0",
                    "app", "page line " + i));
        }
        return out;
    }

    static final Instant CONTEXT_BASE = NOW.minus(Duration.ofHours(5));

    /** Two pods of one service, interleaved: context is the lines of the same pod. */
    static List<LogEntry> contextLines() {
        List<LogEntry> out = new ArrayList<>();
        for (int i = 0; i < 31; i++) {
            out.add(new LogEntry(CONTEXT_BASE.plusSeconds(i), "ui-context", i % 7 == 0 ? LogLevel.WARN : LogLevel.INFO,
                    "ui-ns", "ctx-pod-0", "app", "pod 0 step " + i));
            out.add(new LogEntry(CONTEXT_BASE.plusSeconds(i).plusMillis(500), "ui-context", LogLevel.INFO, "ui-ns",
                    "ctx-pod-1", "app", "pod 1 step " + i));
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    static String page(String query) {
        return coordinator.url() + "/" + query;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static JavascriptExecutor js() {
        return driver;
    }

    static WebDriverWait waiting(Duration d) {
        WebDriverWait w = new WebDriverWait(driver, d, Duration.ofMillis(20));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    /** Opens a URL and waits until its search answered (rows painted, or an error shown). */
    static void open(String query) {
        driver.get(page(query));
        waiting(WAIT).withMessage("the search of " + query + " to end")
                .until(d -> Boolean.TRUE.equals(js().executeScript("return !!(window.logquery && window.logquery.ready)")));
    }

    static void awaitVolume() {
        waiting(WAIT).withMessage("the volume to be drawn").until(d -> {
            String s = d.findElement(By.cssSelector("[data-testid=volume]")).getAttribute("data-state");
            return "done".equals(s) || "error".equals(s);
        });
    }

    /** The rows on the page, one string each: timestamp, service, level and the whole message. */
    @SuppressWarnings("unchecked")
    static List<String> rows(String testid) {
        return (List<String>) js().executeScript("return Array.from(document.querySelectorAll('[data-testid="
                + testid + "]')).map(r => r.dataset.ts + '|' + r.dataset.service + '|' + r.dataset.level + '|'"
                + " + r.querySelector('.msg').textContent)");
    }

    static String key(LogEntry e) {
        return Rfc3339.format(e.timestamp()) + "|" + e.service() + "|" + e.level().name() + "|" + e.message();
    }

    static String key(JsonNode log) {
        return log.get("timestamp").asString() + "|" + log.get("service").asString() + "|"
                + log.get("level").asString() + "|" + log.get("message").asString();
    }

    static List<String> keys(List<StoredLogEntry> rows) {
        return rows.stream().map(r -> key(r.entry())).toList();
    }

    static JsonNode post(String path, Map<String, Object> body) {
        HttpResponse<String> response = Http.postJson(coordinator.url() + path, JSON.writeValueAsString(body));
        JsonNode json = JSON.readTree(response.body());
        ((ObjectNode) json).put("_status", response.statusCode());
        return json;
    }

    static List<String> logKeys(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("logs").forEach(l -> out.add(key(l)));
        return out;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aUrlWithFiltersShowsExactlyTheLinesTheApiReturns() {
        Instant from = FILTER_BASE.minusSeconds(1);
        Instant to = FILTER_BASE.plus(Duration.ofMinutes(5));
        open("?service=ui-filter&namespace=ui-ns&level=WARN&level=ERROR&q=" + enc("timed out") + "&from=" + from
                + "&to=" + to);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("startTime", from.toString());
        body.put("endTime", to.toString());
        body.put("serviceName", "ui-filter");
        body.put("levels", List.of("WARN", "ERROR"));
        body.put("namespace", "ui-ns");
        body.put("contains", "timed out");
        body.put("limit", 200);
        JsonNode api = post("/api/query/logs", body);
        LogQuery q = LogQueryBuilder.between(from, to).service("ui-filter").levels(LogLevel.WARN, LogLevel.ERROR)
                .namespace("ui-ns").contains("timed out").limit(200).build();
        List<String> expected = keys(truth.expected(q));
        assertThat(expected).as("the written lines the filters select").hasSizeGreaterThan(10);
        assertThat(logKeys(api)).isEqualTo(expected);
        assertThat(rows("log-row")).isEqualTo(expected);
        // the form shows the URL's filters
        assertThat(driver.findElement(By.id("service")).getDomProperty("value")).isEqualTo("ui-filter");
        assertThat(driver.findElement(By.id("q")).getDomProperty("value")).isEqualTo("timed out");
        assertThat(driver.findElements(By.cssSelector("input[name=level]:checked")))
                .extracting(e -> e.getDomProperty("value")).containsExactly("WARN", "ERROR");
        assertThat(driver.findElements(By.cssSelector("[data-testid=partial]:not([hidden])"))).isEmpty();

        // a line expands to all its fields and attributes, by keyboard too
        WebElement withAttributes = driver.findElements(By.cssSelector("[data-testid=log-row]")).stream()
                .filter(r -> r.getAttribute("data-ts").equals(Rfc3339.format(firstWithAttributes(q).timestamp())))
                .findFirst().orElseThrow();
        withAttributes.sendKeys(Keys.ENTER);
        WebElement details = waiting(WAIT).until(d -> d.findElement(By.cssSelector("[data-testid=row-details]")));
        assertThat(details.findElement(By.cssSelector("[data-testid=attribute][data-key=cluster]")).getText())
                .isEqualTo("eu-1");
        assertThat(details.findElement(By.cssSelector("[data-testid=full-message]")).getAttribute("textContent"))
                .isEqualTo(firstWithAttributes(q).message());
        assertThat(withAttributes.getAttribute("aria-expanded")).isEqualTo("true");
        withAttributes.sendKeys(Keys.SPACE);
        assertThat(driver.findElements(By.cssSelector("[data-testid=row-details]"))).isEmpty();
    }

    static LogEntry firstWithAttributes(LogQuery q) {
        return truth.expected(q).stream().map(StoredLogEntry::entry).filter(e -> e.attributes() != null
                && !e.attributes().isEmpty()).findFirst().orElseThrow();
    }

    @Test
    void infiniteScrollReachesTheSecondPage() {
        Instant from = PAGING_BASE.minusSeconds(1);
        Instant to = PAGING_BASE.plus(Duration.ofMinutes(10));
        // pages of 60 lines: a first page taller than the window, then 60 more, then the last 10
        open("?service=ui-pages&limit=60&from=" + from + "&to=" + to);
        LogQuery q = LogQueryBuilder.between(from, to).service("ui-pages").limit(130).build();
        List<String> all = keys(truth.expected(q));
        assertThat(all).hasSize(130);
        assertThat(rows("log-row")).isEqualTo(all.subList(0, 60));
        js().executeScript("document.querySelector('[data-testid=more]').scrollIntoView()");
        waiting(WAIT).withMessage("the second page").until(d -> rows("log-row").size() >= 120);
        assertThat(rows("log-row").subList(0, 120)).isEqualTo(all.subList(0, 120));
        // and on to the end
        waiting(WAIT).withMessage("the last page").until(d -> {
            js().executeScript("document.querySelector('[data-testid=more]').scrollIntoView()");
            return rows("log-row").size() == 130 && "done".equals(d.findElement(By.cssSelector(
                    "[data-testid=status]")).getAttribute("data-state"));
        });
        assertThat(rows("log-row")).isEqualTo(all);
    }

    @Test
    void theHistogramsCountsSumToTheMatchingLines() {
        Instant from = FILTER_BASE.minusSeconds(1);
        Instant to = FILTER_BASE.plus(Duration.ofMinutes(5));
        open("?service=ui-filter&level=WARN&level=ERROR&level=INFO&q=" + enc("TIMED out") + "&from=" + from
                + "&to=" + to);
        awaitVolume();
        LogQuery q = LogQueryBuilder.between(from, to).service("ui-filter")
                .levels(LogLevel.WARN, LogLevel.ERROR, LogLevel.INFO).contains("TIMED out").limit(10_000).build();
        int matching = truth.everything(q).size();
        assertThat(matching).isGreaterThan(10);
        assertThat(bucketSum()).isEqualTo(matching);
        assertThat(driver.findElement(By.cssSelector("[data-testid=volume-total]")).getAttribute("data-total"))
                .isEqualTo(Integer.toString(matching));

        // the whole realistic hour: every level, counted on the nodes
        Instant hourFrom = NOW.minus(Duration.ofMinutes(56));
        open("?from=" + hourFrom + "&to=" + NOW);
        awaitVolume();
        int hour = truth.everything(LogQueryBuilder.between(hourFrom, NOW).limit(10_000).build()).size();
        assertThat(bucketSum()).isEqualTo(hour).isEqualTo(1_600);

        // dragging across the histogram narrows the range to what was selected
        WebElement svg = driver.findElement(By.cssSelector("[data-testid=histogram] svg"));
        int width = svg.getRect().getWidth();
        new org.openqa.selenium.interactions.Actions(driver).moveToElement(svg, -width / 4, 0).clickAndHold()
                .moveByOffset(width / 4, 0).release().perform();
        waiting(WAIT).withMessage("the URL to carry the selected range")
                .until(d -> d.getCurrentUrl().contains("from=") && !d.getCurrentUrl().contains(enc(hourFrom.toString())));
        waiting(WAIT).until(d -> Boolean.TRUE.equals(js().executeScript("return window.logquery.ready")));
        awaitVolume();
        Map<String, String> params = params(driver.getCurrentUrl());
        Instant selFrom = Instant.parse(params.get("from"));
        Instant selTo = Instant.parse(params.get("to"));
        assertThat(selFrom).isAfter(hourFrom);
        assertThat(selTo).isBefore(NOW);
        int selected = truth.everything(LogQueryBuilder.between(selFrom, selTo).limit(10_000).build()).size();
        assertThat(bucketSum()).isEqualTo(selected).isLessThan(hour);
    }

    static Map<String, String> params(String url) {
        Map<String, String> out = new TreeMap<>();
        String query = url.substring(url.indexOf('?') + 1);
        for (String p : query.split("&")) {
            int eq = p.indexOf('=');
            out.put(p.substring(0, eq), java.net.URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static long bucketSum() {
        return ((Number) js().executeScript("return Array.from(document.querySelectorAll('[data-testid=volume-bucket]'))"
                + ".reduce((s, b) => s + Number(b.dataset.count), 0)")).longValue();
    }

    @Test
    void contextShowsTheNeighboursFromTheSamePod() {
        Instant from = CONTEXT_BASE.minusSeconds(1);
        Instant to = CONTEXT_BASE.plus(Duration.ofMinutes(1));
        open("?service=ui-context&from=" + from + "&to=" + to);
        List<StoredLogEntry> pod0 = truth.everything(LogQueryBuilder.between(from, to).service("ui-context")
                .pod("ctx-pod-0").limit(10_000).build());
        assertThat(pod0).hasSize(31);
        StoredLogEntry anchor = pod0.get(15); // newest first: 15 newer, 15 older
        WebElement row = driver.findElements(By.cssSelector("[data-testid=log-row]")).stream()
                .filter(r -> r.getAttribute("data-ts").equals(Rfc3339.format(anchor.entry().timestamp())))
                .findFirst().orElseThrow();
        row.click();
        driver.findElement(By.cssSelector("[data-testid=context-button]")).click();
        waiting(WAIT).withMessage("the context").until(d -> "done".equals(d.findElement(
                By.cssSelector("[data-testid=context-dialog]")).getAttribute("data-state")));
        List<String> expected = new ArrayList<>(keys(pod0.subList(5, 15)));
        expected.add(key(anchor.entry()));
        expected.addAll(keys(pod0.subList(16, 26)));
        assertThat(rows("context-row")).isEqualTo(expected);
        assertThat(driver.findElement(By.cssSelector("[data-testid=context-row][data-side=anchor]"))
                .getAttribute("data-ts")).isEqualTo(Rfc3339.format(anchor.entry().timestamp()));
        // Escape closes it and gives the focus back to the line
        driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        waiting(WAIT).until(d -> !d.findElement(By.cssSelector("[data-testid=context-dialog]")).isDisplayed());
        assertThat(driver.switchTo().activeElement().getAttribute("data-ts"))
                .isEqualTo(Rfc3339.format(anchor.entry().timestamp()));
    }

    @Test
    void aLineWrittenToKafkaAppearsInLiveModeWithinTwoSeconds() throws Exception {
        driver.get(page("?live=1&service=ui-live"));
        waiting(WAIT).withMessage("the live tail to connect").until(d -> "connected".equals(
                d.findElement(By.cssSelector("[data-testid=live-bar]")).getAttribute("data-connection")));
        // the tail's Kafka reader starts at the end of each partition once assigned: probe until a line comes
        Await.until(Duration.ofSeconds(60), "a probe line reaches the page (the tail reader is assigned)", () -> {
            LineWriter.send(cluster.kafka().bootstrapServers(), cluster.topic(), List.of(new LogEntry(
                    Instant.now().truncatedTo(ChronoUnit.MICROS), "ui-live", LogLevel.DEBUG, "ui-ns", "live-0",
                    "app", "probe")));
            try {
                waiting(Duration.ofSeconds(3)).until(d -> !rows("log-row").isEmpty());
                return true;
            } catch (org.openqa.selenium.TimeoutException e) {
                return false;
            }
        });
        int before = rows("log-row").size();
        LogEntry line = new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), "ui-live", LogLevel.ERROR, "ui-ns",
                "live-0", "app", "live line " + System.nanoTime());
        long sent = System.nanoTime();
        LineWriter.send(cluster.kafka().bootstrapServers(), cluster.topic(), List.of(line));
        waiting(Duration.ofSeconds(2)).withMessage("the line within 2 s of its write")
                .until(d -> rows("log-row").contains(key(line)));
        long tookMs = (System.nanoTime() - sent) / 1_000_000;
        System.out.println("live tail: a line written to Kafka was shown after " + tookMs + " ms");
        assertThat(tookMs).isLessThanOrEqualTo(2_000);
        assertThat(rows("log-row").get(0)).isEqualTo(key(line)); // newest on top
        assertThat(rows("log-row")).hasSize(before + 1);

        // paused: lines wait (counted) and come on resume
        driver.findElement(By.cssSelector("[data-testid=pause]")).click();
        LogEntry waitingLine = new LogEntry(Instant.now().truncatedTo(ChronoUnit.MICROS), "ui-live", LogLevel.INFO,
                "ui-ns", "live-0", "app", "while paused " + System.nanoTime());
        LineWriter.send(cluster.kafka().bootstrapServers(), cluster.topic(), List.of(waitingLine));
        waiting(WAIT).until(d -> d.findElement(By.cssSelector("[data-testid=live-waiting]")).getText()
                .equals("1 waiting"));
        assertThat(rows("log-row")).doesNotContain(key(waitingLine));
        driver.findElement(By.cssSelector("[data-testid=pause]")).click();
        waiting(WAIT).until(d -> rows("log-row").contains(key(waitingLine)));
        assertThat(driver.findElement(By.cssSelector("[data-testid=live-dropped]")).getText()).isEqualTo("0");
    }

    @Test
    void badFilterInputShowsTheApisProblemReadably() {
        Instant from = NOW.minus(Duration.ofHours(1));
        Instant to = NOW;
        open("?level=LOUD&from=" + to + "&to=" + from);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("startTime", to.toString());
        body.put("endTime", from.toString());
        body.put("levels", List.of("LOUD"));
        body.put("limit", 200);
        JsonNode problem = post("/api/query/logs", body);
        assertThat(problem.get("_status").asInt()).isEqualTo(400);
        WebElement error = waiting(WAIT).until(d -> d.findElement(By.cssSelector("[data-testid=error]")));
        assertThat(error.isDisplayed()).isTrue();
        List<String> shown = error.findElements(By.cssSelector("[data-testid=error-field]")).stream()
                .map(WebElement::getText).toList();
        List<String> expected = new ArrayList<>();
        problem.get("errors").forEach(e -> expected.add(e.get("field").asString() + ": " + e.get("message").asString()));
        assertThat(expected).hasSize(2);
        assertThat(shown).isEqualTo(expected);
        assertThat(error.getText()).contains("Bad request (400)");
        assertThat(rows("log-row")).isEmpty();
    }

    /**
     * {@code POST /api/query/volume} through the real cluster: for filter combinations (contains in mixed case,
     * levels, namespace, pod, attributes), every bucket's count is the number of lines of its time and level the
     * search returns (all its pages), and the truth agrees.
     */
    @Test
    void theVolumeEndpointCountsExactlyWhatTheSearchReturns() {
        Instant from = NOW.minus(Duration.ofHours(6));
        List<Map<String, Object>> filters = List.of(
                Map.of(),
                Map.of("serviceName", "ui-filter", "contains", "TIMED out"),
                Map.of("levels", List.of("WARN", "ERROR"), "namespace", "ui-ns"),
                Map.of("pod", "ctx-pod-0"),
                Map.of("contains", "Timed Out", "attributes", Map.of("cluster", "eu-1")),
                Map.of("serviceName", "payment-service", "levels", List.of("ERROR"), "contains", "read TIMED"));
        for (Map<String, Object> filter : filters) {
            Map<String, Object> body = new LinkedHashMap<>(filter);
            body.put("startTime", from.toString());
            body.put("endTime", NOW.toString());
            body.put("step", 600);
            JsonNode volume = post("/api/query/volume", body);
            assertThat(volume.get("_status").asInt()).as("%s", filter).isEqualTo(200);
            assertThat(volume.get("partial").asBoolean()).isFalse();
            assertThat(volume.get("step").asLong()).isEqualTo(600);
            // the search, every page of it
            body.remove("step");
            body.put("limit", 500);
            Map<String, Long> searched = new TreeMap<>();
            long lines = 0;
            Instant first = Instant.ofEpochSecond(from.getEpochSecond() / 600 * 600);
            for (String cursor = null; ; ) {
                if (cursor != null) {
                    body.put("cursor", cursor);
                }
                JsonNode page = post("/api/query/logs", body);
                assertThat(page.get("_status").asInt()).isEqualTo(200);
                for (JsonNode log : page.get("logs")) {
                    Instant ts = Instant.parse(log.get("timestamp").asString());
                    long bucket = Duration.between(first, ts).toSeconds() / 600;
                    searched.merge(first.plusSeconds(bucket * 600) + "|" + log.get("level").asString(), 1L, Long::sum);
                    lines++;
                }
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
                if (cursor == null) {
                    break;
                }
            }
            Map<String, Long> counted = new TreeMap<>();
            long sum = 0;
            for (JsonNode b : volume.get("buckets")) {
                for (var e : b.get("counts").properties()) {
                    counted.put(Instant.parse(b.get("time").asString()) + "|" + e.getKey(), e.getValue().asLong());
                }
                sum += b.get("total").asLong();
            }
            assertThat(counted).as("counts by bucket and level of %s", filter).isEqualTo(searched);
            assertThat(volume.get("total").asLong()).isEqualTo(sum).isEqualTo(lines);
        }
        // the realistic hour, by the truth
        Map<String, Object> hour = Map.of("startTime", NOW.minus(Duration.ofMinutes(56)).toString(),
                "endTime", NOW.toString(), "contains", "TIMED OUT");
        long expected = truth.everything(LogQueryBuilder.between(NOW.minus(Duration.ofMinutes(56)), NOW)
                .contains("TIMED OUT").limit(10_000).build()).size();
        assertThat(expected).isGreaterThan(0);
        assertThat(post("/api/query/volume", hour).get("total").asLong()).isEqualTo(expected);
        // a bad step is a 400 naming it, with the search's problems
        JsonNode bad = post("/api/query/volume", Map.of("startTime", NOW.toString(), "endTime", from.toString(),
                "step", 0));
        assertThat(bad.get("_status").asInt()).isEqualTo(400);
        List<String> fields = new ArrayList<>();
        bad.get("errors").forEach(e -> fields.add(e.get("field").asString()));
        assertThat(fields).containsExactly("endTime", "step");
    }

    /**
     * With API tokens the page loads without one, asks for it when the API answers 401, keeps it for the tab and
     * then shows the search.
     */
    @Test
    void withTokensThePageAsksForOneAndThenSearches() throws Exception {
        // closed with the cluster: closing a coordinator earlier would release the JVM's shared Reactor Netty
        // resources under the other one
        App secured = cluster.startCoordinator("logquery.coordinator.auth.tokens", "ui-secret");
        assertThat(Http.get(secured.url() + "/").statusCode()).isEqualTo(200);
        HttpResponse<String> script = Http.get(secured.url() + "/ui/app.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type").orElseThrow()).contains("javascript");
        assertThat(script.headers().firstValue("Cache-Control").orElseThrow()).contains("no-cache");
        assertThat(Http.get(secured.url() + "/api/query/stats").statusCode()).isEqualTo(401);
        Instant from = PAGING_BASE.minusSeconds(1);
        Instant to = PAGING_BASE.plus(Duration.ofMinutes(10));
        // a first page taller than the window, so that the infinite scroll does not fetch the next one yet
        driver.get(secured.url() + "/?service=ui-pages&limit=100&from=" + from + "&to=" + to);
        WebElement input = waiting(WAIT).withMessage("the token dialog").until(d -> {
            WebElement i = d.findElement(By.cssSelector("[data-testid=token-input]"));
            return i.isDisplayed() ? i : null;
        });
        input.sendKeys("ui-secret", Keys.ENTER);
        waiting(WAIT).withMessage("the search with the token").until(d -> rows("log-row").size() == 100);
        List<String> expected = keys(truth.expected(LogQueryBuilder.between(from, to).service("ui-pages")
                .limit(100).build()));
        assertThat(rows("log-row")).isEqualTo(expected);
        assertThat(js().executeScript("return sessionStorage.getItem('logquery.token')")).isEqualTo("ui-secret");
        js().executeScript("sessionStorage.clear()");
    }

    /**
     * A shard whose node stops answering: the page shows the other shards' lines, exactly, and a banner naming the
     * failed shard for the search and for the volume. The node comes back before the test ends.
     */
    @Test
    void aPartialAnswerNamesTheFailedShard() throws Exception {
        Instant from = NOW.minus(Duration.ofHours(6));
        LogQuery all = LogQueryBuilder.between(from, NOW).limit(10_000).build();
        // the shard holding the most lines of the window
        int failed = truth.everything(all).stream().collect(java.util.stream.Collectors.groupingBy(
                StoredLogEntry::shard, java.util.stream.Collectors.counting())).entrySet().stream()
                .max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        List<String> healthy = truth.everything(all).stream().filter(r -> r.shard() != failed).limit(2_000)
                .map(r -> key(r.entry())).toList();
        App node = cluster.node(failed);
        node.stopServer(); // its server only: the coordinator beside it shares Reactor Netty's global resources
        try {
            open("?limit=2000&from=" + from + "&to=" + NOW);
            awaitVolume();
            WebElement banner = driver.findElement(By.cssSelector("[data-testid=partial]"));
            assertThat(banner.isDisplayed()).isTrue();
            assertThat(banner.findElement(By.cssSelector("[data-testid=partial-answer]")).getText())
                    .startsWith("Partial answer: the lines of shard " + failed + " (");
            assertThat(banner.findElement(By.cssSelector("[data-testid=partial-volume]")).getText())
                    .startsWith("Partial volume: the lines of shard " + failed + " (");
            assertThat(rows("log-row")).isEqualTo(healthy);
        } finally {
            node.startServer();
            Map<String, Object> body = Map.of("startTime", from.toString(), "endTime", NOW.toString(), "limit", 1);
            Await.until(Duration.ofSeconds(60), "a complete answer, shard " + failed + " UP with its breaker closed",
                    () -> !post("/api/query/logs", body).get("partial").asBoolean() && serves(failed));
        }
    }

    static boolean serves(int shard) {
        JsonNode stats = JSON.readTree(Http.get(coordinator.url() + "/api/query/stats").body());
        for (JsonNode s : stats.get("shards")) {
            if (s.get("id").asInt() == shard) {
                for (JsonNode r : s.get("replicas")) {
                    if (!"UP".equals(r.get("health").asString()) || !"CLOSED".equals(r.get("breaker").asString())) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    @Test
    void aThousandLinesArePaintedQuickly() throws Exception {
        Instant from = NOW.minus(Duration.ofMinutes(56));
        open("?limit=1000&from=" + from + "&to=" + NOW);
        List<String> expected = keys(truth.expected(LogQueryBuilder.between(from, NOW).limit(1_000).build()));
        assertThat(rows("log-row")).hasSize(1_000).isEqualTo(expected);
        waiting(WAIT).until(d -> js().executeScript("return window.logquery.timings.answerToPaintMs") != null);
        double paintMs = ((Number) js().executeScript("return window.logquery.timings.answerToPaintMs")).doubleValue();
        System.out.printf("first paint of 1000 lines: %.1f ms after the API's answer (%s)%n", paintMs,
                js().executeScript("return JSON.stringify(window.logquery.timings)"));
        assertThat(paintMs).isLessThan(300);
    }

    @Test
    void theMainView() throws Exception {
        open("");
        awaitVolume();
        // the default range, the last hour, as the page resolved it
        @SuppressWarnings("unchecked")
        Map<String, String> window = (Map<String, String>) js().executeScript("return window.logquery.window");
        LogQuery hour = LogQueryBuilder.between(Instant.parse(window.get("startTime")),
                Instant.parse(window.get("endTime"))).limit(200).build();
        // lines of the live test may be in that hour too: the page shows what the API answers
        JsonNode api = post("/api/query/logs", Map.of("startTime", window.get("startTime"), "endTime",
                window.get("endTime"), "limit", 200));
        assertThat(rows("log-row")).hasSize(200).isEqualTo(logKeys(api));
        assertThat(bucketSum()).isGreaterThanOrEqualTo(truth.everything(hour).size()).isEqualTo(Long.parseLong(
                driver.findElement(By.cssSelector("[data-testid=volume-total]")).getAttribute("data-total")));
        // expand an error (or warning) line near the top, to show what a line holds
        List<WebElement> top = driver.findElements(By.cssSelector("[data-testid=log-row]")).subList(0, 12);
        WebElement line = top.stream().filter(r -> "ERROR".equals(r.getAttribute("data-level"))).findFirst()
                .or(() -> top.stream().filter(r -> "WARN".equals(r.getAttribute("data-level"))).findFirst())
                .orElse(top.get(3));
        js().executeScript("arguments[0].click()", line);
        waiting(WAIT).until(d -> !d.findElements(By.cssSelector("[data-testid=row-details]")).isEmpty());
        js().executeScript("window.scrollTo(0, 0)");
        Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "ui.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        String docs = System.getProperty("logquery.ui.screenshot", System.getenv("LOGQUERY_UI_SCREENSHOT"));
        if (docs != null && !docs.isBlank()) {
            Files.copy(shot, Path.of(docs), StandardCopyOption.REPLACE_EXISTING);
            // readable by all, as the other files of the repository (the driver's file is the owner's only)
            Files.setPosixFilePermissions(Path.of(docs),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            System.out.println("screenshot saved to " + Path.of(docs).toAbsolutePath());
        }
        assertThat(Files.size(target)).isGreaterThan(10_000);
    }
}
