package dev.logquery.benchmark;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JDK Flight Recorder profile of a forked JVM ({@code jcmd <pid> JFR.start ... settings=profile}) and what a
 * flame graph's reader looks at first: the methods most often on top of the sampled stacks (self time) and the
 * project's own methods most often anywhere on them (total time), as shares of the samples.
 */
final class JfrProfile {

    private JfrProfile() {
    }

    /** Starts a recording of {@code seconds} on {@code pid} into {@code file}; it stops and writes by itself. */
    static void start(long pid, int seconds, File file) throws Exception {
        file.getAbsoluteFile().getParentFile().mkdirs();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(pid), "JFR.start", "name=logquery-profile",
                "settings=profile", "duration=" + seconds + "s", "filename=" + file.getAbsolutePath())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd JFR.start on " + pid + " failed: " + out);
        }
    }

    /** Waits until the recording's file is complete (readable), at most {@code timeout}. */
    static void awaitWritten(File file, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            if (file.length() > 0) {
                try {
                    RecordingFile.readAllEvents(file.toPath());
                    return;
                } catch (Exception stillWriting) {
                    // read again below
                }
            }
            Thread.sleep(500); // holds the polling of a file another process writes
        }
        throw new IllegalStateException(file + " not written within " + timeout);
    }

    /** The top {@code n} self and total frames of the execution samples in {@code file}, as printable lines. */
    static List<String> top(File file, int n) throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file.toPath())) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            samples++;
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String name = name(f);
                if (name.startsWith("dev.logquery.") && seen.add(name)) {
                    total.merge(name, 1, Integer::sum);
                }
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  %,d execution samples; self (top of stack):", samples));
        lines.addAll(ranked(self, samples, n));
        lines.add("  total (anywhere on the stack), the project's own methods:");
        lines.addAll(ranked(total, samples, n));
        return lines;
    }

    private static List<String> ranked(Map<String, Integer> counts, int samples, int n) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .map(e -> String.format(Locale.ROOT, "    %5.1f%%  %s", 100.0 * e.getValue() / Math.max(1, samples),
                        e.getKey()))
                .toList();
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
