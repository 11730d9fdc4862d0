package dev.logquery.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP/1.1 requests with bounded waits, as a user's client sends them. */
public final class Http {

    public static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Http() {
    }

    public static HttpClient client() {
        return CLIENT;
    }

    /** {@code GET url} with {@code headers} ({@code name, value, ...}). */
    public static HttpResponse<String> get(String url, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).headers(headers(headers)).GET().build());
    }

    /** {@code POST url} of a JSON body, with {@code headers} ({@code name, value, ...}). */
    public static HttpResponse<String> postJson(String url, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).header("Content-Type", "application/json")
                .headers(headers(headers)).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String[] headers(String[] pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("headers come as name, value pairs");
        }
        return pairs.length == 0 ? new String[] {"User-Agent", "logquery-testkit"} : pairs;
    }
}
