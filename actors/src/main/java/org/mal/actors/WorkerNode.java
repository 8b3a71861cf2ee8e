package org.mal.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.data.TaskData;

/**
 * A node that only runs workers: it joins a search's cluster, its workers register with the
 * cluster's receptionist and pull moves from the coordinator like local ones. The models come as
 * blobs from the search's node, checked by their SHA-256 and kept in this node's own folder
 * ({@code blobs}: {@link BlobCache}, {@link BlobFetcher}); with {@code search.cluster.files = shared}
 * they are read from the paths the work items name (a folder shared by all machines). The
 * evaluation data come from this node's data folder. It runs until its actor system is terminated
 * (SIGTERM leaves the cluster gracefully; a crash is detected by the others).
 */
public final class WorkerNode {
    private WorkerNode() {}

    /** How long a worker waits for a blob at most (the fetcher fails a stalled transfer sooner). */
    static final Duration FETCH_WAIT = Duration.ofMinutes(30);

    public static ActorSystem<Void> start(String join, String host, int port, int workers, double stableAfterSeconds,
                                          Function<String, TaskData> tasks, Path blobs, BlobFetcher.Settings fetching) {
        return startWith(join, host, port, workers, stableAfterSeconds, blobs, fetching, cache -> Worker.remoteRunner(tasks, cache));
    }

    /**
     * The same with a runner made from the node's blob cache (tests wrap {@link Worker#remoteRunner}).
     *
     * @param blobs this node's blob folder
     */
    public static ActorSystem<Void> startWith(String join, String host, int port, int workers, double stableAfterSeconds, Path blobs,
                                              BlobFetcher.Settings fetching, Function<BlobCache, Worker.Runner> runner) {
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        String[] seed = ClusterSetup.hostPort(join);
        Config config = ClusterSetup.node(host, port, seed[0], Integer.parseInt(seed[1]), stableAfterSeconds)
                .withFallback(ConfigFactory.parseMap(Map.of(Search.BLOCKING_DISPATCHER + ".thread-pool-executor.fixed-pool-size", workers + 1)))
                .withFallback(ConfigFactory.load());
        Behavior<Void> guardian = Behaviors.setup(ctx -> {
            var fetcher = ctx.spawn(BlobFetcher.create(blobs, fetching), BlobFetcher.NAME, DispatcherSelector.blocking());
            BlobCache cache;
            try {
                cache = new BlobCache(blobs, fetcher, FETCH_WAIT);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot use " + blobs + " as this node's blob folder: " + e.getMessage(), e);
            }
            Worker.Runner r = runner.apply(cache);
            for (int k = 0; k < workers; k++) ctx.spawn(Worker.create(host + ":" + port + "/worker-" + k, r), "worker-" + k);
            return Behaviors.empty();
        });
        return ActorSystems.create(guardian, ClusterSetup.SYSTEM, config);
    }
}
