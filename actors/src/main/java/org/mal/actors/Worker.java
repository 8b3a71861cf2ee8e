package org.mal.actors;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.mal.engine.MoveRunner;
import org.mal.engine.Outcome;
import org.mal.engine.Workbench;

/**
 * Pulls moves (Pekko reliable delivery: a {@link ConsumerController} registered under
 * {@link #SERVICE_KEY}, so workers may live in other JVMs), runs each with {@link MoveRunner}, and
 * replies to the coordinator. Moves run on the blocking worker dispatcher, one at a time.
 *
 * <p>A move that throws is a result, not a crash: the failure and its reason go to the coordinator,
 * which journals it and retries. An {@link Error} (out of memory, a broken native library) is also
 * reported, and then the part of the worker that runs moves is restarted by its supervisor.
 */
public final class Worker {
    private Worker() {}

    public static final ServiceKey<ConsumerController.Command<WorkItem>> SERVICE_KEY =
            ServiceKey.create(ConsumerController.serviceKeyClass(), "mal-workers");

    /** What a worker does with an item; {@link MoveRunner} in production, something else in tests. */
    @FunctionalInterface
    public interface Runner {
        Outcome run(WorkItem item) throws Exception;
    }

    public sealed interface Command {}

    /** A worker's answer about one item, to the item's {@code replyTo}. */
    public sealed interface Reply extends Coordinator.Command, WireMessage {
        WorkItem item();

        String worker();
    }

    /** The move was evaluated. */
    public record Done(WorkItem item, Outcome outcome, String worker) implements Reply {}

    /**
     * The move threw; {@code reason} says what. {@code unusableTarget}: the target whose file holds no
     * valid model and will not until it changes, and {@code unusableFile} that file's content
     * ({@code Zoo.fingerprint}); both null for other failures.
     */
    public record Failed(WorkItem item, String reason, String worker, String unusableTarget, String unusableFile) implements Reply {
        public Failed(WorkItem item, String reason, String worker) { this(item, reason, worker, null, null); }
    }

    private record Delivered(ConsumerController.Delivery<WorkItem> delivery) implements Command {}

    /** The executor finished an item: confirm it to the consumer controller. (This and {@link Run} never leave the JVM.) */
    private record Finished(ActorRef<ConsumerController.Confirmed> confirmTo) implements Command, NoSerializationVerificationNeeded {}

    /** To the executor: run this item, then say {@link Finished}. */
    private record Run(WorkItem item, ActorRef<ConsumerController.Confirmed> confirmTo) implements NoSerializationVerificationNeeded {}

    /** Thrown after an {@link Error} was reported, so that the supervisor restarts the executor. */
    static final class Restart extends RuntimeException {
        Restart(String name, Throwable cause) { super("worker " + name + " restarts after " + cause, cause); }
    }

    /**
     * The runner of a worker on another node: it builds (and keeps) a workbench for each search it
     * gets moves from, from the settings in the item; the data come from {@code tasks}, the models
     * as blobs through {@code blobs} (fetched from the item's {@link WorkItem#blobSource()}, kept in
     * this node's folder), or, for an item without a blob source ({@code search.cluster.files =
     * shared}), from the zoo and assemblies paths it names (a shared folder).
     *
     * @param blobs this node's blob folder; null: only shared-folder items can run here
     */
    public static Runner remoteRunner(java.util.function.Function<String, org.mal.core.data.TaskData> tasks, BlobCache blobs) {
        java.util.Map<java.util.List<Object>, Workbench> benches = new java.util.concurrent.ConcurrentHashMap<>();
        return item -> {
            Workbench bench;
            if (item.blobSource() != null) {
                if (blobs == null) throw new IllegalStateException("this worker node has no blob folder, and the search sends models as blobs");
                bench = benches.computeIfAbsent(java.util.List.of("blobs", item.blobSource(), item.evaluation(), item.seed()),
                        k -> new Workbench(new org.mal.core.zoo.Zoo(blobs.dir()), blobs.dir(), null, tasks, item.evaluation(), item.seed(),
                                false, Workbench.CACHE_BYTES, blobs.from(item.blobSource())));
            } else {
                if (item.zoo() == null || item.assemblies() == null) throw new IllegalArgumentException("a work item with neither blobs nor folders");
                bench = benches.computeIfAbsent(java.util.List.of(item.zoo(), item.assemblies(), item.evaluation(), item.seed()),
                        k -> new Workbench(new org.mal.core.zoo.Zoo(java.nio.file.Path.of(item.zoo())), java.nio.file.Path.of(item.assemblies()),
                                null, tasks, item.evaluation(), item.seed()));
            }
            return runner(bench).run(item);
        };
    }

    public static Runner runner(Workbench bench) {
        return item -> MoveRunner.run(bench, item.move(), item.base(), item.baseBlob(), item.targets(), item.lossLimit(), item.files());
    }

    /**
     * A worker is two actors: this one owns the {@link ConsumerController} (it pulls moves and
     * confirms them) and a supervised child runs them. A child that hits an {@link Error} is
     * restarted while the consumer controller, and the confirmation of the failed move, stay intact,
     * so the move is not delivered again.
     */
    public static Behavior<Command> create(String name, Runner runner) {
        return Behaviors.setup(ctx -> {
            ActorRef<Run> executor = ctx.spawn(Behaviors.supervise(executor(name, runner, ctx.getSelf()))
                    .onFailure(Restart.class, SupervisorStrategy.restart()), "executor",
                    DispatcherSelector.fromConfig(Search.BLOCKING_DISPATCHER));
            ActorRef<ConsumerController.Delivery<WorkItem>> adapter =
                    ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
            ActorRef<ConsumerController.Command<WorkItem>> consumer = ctx.spawn(ConsumerController.create(SERVICE_KEY), "consumer");
            consumer.tell(new ConsumerController.Start<>(adapter));
            return Behaviors.receive(Command.class)
                    .onMessage(Delivered.class, d -> {
                        executor.tell(new Run(d.delivery().message(), d.delivery().confirmTo()));
                        return Behaviors.same();
                    })
                    .onMessage(Finished.class, f -> {
                        f.confirmTo().tell(ConsumerController.confirmed());
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    private static Behavior<Run> executor(String name, Runner runner, ActorRef<Command> owner) {
        return Behaviors.receive(Run.class)
                .onMessage(Run.class, r -> {
                    WorkItem item = r.item();
                    Throwable error = null;
                    try {
                        item.replyTo().tell(new Done(item, runner.run(item), name));
                    } catch (Workbench.UnusableModel e) {
                        boolean target = item.move().targets().contains(e.id());   // not the base: a zoo base is not a target
                        item.replyTo().tell(new Failed(item, Planner.describe(e), name, target ? e.id() : null, target ? e.file() : null));
                    } catch (Exception e) {
                        item.replyTo().tell(new Failed(item, Planner.describe(e), name));
                    } catch (Error e) {
                        item.replyTo().tell(new Failed(item, Planner.describe(e), name));
                        error = e;
                    }
                    owner.tell(new Finished(r.confirmTo()));
                    if (error != null) throw new Restart(name, error);
                    return Behaviors.same();
                })
                .build();
    }
}
