package org.mal.actors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Fetches blobs from a {@link BlobServer} into a node's own folder (issue 22): it asks for chunks a
 * window at a time, checks each chunk's SHA-256 (a damaged one is asked for again, with a log line
 * naming the blob and the chunk), writes them at their offsets into a scratch file
 * ({@code <sha>.<pid>-<n>.part}), and when all have come checks the whole file's SHA-256 against
 * the blob's name before moving it atomically to {@code <sha>}: a file under a blob's name always
 * holds its bytes, and a kill mid-transfer leaves only a scratch file ({@link BlobCache} deletes it
 * on the next start). A whole that does not hash to its name is fetched again; a blob the server
 * does not have fails at once with the server's reason. Requests for a blob already on its way wait
 * for the same transfer. Its path is {@code /user/}{@value #NAME}, which {@link ClusterSetup}
 * routes on Artery's large-message lane.
 *
 * <p>Files are written and hashed here: it runs on a blocking dispatcher.
 */
public final class BlobFetcher extends AbstractBehavior<BlobFetcher.Command> {
    /** The fetcher's name under the node's guardian (its path is {@code /user/blob-fetcher}). */
    public static final String NAME = "blob-fetcher";

    /**
     * @param window chunks asked for and not yet answered, at most
     * @param patience how long without a chunk before the outstanding ones are asked for again
     * @param silences how many such silences in a row before the transfer fails
     * @param chunkTries how many times a damaged chunk is asked for before the transfer fails
     * @param wholeTries how many times the whole blob is fetched when it does not hash to its name
     * @param bytesPerSecond at most this rate per transfer (0: no limit), for links that must not be filled
     */
    public record Settings(int window, Duration patience, int silences, int chunkTries, int wholeTries, long bytesPerSecond) {
        public static final Settings DEFAULT = new Settings(4, Duration.ofSeconds(20), 3, 3, 3, 0);

        public Settings withBytesPerSecond(long rate) { return new Settings(window, patience, silences, chunkTries, wholeTries, rate); }

        public Settings withPatience(Duration p) { return new Settings(window, p, silences, chunkTries, wholeTries, bytesPerSecond); }
    }

    public sealed interface Command {}

    /** Fetch {@code blob} from {@code source} into this node's folder; {@code done} completes with its file or the reason it failed. Local only. */
    public record Fetch(String blob, String what, ActorRef<BlobServer.Command> source, CompletableFuture<Path> done)
            implements Command, NoSerializationVerificationNeeded {}

    /** A server's answer. */
    public sealed interface Reply extends Command, WireMessage {}

    /** Chunk {@code index} of {@code count} of a blob of {@code length} bytes: {@code data}, at {@code offset}, whose SHA-256 is {@code sha256}. */
    public record Chunk(String blob, int index, int count, long length, long offset, String sha256, byte[] data) implements Reply {}

    /** The server cannot give {@code blob}: {@code reason} says why. */
    public record Missing(String blob, String reason) implements Reply {}

    private record Silence(String blob, long heard) implements Command {}

    private record Pace(String blob) implements Command {}

    /** What was fetched, for the measurements of RESULTS §33. */
    public static final AtomicLong CHUNKS_RECEIVED = new AtomicLong();
    public static final AtomicLong BYTES_RECEIVED = new AtomicLong();
    public static final AtomicLong CHUNKS_DAMAGED = new AtomicLong();

    private static final AtomicLong SCRATCH = new AtomicLong();

    private final class Transfer {
        final String blob;
        final String what;
        final ActorRef<BlobServer.Command> source;
        final List<CompletableFuture<Path>> waiters = new ArrayList<>();
        final Map<Integer, Integer> damaged = new HashMap<>();
        final Set<Integer> outstanding = new HashSet<>();
        final long started = System.nanoTime();
        int wholeTry = 1;
        Path part;
        FileChannel channel;
        int count = -1;
        long length = -1;
        int chunkLength = -1;
        BitSet received;
        int next;
        long heard;
        int silences;
        long paceStarted;
        long requestedBytes;
        int chunks;

        Transfer(String blob, String what, ActorRef<BlobServer.Command> source) {
            this.blob = blob;
            this.what = what;
            this.source = source;
        }

        String name() { return "blob " + blob + " (" + what + ")"; }
    }

    private final Path dir;
    private final Settings settings;
    private final TimerScheduler<Command> timers;
    private final ActorRef<Reply> self;
    private final Map<String, Transfer> transfers = new HashMap<>();

    private BlobFetcher(ActorContext<Command> ctx, TimerScheduler<Command> timers, Path dir, Settings settings) {
        super(ctx);
        this.timers = timers;
        this.dir = dir;
        this.settings = settings;
        this.self = ctx.getSelf().narrow();
    }

    public static Behavior<Command> create(Path dir, Settings settings) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new BlobFetcher(ctx, timers, dir, settings)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Fetch.class, this::onFetch)
                .onMessage(Chunk.class, this::onChunk)
                .onMessage(Missing.class, this::onMissing)
                .onMessage(Silence.class, this::onSilence)
                .onMessage(Pace.class, this::onPace)
                .build();
    }

    private Behavior<Command> onFetch(Fetch f) {
        Transfer t = transfers.get(f.blob());
        if (t != null) {
            t.waiters.add(f.done());
            return this;
        }
        t = new Transfer(f.blob(), f.what(), f.source());
        t.waiters.add(f.done());
        transfers.put(f.blob(), t);
        try {
            begin(t);
        } catch (IOException e) {
            fail(t, "cannot write " + t.name() + " into " + dir + ": " + e.getMessage());
        }
        return this;
    }

    /** (Re)starts a transfer from its first chunk, into a new scratch file. */
    private void begin(Transfer t) throws IOException {
        Files.createDirectories(dir);
        t.part = dir.resolve(t.blob + "." + ProcessHandle.current().pid() + "-" + SCRATCH.incrementAndGet() + BlobCache.PART);
        t.channel = FileChannel.open(t.part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        t.count = -1;
        t.received = null;
        t.damaged.clear();
        t.outstanding.clear();
        t.next = 1;
        t.requestedBytes = 0;
        t.paceStarted = System.nanoTime();
        ask(t, 0);   // the first answer says how many chunks there are
    }

    private void ask(Transfer t, int index) {
        t.outstanding.add(index);
        t.source.tell(new BlobServer.GetChunk(t.blob, index, self));
        timers.startSingleTimer(t.blob, new Silence(t.blob, t.heard), settings.patience());
        if (t.chunkLength > 0) t.requestedBytes += t.chunkLength;
    }

    /** Asks for more chunks while the window and the rate allow. */
    private void askMore(Transfer t) {
        while (t.next < t.count && t.outstanding.size() < settings.window()) {
            if (settings.bytesPerSecond() > 0) {
                long due = t.paceStarted + (long) (t.requestedBytes * 1e9 / settings.bytesPerSecond());
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    if (t.outstanding.isEmpty()) timers.startSingleTimer("pace " + t.blob, new Pace(t.blob), Duration.ofNanos(wait));
                    return;
                }
            }
            ask(t, t.next++);
        }
    }

    private Behavior<Command> onPace(Pace p) {
        Transfer t = transfers.get(p.blob());
        if (t != null) askMore(t);
        return this;
    }

    private Behavior<Command> onChunk(Chunk c) {
        Transfer t = transfers.get(c.blob());
        if (t == null || !t.outstanding.remove(c.index())) return this;   // a late duplicate, or a transfer that ended
        t.heard++;
        t.silences = 0;
        CHUNKS_RECEIVED.incrementAndGet();
        BYTES_RECEIVED.addAndGet(c.data().length);
        String problem = check(t, c);
        if (problem != null) {
            CHUNKS_DAMAGED.incrementAndGet();
            int tries = t.damaged.merge(c.index(), 1, Integer::sum);
            if (tries >= settings.chunkTries()) {
                fail(t, t.name() + ": chunk " + c.index() + " arrived damaged " + tries + " times (" + problem + ")");
                return this;
            }
            getContext().getLog().warn("{}: chunk {} of {} arrived damaged ({}); asking for it again", t.name(), c.index(), c.count(), problem);
            ask(t, c.index());
            return this;
        }
        if (t.count < 0) {
            t.count = c.count();
            t.length = c.length();
            t.chunkLength = c.data().length;
            t.requestedBytes = c.data().length;
            t.received = new BitSet(c.count());
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(c.data());
            while (buf.hasRemaining()) t.channel.write(buf, c.offset() + buf.position());
        } catch (IOException e) {
            fail(t, "cannot write " + t.name() + " into " + t.part + ": " + e.getMessage());
            return this;
        }
        t.received.set(c.index());
        t.chunks++;
        if (t.received.cardinality() == t.count) {
            finish(t);
        } else {
            askMore(t);
            timers.startSingleTimer(t.blob, new Silence(t.blob, t.heard), settings.patience());   // patience counts from the last chunk
        }
        return this;
    }

    /** Why a chunk cannot be taken, or null. */
    private static String check(Transfer t, Chunk c) {
        String sha = java.util.HexFormat.of().formatHex(org.mal.core.Sha256.digest().digest(c.data()));
        if (!sha.equals(c.sha256())) return "its bytes hash to " + sha + ", the server sent " + c.sha256();
        if (c.count() < 1 || c.index() >= c.count() || c.offset() < 0 || c.offset() + c.data().length > c.length()) {
            return "chunk " + c.index() + " of " + c.count() + " at " + c.offset() + " does not fit a blob of " + c.length() + " bytes";
        }
        if (t.count >= 0 && (c.count() != t.count || c.length() != t.length)) {
            return "it says the blob has " + c.count() + " chunks and " + c.length() + " bytes, chunk 0 said " + t.count + " and " + t.length;
        }
        return null;
    }

    private void finish(Transfer t) {
        String sha;
        try {
            t.channel.force(true);
            t.channel.close();
            sha = BlobCatalog.sha256(t.part);
        } catch (IOException e) {
            fail(t, "cannot finish " + t.name() + " in " + t.part + ": " + e.getMessage());
            return;
        }
        if (!sha.equals(t.blob)) {
            deleteQuietly(t.part);
            if (t.wholeTry >= settings.wholeTries()) {
                fail(t, t.name() + ": fetched " + t.wholeTry + " times, its bytes never hashed to its name (last: " + sha + ")");
                return;
            }
            getContext().getLog().warn("{}: the whole fetched blob hashes to {}; fetching it again", t.name(), sha);
            t.wholeTry++;
            try {
                begin(t);
            } catch (IOException e) {
                fail(t, "cannot write " + t.name() + " into " + dir + ": " + e.getMessage());
            }
            return;
        }
        Path file = dir.resolve(t.blob);
        try {
            Files.move(t.part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            fail(t, "cannot move " + t.part + " to " + file + ": " + e.getMessage());
            return;
        }
        end(t);
        getContext().getLog().info("{}: {} bytes in {} chunks in {} ms", t.name(), t.length, t.chunks,
                String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - t.started) / 1e6));
        for (CompletableFuture<Path> w : t.waiters) w.complete(file);
    }

    private Behavior<Command> onMissing(Missing m) {
        Transfer t = transfers.get(m.blob());
        if (t != null) fail(t, m.reason());
        return this;
    }

    private Behavior<Command> onSilence(Silence s) {
        Transfer t = transfers.get(s.blob());
        if (t == null || t.heard != s.heard()) return this;
        if (t.outstanding.isEmpty()) {   // waiting for the rate limit, not for the server
            timers.startSingleTimer(t.blob, new Silence(t.blob, t.heard), settings.patience());
            return this;
        }
        if (++t.silences >= settings.silences()) {
            fail(t, t.name() + ": no answer from " + t.source.path() + " in " + settings.silences() + " × " + settings.patience().toSeconds() + " s");
            return this;
        }
        getContext().getLog().warn("{}: no chunk for {} s; asking again for chunks {}", t.name(), settings.patience().toSeconds(), t.outstanding);
        for (int index : List.copyOf(t.outstanding)) ask(t, index);
        return this;
    }

    private void fail(Transfer t, String reason) {
        end(t);
        try {
            if (t.channel != null) t.channel.close();
        } catch (IOException e) {
            // the scratch file is deleted below or by the next start
        }
        if (t.part != null) deleteQuietly(t.part);
        getContext().getLog().warn("fetch failed: {}", reason);
        for (CompletableFuture<Path> w : t.waiters) w.completeExceptionally(new BlobCache.FetchFailed(reason));
    }

    private void end(Transfer t) {
        transfers.remove(t.blob);
        timers.cancel(t.blob);
        timers.cancel("pace " + t.blob);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for the next start's sweep
        }
    }
}
