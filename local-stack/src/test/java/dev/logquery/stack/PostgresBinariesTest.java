package dev.logquery.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PostgresBinaries} on an empty cache, on a cache that an interrupted unpack left half-written, and on a
 * complete one. Real archive (the binaries jar on the class path), real unpack.
 */
class PostgresBinariesTest {

    @TempDir
    Path cache;

    @Test
    void unpacksIntoTheDirectoryZonkyLooksForWithItsMarkerAndRunnableBinaries() throws Exception {
        Path dir = PostgresBinaries.prepare(cache);

        assertThat(dir.getFileName().toString()).isEqualTo("PG-" + PostgresBinaries.archiveDigest());
        assertThat(dir.resolve(".exists")).isRegularFile();
        for (String name : PostgresBinaries.REQUIRED) {
            assertThat(Files.isExecutable(dir.resolve("bin").resolve(name))).as("bin/%s executable", name).isTrue();
        }
        Process version = new ProcessBuilder(dir.resolve("bin/postgres").toString(), "--version")
                .redirectErrorStream(true).start();
        String out = new String(version.getInputStream().readAllBytes());
        assertThat(version.waitFor()).isZero();
        assertThat(out).startsWith("postgres (PostgreSQL)");
        try (Stream<Path> entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString()))
                    .as("no temporary directory left behind").containsExactlyInAnyOrder(".lock", dir.getFileName().toString());
        }
    }

    @Test
    void redoesAnUnpackThatWasInterruptedMidWay() throws Exception {
        // What a killed unpack leaves: the target directory with some files and no marker, and our temp directory.
        Path half = cache.resolve("PG-" + PostgresBinaries.archiveDigest());
        Files.createDirectories(half.resolve("lib"));
        Files.writeString(half.resolve("lib/libicudata.so"), "truncated");
        Files.createDirectories(cache.resolve(".unpacking-123/bin"));

        Path dir = PostgresBinaries.prepare(cache);

        assertThat(dir).isEqualTo(half);
        assertThat(PostgresBinaries.isComplete(dir)).isTrue();
        assertThat(Files.size(dir.resolve("lib/libicudata.so"))).isGreaterThan(1_000_000);
        assertThat(cache.resolve(".unpacking-123")).doesNotExist();
    }

    @Test
    void aCompleteCacheIsLeftAlone() throws Exception {
        Path dir = PostgresBinaries.prepare(cache);
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(dir.resolve(".exists"), old);

        assertThat(PostgresBinaries.prepare(cache)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(dir.resolve(".exists"))).isEqualTo(old);
    }

    @Test
    void aDirectoryMissingAnExecutableIsNotComplete() throws Exception {
        Path dir = PostgresBinaries.prepare(cache);
        Files.delete(dir.resolve("bin/pg_ctl"));

        assertThat(PostgresBinaries.isComplete(dir)).isFalse();
        assertThat(PostgresBinaries.isComplete(PostgresBinaries.prepare(cache))).isTrue();
    }
}
