package dev.logquery.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a forked application's JVM starts: its options and what it runs. Tests run the main class from their own
 * classpath with {@link #TEST}'s options, a small heap and the C1 compiler only, which start a Spring Boot
 * application in seconds. A benchmark measures the system as deployed: the application's runnable jar with the heap
 * and collector it names and both JIT compilers ({@link #runnableJar}). The jar brings the application's own
 * dependencies and its own {@code application.yml}: one classpath holding a node and a coordinator could not give
 * each its own, since the first {@code application.yml} on the classpath is the only one Spring Boot reads.
 *
 * @param options the JVM's options ({@code -Xmx512m}, {@code -XX:+UseG1GC})
 * @param jar     the runnable jar to run, or null to run the main class from this JVM's classpath
 */
public record Jvm(List<String> options, Path jar) {

    /** The tests' JVM: a 256 MiB heap and C1 only, on this JVM's classpath. */
    public static final Jvm TEST = new Jvm(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), null);

    public Jvm {
        options = List.copyOf(options);
    }

    /** {@code java <options> -jar <jar>}: the application as deployed, its manifest names the main class. */
    public static Jvm runnableJar(Path jar, String... options) {
        return new Jvm(List.of(options), jar);
    }

    /** The command line up to the application's arguments. */
    List<String> command(String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        if (jar != null) {
            command.add("-jar");
            command.add(jar.toString());
        } else {
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        }
        return command;
    }
}
