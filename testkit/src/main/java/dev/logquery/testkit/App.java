package dev.logquery.testkit;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
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
    /** How a forked one's JVM starts; null for one in this JVM. */
    private final Jvm jvm;
    private final File logs;
    private ConfigurableApplicationContext context;
    private Process process;

    App(String name, String mainClass, int port, List<String> properties, boolean forked) {
        this(name, mainClass, port, properties, forked ? Jvm.TEST : null, new File("target"));
    }

    /** Forked in {@code jvm} (in this JVM when null), writing its output into {@code logs} when forked. */
    App(String name, String mainClass, int port, List<String> properties, Jvm jvm, File logs) {
        this.name = name;
        this.mainClass = mainClass;
        this.port = port;
        this.forked = jvm != null;
        this.jvm = jvm;
        this.logs = logs;
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
        return new File(logs, name + ".log");
    }

    /** Starts it (if it is not running) and returns once it serves HTTP. */
    public synchronized App start() throws Exception {
        if (forked) {
            if (process == null || !process.isAlive()) {
                List<String> command = jvm.command(mainClass);
                command.addAll(args);
                java.nio.file.Files.createDirectories(log().getAbsoluteFile().toPath().getParent());
                process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log())).start();
                Process started = process;
                // A JVM that died while starting (a port taken, a bad property) fails the wait at once.
                Await.until(FORKED_READY, name + " serves HTTP (log: " + log() + ")", () -> {
                    if (!started.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + started.exitValue()
                                + " while starting; see " + log());
                    }
                    return answers();
                });
            }
        } else if (context == null) {
            context = new SpringApplicationBuilder(Class.forName(mainClass)).run(args.toArray(String[]::new));
        }
        return this;
    }

    /**
     * Stops it the way an operator would: a graceful close, or SIGTERM for a forked one. Closing a context in
     * this JVM disposes Reactor Netty's global event loops, which every other application in this JVM serves
     * on: a test that stops or restarts one node while others go on forks that node
     * ({@link ClusterBuilder#forked}) or uses {@link #stopServer()}.
     */
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

    /**
     * The process id of a running forked application, or of this JVM for one running in it: for figures read
     * from {@code /proc/<pid>/status} (threads, peak resident memory).
     */
    public synchronized long pid() {
        if (!forked) {
            return ProcessHandle.current().pid();
        }
        if (process == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return process.pid();
    }

    /**
     * Stops only the HTTP server of an application running in this JVM: nothing answers on its port any more
     * (connections are refused), while its context runs on (a node keeps consuming and storing). Closing the
     * whole context ({@link #stop()}) would also dispose Reactor Netty's global event loops and connection pool,
     * which the other applications in this JVM share; a test that needs one node unreachable while the
     * coordinator beside it goes on uses this, and {@link #startServer()} to bring it back.
     */
    public synchronized void stopServer() {
        webServer().stop();
    }

    /** Serves HTTP again, on the same port, after {@link #stopServer()}. */
    public synchronized void startServer() {
        webServer().start();
    }

    private WebServer webServer() {
        return ((WebServerApplicationContext) context()).getWebServer();
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
