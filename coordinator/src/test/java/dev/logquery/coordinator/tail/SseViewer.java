package dev.logquery.coordinator.tail;

import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.netty.http.client.HttpClient;

/**
 * A test viewer of {@code GET /api/tail} on Reactor Netty's event loop (no thread of its own). It parses
 * server-sent events as they arrive. A slow viewer reads only its first chunk until {@link #readOn()} is
 * called: it then asks for nothing, so its client stops reading the socket, and with a small receive buffer
 * the server soon cannot write to it. Text is decoded per chunk: the tests' lines are ASCII.
 */
public final class SseViewer {

    /** One event: {@code name} is {@code message}, {@code dropped}, ..., or {@code comment} for a comment line. */
    public record Event(String name, String id, String data) {
    }

    public final List<Event> events = new CopyOnWriteArrayList<>();
    private final StringBuilder pending = new StringBuilder();
    private final Reader reader;
    public volatile int status;
    public volatile Throwable error;
    public volatile boolean ended;

    private SseViewer(String url, boolean slow) {
        reader = new Reader(slow);
        HttpClient.create()
                .option(ChannelOption.SO_RCVBUF, slow ? 4096 : 256 * 1024)
                .get().uri(url)
                .response((response, body) -> {
                    status = response.status().code();
                    return body.asString(StandardCharsets.UTF_8);
                })
                .subscribe(reader);
    }

    public static SseViewer fast(String url) {
        return new SseViewer(url, false);
    }

    public static SseViewer slow(String url) {
        return new SseViewer(url, true);
    }

    /** A slow viewer starts reading everything. */
    public void readOn() {
        reader.request(Long.MAX_VALUE);
    }

    public void close() {
        reader.dispose();
    }

    public boolean connected() {
        return events.contains(new Event("comment", null, "connected"));
    }

    public List<Event> named(String name) {
        return events.stream().filter(e -> e.name().equals(name)).toList();
    }

    public List<Event> lines() {
        return named("message");
    }

    public long droppedTotal() {
        return named("dropped").stream().mapToLong(e -> Long.parseLong(e.data().replaceAll("\\D", ""))).sum();
    }

    /** Status, how the stream ended, and how many events of each kind came: for failure messages. */
    public String describe() {
        return "status " + status + ", ended " + ended + ", error " + error + ", events "
                + events.stream().collect(java.util.stream.Collectors.groupingBy(Event::name,
                java.util.stream.Collectors.counting()));
    }

    private synchronized void chunk(String text) {
        pending.append(text);
        int end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
            String frame = pending.substring(0, end);
            pending.delete(0, end + 2);
            events.add(parse(frame));
        }
    }

    static Event parse(String frame) {
        String name = "message";
        String id = null;
        List<String> data = new ArrayList<>();
        for (String line : frame.split("\n")) {
            if (line.startsWith(":")) {
                return new Event("comment", null, line.substring(1).strip());
            } else if (line.startsWith("event: ")) {
                name = line.substring(7);
            } else if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            } else {
                throw new AssertionError("not a server-sent event line: " + line);
            }
        }
        return new Event(name, id, String.join("\n", data));
    }

    private final class Reader extends BaseSubscriber<String> {
        private final boolean slow;

        Reader(boolean slow) {
            this.slow = slow;
        }

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            subscription.request(slow ? 1 : Long.MAX_VALUE);
        }

        @Override
        protected void hookOnNext(String value) {
            chunk(value);
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            error = throwable;
        }

        @Override
        protected void hookFinally(reactor.core.publisher.SignalType type) {
            ended = true;
        }
    }
}
