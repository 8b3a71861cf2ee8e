package org.mal.bench;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.actors.BlobCache;
import org.mal.actors.BlobCatalog;
import org.mal.actors.BlobFetcher;
import org.mal.actors.BlobServer;
import org.mal.actors.WireMessage;
import org.mal.core.Median;

/**
 * Blob transfer between two actor systems over Artery TCP on loopback (issue 22, RESULTS §33): the
 * time to fetch a blob of each size into an empty folder (median of {@code ROUNDS}), the messages it
 * takes, the time to fetch it again after a byte of the node's copy was flipped (detected by the hash
 * on the next read), and the round trip of small ordinary messages (a ping to the server's system)
 * while a large blob is on its way, against idle: whether blob chunks hold up ordinary messages. Run
 * once with the fetcher on Artery's large-message lane (as {@code ClusterSetup} configures every
 * node) and once without, in the same JVM one after the other.
 *
 * <p>Usage: {@code BlobBench [ROUNDS=3] [SIZES_MB=0.2,4,64]}.
 */
public final class BlobBench {
    private BlobBench() {}

    public record Ping(long sentNanos, ActorRef<Pong> replyTo) implements WireMessage {}

    public record Pong(long sentNanos) implements WireMessage {}

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        double[] sizes = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).mapToDouble(Double::parseDouble).toArray()
                : new double[] {0.2, 4, 64};
        Path work = Files.createTempDirectory("blob-bench");
        System.out.printf(Locale.ROOT, "blob transfer over Artery TCP on loopback, chunks of %d KiB, window %d; %d rounds; %d cores; load %s%n",
                BlobServer.CHUNK_BYTES >> 10, BlobFetcher.Settings.DEFAULT.window(), rounds, Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).trim());
        for (boolean largeLane : new boolean[] {true, false}) {
            System.out.println();
            System.out.println(largeLane ? "fetcher on the large-message lane (as ClusterSetup configures nodes):"
                    : "fetcher on the ordinary lane (large-message-destinations empty):");
            run(work.resolve(largeLane ? "large" : "ordinary"), largeLane, rounds, sizes);
        }
        CBORMapper cbor = new CBORMapper();
        String sha = "0".repeat(64);
        System.out.printf(Locale.ROOT, "%nCBOR bytes: GetChunk %d (+ the reply-to path), a chunk's header %d (+ its data)%n",
                cbor.writeValueAsBytes(Map.of("blob", sha, "index", 3)).length,
                cbor.writeValueAsBytes(Map.of("blob", sha, "index", 3, "count", 9, "length", 1_000_000L, "offset", 393216L, "sha256", sha,
                        "data", new byte[0])).length);
        System.exit(0);
    }

    private static Config config(boolean largeLane) {
        return ConfigFactory.empty()
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("remote"))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef("127.0.0.1"))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(0))
                .withValue("pekko.remote.artery.large-message-destinations",
                        ConfigValueFactory.fromIterable(largeLane ? List.of("/user/" + BlobFetcher.NAME) : List.of()))
                .withFallback(ConfigFactory.load());
    }

    private static void run(Path work, boolean largeLane, int rounds, double[] sizes) throws Exception {
        Path source = Files.createDirectories(work.resolve("source"));
        BlobCatalog catalog = new BlobCatalog(null, work.resolve("served"));
        CompletableFuture<ActorRef<BlobServer.Command>> serverRef = new CompletableFuture<>();
        CompletableFuture<ActorRef<Ping>> echoRef = new CompletableFuture<>();
        ActorSystem<Void> a = ActorSystem.create(Behaviors.<Void>setup(ctx -> {
            serverRef.complete(ctx.spawn(BlobServer.create(catalog), "blob-server", DispatcherSelector.blocking()));
            echoRef.complete(ctx.spawn(Behaviors.receive(Ping.class).onMessage(Ping.class, p -> {
                p.replyTo().tell(new Pong(p.sentNanos()));
                return Behaviors.same();
            }).build(), "echo"));
            return Behaviors.empty();
        }), "blob-a", config(largeLane));
        Path node = work.resolve("node");
        CompletableFuture<ActorRef<BlobFetcher.Command>> fetcherRef = new CompletableFuture<>();
        List<Long> rtts = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ActorRef<Pong>> pongRef = new CompletableFuture<>();
        ActorSystem<Void> b = ActorSystem.create(Behaviors.<Void>setup(ctx -> {
            fetcherRef.complete(ctx.spawn(BlobFetcher.create(node, BlobFetcher.Settings.DEFAULT), BlobFetcher.NAME, DispatcherSelector.blocking()));
            pongRef.complete(ctx.spawn(Behaviors.receive(Pong.class).onMessage(Pong.class, p -> {
                rtts.add(System.nanoTime() - p.sentNanos());
                return Behaviors.same();
            }).build(), "pong"));
            return Behaviors.empty();
        }), "blob-b", config(largeLane));
        try {
            ActorRefResolver ra = ActorRefResolver.get(a);
            ActorRefResolver rb = ActorRefResolver.get(b);
            ActorRef<BlobServer.Command> server = rb.resolveActorRef(ra.toSerializationFormat(serverRef.get()));
            ActorRef<Ping> echo = rb.resolveActorRef(ra.toSerializationFormat(echoRef.get()));
            BlobCache cache = new BlobCache(node, fetcherRef.get(), Duration.ofMinutes(10));
            ActorRef<Pong> pong = pongRef.get();
            // warm up the connection and the classes
            String warm = catalog.zooFile(Files.write(source.resolve("warm"), bytes(300_000, 0)));
            cache.file(warm, "warm-up", server);
            ping(echo, pong, rtts, 200, null);

            System.out.println("| blob MB | chunks | messages | fetch ms (median) | MB/s | refetch after a flipped byte, ms |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
            for (double mb : sizes) {
                int n = (int) (mb * 1e6);
                String sha = catalog.zooFile(Files.write(source.resolve("b" + mb), bytes(n, (long) (mb * 1000))));
                List<Double> ms = new ArrayList<>();
                List<Double> again = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    Files.deleteIfExists(node.resolve(sha));
                    long t0 = System.nanoTime();
                    Path f = cache.file(sha, "blob of " + mb + " MB", server);
                    ms.add((System.nanoTime() - t0) / 1e6);
                    byte[] d = Files.readAllBytes(f);
                    d[d.length / 2] ^= 1;
                    Files.write(f, d);
                    t0 = System.nanoTime();
                    cache.file(sha, "blob of " + mb + " MB", server);   // hash check fails, fetched again
                    again.add((System.nanoTime() - t0) / 1e6);
                }
                int chunks = (n + BlobServer.CHUNK_BYTES - 1) / BlobServer.CHUNK_BYTES;
                double med = Median.of(ms);
                System.out.printf(Locale.ROOT, "| %.1f | %d | %d | %.1f | %.1f | %.1f |%n", mb, chunks, 2 * chunks, med, mb / (med / 1000), Median.of(again));
            }
            // ordinary messages: idle, then while the largest blob travels
            double biggest = sizes[sizes.length - 1];
            String sha = catalog.zooFile(source.resolve("b" + biggest));
            List<Long> idle = ping(echo, pong, rtts, 200, null);
            Files.deleteIfExists(node.resolve(sha));
            CompletableFuture<Path> transfer = CompletableFuture.supplyAsync(() -> {
                try {
                    return cache.file(sha, "big", server);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            List<Long> busy = ping(echo, pong, rtts, 100_000, transfer);
            transfer.get(10, TimeUnit.MINUTES);
            System.out.printf(Locale.ROOT, "ping round trip (a small message to the server's system and back, one every 5 ms): idle median %.2f ms, "
                    + "p99 %.2f ms (%d); during the %.0f MB transfer median %.2f ms, p99 %.2f ms, max %.2f ms (%d)%n",
                    pct(idle, 50), pct(idle, 99), idle.size(), biggest, pct(busy, 50), pct(busy, 99), pct(busy, 100), busy.size());
        } finally {
            a.terminate();
            b.terminate();
            a.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            b.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    /** Pings every 5 ms, {@code max} times or until {@code until} completes; returns the round trips (ns). */
    private static List<Long> ping(ActorRef<Ping> echo, ActorRef<Pong> pong, List<Long> rtts, int max, CompletableFuture<?> until)
            throws InterruptedException {
        rtts.clear();
        int sent = 0;
        while (sent < max && (until == null || !until.isDone())) {
            echo.tell(new Ping(System.nanoTime(), pong));
            sent++;
            Thread.sleep(5);
        }
        Thread.sleep(300);
        synchronized (rtts) {
            return new ArrayList<>(rtts);
        }
    }

    private static double pct(List<Long> xs, double p) {
        if (xs.isEmpty()) return Double.NaN;
        long[] s = xs.stream().mapToLong(Long::longValue).sorted().toArray();
        int i = (int) Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1);
        return s[Math.max(0, i)] / 1e6;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
