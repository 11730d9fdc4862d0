package dev.logquery.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * CPU time of a set of processes from {@code /proc/<pid>/stat} ({@code utime + stime}, in clock ticks of 10 ms),
 * to say how much CPU one query costs each side: the coordinator and node JVMs, and the PostgreSQL servers (a
 * server is its postmaster and every process it forked: backends, writer, WAL writer…, read anew at each
 * sample). A backend that ended between two samples takes its CPU with it; the benchmark's connections are
 * pooled and live across a cell. Linux only; elsewhere every figure is {@code -1}.
 */
final class CpuMeter {

    /** Clock ticks per second of {@code /proc/<pid>/stat}: 100 on Linux ({@code getconf CLK_TCK}). */
    private static final double TICKS_PER_SECOND = 100;

    private final List<Long> jvms;
    private final List<Long> postmasters;

    CpuMeter(List<Long> jvms, List<Long> postmasters) {
        this.jvms = List.copyOf(jvms);
        this.postmasters = List.copyOf(postmasters);
    }

    /** The postmaster of the server {@code c} is connected to: its backend's parent. */
    static long postmaster(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            long backend = rs.getLong(1);
            return ProcessHandle.of(backend).flatMap(p -> p.parent()).map(ProcessHandle::pid).orElse(-1L);
        }
    }

    /** CPU seconds so far: {@code [JVMs, PostgreSQL servers]}; -1 where it cannot be read. */
    double[] sample() {
        double jvm = 0;
        for (long pid : jvms) {
            jvm = add(jvm, ticks(pid));
        }
        double pg = 0;
        for (long pid : postmasters) {
            pg = add(pg, ticks(pid));
            ProcessHandle parent = ProcessHandle.of(pid).orElse(null);
            if (parent != null) {
                for (ProcessHandle child : parent.children().toList()) {
                    pg = add(pg, ticks(child.pid()));
                }
            }
        }
        return new double[] {jvm / TICKS_PER_SECOND, pg / TICKS_PER_SECOND};
    }

    private static double add(double sum, long ticks) {
        return sum < 0 || ticks < 0 ? -1 : sum + ticks;
    }

    /** {@code utime + stime} of {@code pid}; 0 when it has ended (its ticks are gone), -1 without /proc. */
    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the whole line
        } catch (java.nio.file.NoSuchFileException ended) {
            return 0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
