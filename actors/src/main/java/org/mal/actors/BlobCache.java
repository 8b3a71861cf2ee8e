package org.mal.actors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.mal.engine.BlobFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker node's own folder of blobs (issue 22): {@code <dir>/<sha256>} holds the bytes whose
 * SHA-256 is its name. {@link #file} checks a file's hash every time it is asked for one (it is
 * asked only when a workbench reads the model from disk, not for models it holds in memory), and a
 * file that does not match is logged, deleted and fetched again; a file it lacks is fetched by the
 * node's {@link BlobFetcher} from the source the work item names. Scratch files of transfers a killed
 * process left behind are deleted when the cache opens (those of live processes are left alone, so
 * two nodes may share a folder). Nothing here evicts: the folder grows with the distinct models the
 * node has used.
 */
public final class BlobCache {
    private static final Logger LOG = LoggerFactory.getLogger(BlobCache.class);

    /** Suffix of scratch files: {@code <sha>.<pid>-<n>.part}. */
    static final String PART = ".part";

    /** A blob could not be had; the message names it and says why. */
    public static final class FetchFailed extends IOException {
        FetchFailed(String message) { super(message); }
    }

    private final Path dir;
    private final ActorRef<BlobFetcher.Command> fetcher;
    private final Duration wait;

    /**
     * @param wait how long {@link #file} waits for a fetch at most (the fetcher's own patience fails a
     *     stalled transfer sooner)
     */
    public BlobCache(Path dir, ActorRef<BlobFetcher.Command> fetcher, Duration wait) throws IOException {
        this.dir = dir;
        this.fetcher = fetcher;
        this.wait = wait;
        Files.createDirectories(dir);
        sweep(dir);
    }

    public Path dir() { return dir; }

    /** The blob files of this cache, fetched from {@code source} when missing. */
    public BlobFiles from(ActorRef<BlobServer.Command> source) { return (sha, what) -> file(sha, what, source); }

    /** A local file holding blob {@code sha256}, checked now; fetched from {@code source} if absent or damaged. */
    public Path file(String sha256, String what, ActorRef<BlobServer.Command> source) throws IOException {
        if (!sha256.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a blob name (hex SHA-256): '" + sha256 + "'");
        Path file = dir.resolve(sha256);
        if (Files.isRegularFile(file)) {
            String actual = BlobCatalog.sha256(file);
            if (actual.equals(sha256)) return file;
            LOG.warn("blob {} ({}) in {} is damaged: its bytes hash to {}; deleting it and fetching it again", sha256, what, file, actual);
            Files.deleteIfExists(file);
        }
        CompletableFuture<Path> done = new CompletableFuture<>();
        fetcher.tell(new BlobFetcher.Fetch(sha256, what, source, done));
        try {
            return done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw new FetchFailed(io.getMessage());
            throw new FetchFailed("fetching blob " + sha256 + " (" + what + ") failed: " + c);
        } catch (TimeoutException e) {
            throw new FetchFailed("blob " + sha256 + " (" + what + ") did not arrive within " + wait.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchFailed("interrupted while fetching blob " + sha256 + " (" + what + ")");
        }
    }

    /** Deletes scratch files whose process is gone (a kill mid-transfer); returns how many. */
    static int sweep(Path dir) throws IOException {
        int deleted = 0;
        try (var s = Files.list(dir)) {
            for (Path f : s.toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(PART)) continue;
                int dot = name.indexOf('.');
                int dash = name.lastIndexOf('-');
                long pid = -1;
                try {
                    pid = Long.parseLong(name.substring(dot + 1, dash));
                } catch (RuntimeException e) {
                    // not one of ours by name: a scratch file all the same
                }
                if (pid > 0 && pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                if (Files.deleteIfExists(f)) deleted++;
            }
        }
        if (deleted > 0) LOG.info("deleted {} unfinished blob transfers in {} (left by a killed process)", deleted, dir);
        return deleted;
    }
}
