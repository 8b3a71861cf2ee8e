package org.mal.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/**
 * Loads RocksDB's native library from a fixed per-user folder instead of a fresh temporary copy
 * per JVM. RocksDB's own loader unpacks its 16 MB library into {@code java.io.tmpdir} as
 * {@code librocksdbjni<random>.so} and deletes it only on a normal exit, so every {@code kill -9}
 * leaked one. Here the library is unpacked once into {@link #folder} (again only when the jar's
 * copy has another size) and loaded from there; copies that RocksDB's loader left in the
 * temporary folder by earlier JVMs are deleted.
 */
final class NativeLibrary {
    private NativeLibrary() {}

    /** How old a temporary copy must be before it counts as stale (a live JVM loads its copy within seconds). */
    static final Duration STALE_AFTER = Duration.ofMinutes(10);

    private static volatile Path loaded;

    /** Loads the library once per JVM; falls back to RocksDB's own loader if the cache folder cannot be used. */
    static synchronized void load() {
        if (loaded != null) return;
        Path dir = folder(System.getProperties(), System.getenv());
        try {
            Path file = unpack(dir);
            RocksDB.loadLibrary(List.of(dir.toString()));
            loaded = file;
        } catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
            RocksDB.loadLibrary();
        }
        deleteStaleCopies(Path.of(System.getProperty("java.io.tmpdir")), Instant.now());
    }

    /** The library file this JVM loaded, or null when RocksDB's own loader was used. */
    static Path loadedFile() { return loaded; }

    /**
     * The cache folder: system property {@code mal.native-cache} if set, else
     * {@code $XDG_CACHE_HOME/mal}, else {@code ~/.cache/mal}; then {@code rocksdbjni/<jar name>}, so
     * that two RocksDB versions never share a file.
     */
    static Path folder(java.util.Properties properties, Map<String, String> env) {
        String configured = properties.getProperty("mal.native-cache");
        Path root;
        if (configured != null && !configured.isBlank()) {
            root = Path.of(configured);
        } else if (env.get("XDG_CACHE_HOME") != null && !env.get("XDG_CACHE_HOME").isBlank()) {
            root = Path.of(env.get("XDG_CACHE_HOME"), "mal");
        } else {
            root = Path.of(properties.getProperty("user.home"), ".cache", "mal");
        }
        return root.resolve("rocksdbjni").resolve(jarName());
    }

    private static String jarName() {
        URL jar = RocksDB.class.getProtectionDomain().getCodeSource().getLocation();
        String name = Path.of(jar.getPath()).getFileName().toString();
        return name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
    }

    /**
     * Unpacks the library into {@code dir} under the name {@link RocksDB#loadLibrary(List)} looks
     * for, unless a file of the same size is there already. Written to a temporary file and moved,
     * so a JVM starting at the same time never sees half a library.
     */
    static Path unpack(Path dir) throws IOException {
        String resource = Environment.getJniLibraryFileName("rocksdb");
        URL url = RocksDB.class.getClassLoader().getResource(resource);
        if (url == null) throw new IOException("no " + resource + " in the rocksdbjni jar");
        Path file = dir.resolve(Environment.getJniLibraryFileName("rocksdbjni"));
        URLConnection connection = url.openConnection();
        long size = connection.getContentLengthLong();
        if (Files.isRegularFile(file) && Files.size(file) == size) return file;
        Files.createDirectories(dir);
        Path part = Files.createTempFile(dir, "unpacking", ".part");
        try (InputStream in = connection.getInputStream()) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
        return file;
    }

    /**
     * Deletes {@code librocksdbjni*.so} files in {@code tmp} older than {@link #STALE_AFTER}: copies
     * RocksDB's own loader left behind. A JVM still running from one keeps its mapping (on Linux a
     * deleted file lives on while it is mapped). Returns how many were deleted; failures are ignored.
     */
    static int deleteStaleCopies(Path tmp, Instant now) {
        FileTime cutoff = FileTime.from(now.minus(STALE_AFTER));
        int deleted = 0;
        try (Stream<Path> files = Files.list(tmp)) {
            for (Path f : files.filter(NativeLibrary::isTemporaryCopy).toList()) {
                try {
                    if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).compareTo(cutoff) < 0 && Files.deleteIfExists(f)) deleted++;
                } catch (IOException e) {
                    // another user's file, or gone already
                }
            }
        } catch (IOException e) {
            // no temporary folder to clean
        }
        return deleted;
    }

    private static boolean isTemporaryCopy(Path f) {
        String n = f.getFileName().toString();
        return n.startsWith("librocksdbjni") && n.endsWith(".so") && n.substring(13, n.length() - 3).chars().allMatch(Character::isDigit);
    }
}
