package dev.logquery.testkit;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One logquery application (a partition node or a coordinator) on a fixed port, in this JVM or forked into a JVM
 * of its own (which a test can kill like a crashed machine). It is started by class name from the test's
 * classpath, so the test kit depends on no application. A restart keeps the port, so the URLs others were
 * configured with still find it.
 */
public final class App implements AutoCloseable {

    private static final Duration FORKED_READY = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String name;
    private final String mainClass;
    private final List<String> args;
    private final int port;
    private final boolean forked;
    private ConfigurableApplicationContext context;
    private Process process;

    App(String name, String mainClass, int port, List<String> properties, boolean forked) {
        this.name = name;
        this.mainClass = mainClass;
        this.port = port;
        this.forked = forked;
        List<String> a = new ArrayList<>();
        a.add("--server.port=" + port);
        properties.forEach(p -> a.add("--" + p));
        this.args = List.copyOf(a);
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    /** {@code http://localhost:port}. */
    public String url() {
        return "http://localhost:" + port;
    }

    public boolean forked() {
        return forked;
    }

    public File log() {
        return new File("target/" + name + ".log");
    }

    /** Starts it (if it is not running) and returns once it serves HTTP. */
    public synchronized App start() throws Exception {
        if (forked) {
            if (process == null || !process.isAlive()) {
                String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), mainClass));
                command.addAll(args);
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log())).start();
                Await.until(FORKED_READY, name + " serves HTTP (log: " + log() + ")", this::answers);
            }
        } else if (context == null) {
            context = new SpringApplicationBuilder(Class.forName(mainClass)).run(args.toArray(String[]::new));
        }
        return this;
    }

    /** Stops it the way an operator would: a graceful close, or SIGTERM for a forked one. */
    public synchronized void stop() throws Exception {
        if (context != null) {
            context.close();
            context = null;
        }
        if (process != null) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    /** Kills a forked application at once (SIGKILL), as a machine that dies; the process has ended on return. */
    public synchronized void kill() throws Exception {
        if (!forked) {
            throw new IllegalStateException(name + " runs in this JVM; fork it to kill it");
        }
        if (process != null) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    public synchronized boolean running() {
        return context != null || process != null && process.isAlive();
    }

    /** The Spring context of an application running in this JVM. */
    public synchronized ConfigurableApplicationContext context() {
        if (context == null) {
            throw new IllegalStateException(name + (forked ? " is forked" : " is not running"));
        }
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context().getBean(type);
    }

    /** Whether anything answers HTTP on its port (any status). */
    public boolean answers() {
        try {
            HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/actuator/health")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        if (forked && process != null) {
            kill();
        } else {
            stop();
        }
    }
}
