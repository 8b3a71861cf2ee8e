package org.mal.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.data.TaskData;

/**
 * A node that only runs workers: it joins a search's cluster, its workers register with the
 * cluster's receptionist and pull moves from the coordinator like local ones. The zoo and the
 * search's assemblies are read from the paths the work items name (a folder shared by all
 * machines); the evaluation data from this node's data folder. It runs until its actor system is
 * terminated (SIGTERM leaves the cluster gracefully; a crash is detected by the others).
 */
public final class WorkerNode {
    private WorkerNode() {}

    public static ActorSystem<Void> start(String join, String host, int port, int workers, double stableAfterSeconds,
                                          Function<String, TaskData> tasks) {
        return startWith(join, host, port, workers, stableAfterSeconds, Worker.remoteRunner(tasks));
    }

    /** The same with a given runner (tests slow it down). */
    public static ActorSystem<Void> startWith(String join, String host, int port, int workers, double stableAfterSeconds, Worker.Runner runner) {
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
        String[] seed = ClusterSetup.hostPort(join);
        Config config = ClusterSetup.node(host, port, seed[0], Integer.parseInt(seed[1]), stableAfterSeconds)
                .withFallback(ConfigFactory.parseMap(Map.of(Search.BLOCKING_DISPATCHER + ".thread-pool-executor.fixed-pool-size", workers + 1)))
                .withFallback(ConfigFactory.load());
        Behavior<Void> guardian = Behaviors.setup(ctx -> {
            for (int k = 0; k < workers; k++) ctx.spawn(Worker.create(host + ":" + port + "/worker-" + k, runner), "worker-" + k);
            return Behaviors.empty();
        });
        return ActorSystems.create(guardian, ClusterSetup.SYSTEM, config);
    }
}
