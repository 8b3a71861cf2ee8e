package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Model;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchSettings;
import org.mal.engine.Workbench;
import org.slf4j.LoggerFactory;

/**
 * The blob transfer of issue 22 in one JVM, every message but the local {@link BlobFetcher.Fetch}
 * through Jackson CBOR (serialize-messages is on): chunking, the hash checks, a chunk damaged in
 * transit (a relay between server and fetcher flips a byte) asked for again, a whole that never
 * hashes to its name and a missing blob failing with the blob's name, a damaged file in a node's
 * folder fetched again (also through a workbench), and scratch files of a killed transfer deleted.
 */
class BlobTransferTest {
    static final ActorTestKit kit = ActorTestKit.create("blob-test",
            ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
    static final AtomicInteger names = new AtomicInteger();
    static final int CHUNK = 1000;

    @TempDir Path dir;
    private ListAppender<ILoggingEvent> logged;

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @BeforeEach
    void listen() {
        logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(BlobFetcher.class)).addAppender(logged);
        ((Logger) LoggerFactory.getLogger(BlobFetcher.class)).setLevel(ch.qos.logback.classic.Level.INFO);   // the line of a finished transfer
        ((Logger) LoggerFactory.getLogger(BlobCache.class)).addAppender(logged);
    }

    @AfterEach
    void unlisten() {
        ((Logger) LoggerFactory.getLogger(BlobFetcher.class)).detachAppender(logged);
        ((Logger) LoggerFactory.getLogger(BlobFetcher.class)).setLevel(null);
        ((Logger) LoggerFactory.getLogger(BlobCache.class)).detachAppender(logged);
    }

    private boolean loggedLine(String... parts) {
        return logged.list.stream().anyMatch(e -> List.of(parts).stream().allMatch(p -> e.getFormattedMessage().contains(p)));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Path file(String name, byte[] bytes) throws Exception {
        Path f = dir.resolve("source").resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        return f;
    }

    private BlobCache cache(String node, BlobFetcher.Settings settings) throws Exception {
        var fetcher = kit.spawn(BlobFetcher.create(dir.resolve(node), settings), "fetcher-" + names.incrementAndGet());
        return new BlobCache(dir.resolve(node), fetcher, Duration.ofSeconds(30));
    }

    /** Patience long enough that a loaded machine never makes the fetcher ask for a chunk twice (the tests count requests). */
    private static final BlobFetcher.Settings PATIENT = BlobFetcher.Settings.DEFAULT.withPatience(Duration.ofSeconds(30));

    /** Between fetcher and server: counts requests per chunk and passes each answer through {@code tamper}. */
    private static Behavior<BlobServer.Command> relay(ActorRef<BlobServer.Command> server, UnaryOperator<BlobFetcher.Reply> tamper,
                                                       Map<Integer, Integer> asked) {
        return Behaviors.setup(ctx -> Behaviors.receive(BlobServer.Command.class)
                .onMessage(BlobServer.GetChunk.class, g -> {
                    asked.merge(g.index(), 1, Integer::sum);
                    ActorRef<BlobFetcher.Reply> back = ctx.spawnAnonymous(Behaviors.receive(BlobFetcher.Reply.class)
                            .onAnyMessage(r -> {
                                g.replyTo().tell(tamper.apply(r));
                                return Behaviors.stopped();
                            }).build());
                    server.tell(new BlobServer.GetChunk(g.blob(), g.index(), back));
                    return Behaviors.same();
                }).build());
    }

    private static BlobFetcher.Chunk flipped(BlobFetcher.Chunk c, boolean rehash) {
        byte[] d = c.data().clone();
        d[d.length / 2] ^= 0x40;
        String sha = rehash ? java.util.HexFormat.of().formatHex(org.mal.core.Sha256.digest().digest(d)) : c.sha256();
        return new BlobFetcher.Chunk(c.blob(), c.index(), c.count(), c.length(), c.offset(), sha, d);
    }

    @Test
    void aBlobArrivesInChunksAndIsKeptUnderItsHash() throws Exception {
        byte[] bytes = random(10 * CHUNK + 345, 1);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(file("m.safetensors", bytes));
        Map<Integer, Integer> asked = new ConcurrentHashMap<>();
        var server = kit.spawn(relay(kit.spawn(BlobServer.create(catalog, CHUNK)), r -> r, asked));
        BlobCache cache = cache("node", PATIENT);

        Path got = cache.file(sha, "zoo model m", server);
        assertArrayEquals(bytes, Files.readAllBytes(got));
        assertEquals(dir.resolve("node").resolve(sha), got, "kept under its SHA-256");
        assertEquals(11, asked.size(), "11 chunks of at most " + CHUNK + " bytes");
        assertTrue(asked.values().stream().allMatch(n -> n == 1), "each chunk asked for once: " + asked);
        try (var files = Files.list(dir.resolve("node"))) {
            assertEquals(List.of(got), files.toList(), "no scratch file left");
        }
        assertTrue(loggedLine(sha, "10345 bytes in 11 chunks"), "a line says what arrived");

        asked.clear();
        assertEquals(got, cache.file(sha, "zoo model m", server));
        assertTrue(asked.isEmpty(), "a blob the node has intact is not fetched again");
    }

    @Test
    void aChunkDamagedInTransitIsAskedForAgain() throws Exception {
        byte[] bytes = random(5 * CHUNK, 2);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(file("m.safetensors", bytes));
        Map<Integer, Integer> asked = new ConcurrentHashMap<>();
        AtomicInteger damaged = new AtomicInteger();
        var server = kit.spawn(relay(kit.spawn(BlobServer.create(catalog, CHUNK)),
                r -> r instanceof BlobFetcher.Chunk c && c.index() == 3 && damaged.getAndIncrement() == 0 ? flipped(c, false) : r, asked));

        Path got = cache("node", PATIENT).file(sha, "zoo model m", server);
        assertArrayEquals(bytes, Files.readAllBytes(got));
        assertEquals(2, damaged.get(), "chunk 3 passed the relay twice");
        assertEquals(2, asked.get(3), "the damaged chunk was asked for again");
        assertTrue(asked.entrySet().stream().allMatch(e -> e.getKey() == 3 || e.getValue() == 1), "and only that one: " + asked);
        assertTrue(loggedLine("blob " + sha, "chunk 3 of 5 arrived damaged", "asking for it again"), "the log names the blob and the chunk");
    }

    @Test
    void aBlobWhoseWholeNeverHashesToItsNameFailsNamingIt() throws Exception {
        byte[] bytes = random(3 * CHUNK, 3);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(file("m.safetensors", bytes));
        Map<Integer, Integer> asked = new ConcurrentHashMap<>();
        // chunk 1 is changed together with its hash: every chunk checks, the whole does not
        var server = kit.spawn(relay(kit.spawn(BlobServer.create(catalog, CHUNK)),
                r -> r instanceof BlobFetcher.Chunk c && c.index() == 1 ? flipped(c, true) : r, asked));

        BlobCache cache = cache("node", PATIENT);
        var e = assertThrows(BlobCache.FetchFailed.class, () -> cache.file(sha, "zoo model m", server));
        assertTrue(e.getMessage().contains("blob " + sha + " (zoo model m)") && e.getMessage().contains("fetched 3 times"), e.getMessage());
        assertEquals(3, asked.get(0), "the whole was fetched 3 times");
        assertTrue(loggedLine("blob " + sha, "fetching it again"));
        try (var files = Files.list(dir.resolve("node"))) {
            assertEquals(0, files.count(), "nothing kept under the blob's name, no scratch file");
        }
    }

    @Test
    void aMissingBlobFailsWithAnErrorNamingIt() throws Exception {
        var server = kit.spawn(BlobServer.create(new BlobCatalog(null, dir.resolve("served")), CHUNK));
        String absent = "ab".repeat(32);
        var e = assertThrows(BlobCache.FetchFailed.class, () -> cache("node", PATIENT).file(absent, "assembly h1", server));
        assertTrue(e.getMessage().contains("blob " + absent) && e.getMessage().contains("neither a zoo file"), e.getMessage());

        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        Path f = file("gone.safetensors", random(100, 4));
        String sha = catalog.zooFile(f);
        Files.delete(f);
        var server2 = kit.spawn(BlobServer.create(catalog, CHUNK));
        var gone = assertThrows(BlobCache.FetchFailed.class, () -> cache("node2", PATIENT).file(sha, "zoo model gone", server2));
        assertTrue(gone.getMessage().contains("blob " + sha) && gone.getMessage().contains("which is gone"), gone.getMessage());
    }

    @Test
    void aDamagedFileInANodesFolderIsFetchedAgain() throws Exception {
        byte[] bytes = random(4 * CHUNK + 1, 5);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(file("m.safetensors", bytes));
        Map<Integer, Integer> asked = new ConcurrentHashMap<>();
        var server = kit.spawn(relay(kit.spawn(BlobServer.create(catalog, CHUNK)), r -> r, asked));
        BlobCache cache = cache("node", PATIENT);
        Path got = cache.file(sha, "zoo model m", server);
        byte[] onDisk = Files.readAllBytes(got);
        onDisk[7] ^= 1;   // a bit flipped on the node's disk
        Files.write(got, onDisk);

        asked.clear();
        assertArrayEquals(bytes, Files.readAllBytes(cache.file(sha, "zoo model m", server)));
        assertEquals(5, asked.size(), "fetched again in full");
        assertTrue(loggedLine("blob " + sha, "is damaged", "fetching it again"), "the log names the blob");
    }

    /** A worker's workbench whose model file in the node's folder was damaged reads the model again, fetched anew. */
    @Test
    void aWorkbenchWhoseCachedModelFileIsDamagedFetchesItAgain() throws Exception {
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        Path modelFile = zoo.fileOf(SearchFixture.BASE);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(modelFile);
        var server = kit.spawn(BlobServer.create(catalog));
        BlobCache cache = cache("node", BlobFetcher.Settings.DEFAULT);
        SearchSettings.Evaluation ev = new SearchSettings.Evaluation(5, 50, 0.05, false);
        Model direct = new Workbench(zoo, dir.resolve("a"), null, SearchFixture.TASK_FN, ev, 1).zooModel(SearchFixture.BASE);

        Workbench first = new Workbench(new Zoo(cache.dir()), cache.dir(), null, SearchFixture.TASK_FN, ev, 1, false, Workbench.CACHE_BYTES,
                cache.from(server));
        assertEquals(direct.contentHash(), first.zooModel(SearchFixture.BASE, sha).contentHash());
        byte[] onDisk = Files.readAllBytes(cache.dir().resolve(sha));
        onDisk[onDisk.length - 3] ^= 0x10;   // in the weights
        Files.write(cache.dir().resolve(sha), onDisk);

        Workbench restarted = new Workbench(new Zoo(cache.dir()), cache.dir(), null, SearchFixture.TASK_FN, ev, 1, false,
                Workbench.CACHE_BYTES, cache.from(server));
        assertEquals(direct.contentHash(), restarted.zooModel(SearchFixture.BASE, sha).contentHash(), "the model's weights, not the damaged ones");
        assertTrue(loggedLine("blob " + sha, "zoo model " + SearchFixture.BASE, "is damaged"));
        assertArrayEquals(Files.readAllBytes(modelFile), Files.readAllBytes(cache.dir().resolve(sha)));
    }

    @Test
    void aKilledTransferLeavesOnlyAScratchFileThatTheNextStartDeletes() throws Exception {
        Path node = Files.createDirectories(dir.resolve("node"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path dead = Files.write(node.resolve("ab".repeat(32) + "." + gone.pid() + "-1" + BlobCache.PART), random(10, 6));
        long live = ProcessHandle.current().parent().orElseThrow().pid();
        Path alive = Files.write(node.resolve("cd".repeat(32) + "." + live + "-1" + BlobCache.PART), random(10, 7));
        Path kept = Files.write(node.resolve("ef".repeat(32)), random(10, 8));
        cache("node", PATIENT);
        assertFalse(Files.exists(dead), "a dead process's unfinished transfer is deleted");
        assertTrue(Files.exists(alive), "a live process's is left alone (another node may share the folder)");
        assertTrue(Files.exists(kept), "finished blobs are kept");
    }

    @Test
    void aRateLimitSpreadsATransferOverTime() throws Exception {
        byte[] bytes = random(8 * CHUNK, 9);
        BlobCatalog catalog = new BlobCatalog(null, dir.resolve("served"));
        String sha = catalog.zooFile(file("m.safetensors", bytes));
        var server = kit.spawn(BlobServer.create(catalog, CHUNK));
        long t0 = System.nanoTime();
        Path got = cache("node", PATIENT.withBytesPerSecond(20_000)).file(sha, "zoo model m", server);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertArrayEquals(bytes, Files.readAllBytes(got));
        assertTrue(seconds >= 0.3, "8,000 bytes at 20,000 B/s: the last chunk is asked for after 0.35 s, took " + seconds);
    }
}
