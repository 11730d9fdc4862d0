package dev.logquery.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import redis.embedded.RedisExecProvider;

/**
 * Puts a {@code redis-server} executable where {@code setup.sh} runs it from:
 *
 * <pre>java -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.RedisBinary .run/redis/bin</pre>
 *
 * <p>The binary is the one {@code org.signal:embedded-redis} carries for this operating system and
 * architecture (Redis {@value RedisExecProvider#redisVersion}; Linux and macOS, amd64 and arm64), so Redis
 * needs nothing installed. It is copied once to {@code <dir>/redis-server-<version>}; later calls find it
 * there. Prints the executable's absolute path. Exit status 0 on success, 1 when this platform has no
 * binary or the copy failed, 2 on bad usage.
 */
public final class RedisBinary {

    private RedisBinary() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: RedisBinary <directory>");
            System.exit(2);
        }
        try {
            System.out.println(install(Path.of(args[0])));
        } catch (IOException | RuntimeException e) {
            System.err.println("no redis-server for this platform (" + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "): " + e);
            System.exit(1);
        }
    }

    /** The path of the executable in {@code directory}, copied there first if it is not yet. */
    static Path install(Path directory) throws IOException {
        Path target = directory.resolve("redis-server-" + RedisExecProvider.redisVersion).toAbsolutePath();
        if (Files.isExecutable(target)) {
            return target;
        }
        Files.createDirectories(directory);
        // The provider extracts the binary to a temporary file; move it into place in one step, so a
        // concurrent or interrupted call never leaves a half-written executable under the final name.
        File extracted = RedisExecProvider.defaultProvider().get();
        Path partial = Files.createTempFile(directory, "redis-server", ".partial");
        try {
            Files.copy(extracted.toPath(), partial, StandardCopyOption.REPLACE_EXISTING);
            if (!partial.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + partial + " executable");
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
            Files.deleteIfExists(extracted.toPath());
        }
        return target;
    }
}
