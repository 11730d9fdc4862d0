package dev.logquery.benchmark;

import dev.logquery.testkit.App;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Figures of a forked application's process from {@code /proc/<pid>/status}; -1 where /proc is not available. */
final class ProcStatus {

    private ProcStatus() {
    }

    /** Peak resident memory of the process (VmHWM), in bytes. */
    static long peakRssBytes(App app) {
        long kib = field(app, "VmHWM:");
        return kib < 0 ? -1 : kib * 1024;
    }

    /** Live threads of the process ({@code Threads:}). */
    static int threads(App app) {
        return (int) field(app, "Threads:");
    }

    private static long field(App app, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(app.pid()), "status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException | IllegalStateException e) {
            return -1;
        }
        return -1;
    }
}
