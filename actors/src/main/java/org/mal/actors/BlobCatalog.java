package org.mal.actors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.mal.store.MalStore;

/**
 * What the search's node can serve as blobs (issue 22), by the SHA-256 of their bytes: the zoo files
 * the coordinator has named in work items ({@link #zooFile}, hashed once per content, found again
 * by the hash), and the store's blobs (assemblies), each written once to a file in {@code served}
 * (a temporary name, then an atomic move) so that chunks are read from a file, not by re-reading
 * the store's 4 MiB chunks. Thread-safe: the coordinator registers, the blob server reads.
 */
public final class BlobCatalog {
    /** Files of store blobs kept in {@code served}; older ones are deleted (a step's base is what workers ask for). */
    static final int SERVED_KEPT = 8;

    private record Hashed(long size, long modified, String sha256) {}

    private final MalStore store;
    private final Path served;
    private final ConcurrentHashMap<Path, Hashed> byFile = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Path> zooBySha = new ConcurrentHashMap<>();

    /** @param store the search's store (its blobs are served); null: serve zoo files only */
    public BlobCatalog(MalStore store, Path served) {
        this.store = store;
        this.served = served;
    }

    /** The SHA-256 of a zoo file's bytes (hashed again only when its size or time changed), which it is then served under. */
    public String zooFile(Path file) throws IOException {
        Path f = file.toAbsolutePath().normalize();
        long size = Files.size(f);
        long modified = Files.getLastModifiedTime(f).toMillis();
        Hashed h = byFile.get(f);
        if (h == null || h.size() != size || h.modified() != modified) {
            h = new Hashed(size, modified, sha256(f));
            byFile.put(f, h);
        }
        zooBySha.put(h.sha256(), f);
        return h.sha256();
    }

    /** A blob the source does not have (or no longer has as named); the message says why. */
    public static final class MissingBlob extends IOException {
        MissingBlob(String message) { super(message); }
    }

    /** The local file whose bytes are blob {@code sha256}. */
    public Path file(String sha256) throws IOException {
        Path zoo = zooBySha.get(sha256);
        if (zoo != null) {
            Hashed h = byFile.get(zoo);
            try {
                if (h != null && h.sha256().equals(sha256) && Files.size(zoo) == h.size()
                        && Files.getLastModifiedTime(zoo).toMillis() == h.modified()) {
                    return zoo;
                }
            } catch (NoSuchFileException e) {
                throw new MissingBlob("blob " + sha256 + " was the zoo file " + zoo + ", which is gone");
            }
            if (store == null || !store.hasBlob(sha256)) {
                throw new MissingBlob("blob " + sha256 + " was the zoo file " + zoo + ", which has changed since");
            }
        }
        if (store != null && store.hasBlob(sha256)) return served(sha256);
        throw new MissingBlob("blob " + sha256 + " is neither a zoo file named in a work item nor in the store " + (store == null ? "" : store.directory()));
    }

    private Path served(String sha256) throws IOException {
        Path out = served.resolve(sha256);
        if (Files.isRegularFile(out)) return out;
        Files.createDirectories(served);
        Path tmp = Files.createTempFile(served, sha256, ".part");
        try {
            try (InputStream in = store.openBlob(sha256)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        forgetOld();
        return out;
    }

    /** Deletes all but the {@value #SERVED_KEPT} newest served files, and scratch files. */
    private void forgetOld() throws IOException {
        List<Path> files;
        try (var s = Files.list(served)) {
            files = s.filter(Files::isRegularFile).sorted(Comparator.comparingLong(BlobCatalog::modified).reversed()).toList();
        }
        for (int i = SERVED_KEPT; i < files.size(); i++) Files.deleteIfExists(files.get(i));
    }

    /** Deletes the served files (a search starting or resuming: a kill may have left some). */
    public void clear() throws IOException {
        if (!Files.isDirectory(served)) return;
        try (var s = Files.list(served)) {
            for (Path f : s.toList()) Files.deleteIfExists(f);
        }
    }

    private static long modified(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    /** The hex SHA-256 of a file's bytes. */
    static String sha256(Path file) throws IOException {
        var digest = org.mal.core.Sha256.digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) digest.update(buf, 0, n);
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }
}
