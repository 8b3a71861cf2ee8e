package org.mal.search;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.delivery.ConsumerController;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.mal.policies.Move;

/**
 * Pulls moves (Pekko reliable delivery: a {@link ConsumerController} registered under
 * {@link #SERVICE_KEY}, so workers may live in other JVMs), runs each with {@link MoveRunner}, and
 * replies to the coordinator. It runs on the blocking worker dispatcher; one move at a time.
 *
 * <p>A move that throws is a result, not a crash: the failure and its reason go to the coordinator,
 * which journals it and retries. An {@link Error} (out of memory, a broken native library) is also
 * reported, and then the worker is restarted by its supervisor (its consumer controller is kept, so
 * the confirmation of that move is not lost and the move is not delivered again).
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

    public interface Command {}

    private record Delivered(ConsumerController.Delivery<WorkItem> delivery) implements Command {}

    /** Thrown after an {@link Error} was reported, so that the supervisor restarts the worker. */
    static final class Restart extends RuntimeException {
        Restart(String name, Throwable cause) { super("worker " + name + " restarts after " + cause, cause); }
    }

    public static Runner runner(Workbench bench) {
        return item -> MoveRunner.run(bench, Move.fromCanonical(item.move()), item.base(), item.baseBlob(), item.target(), item.lossLimit());
    }

    public static Behavior<Command> create(String name, Runner runner) {
        return Behaviors.supervise(Behaviors.<Command>setup(ctx -> {
            ActorRef<ConsumerController.Delivery<WorkItem>> adapter =
                    ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
            // After a restart the consumer controller is still there (children are kept, see below): the
            // confirmation of the move that failed cannot be lost with it, so that move is not delivered again.
            @SuppressWarnings("unchecked")
            ActorRef<ConsumerController.Command<WorkItem>> consumer = ctx.getChild("consumer")
                    .map(c -> (ActorRef<ConsumerController.Command<WorkItem>>) (ActorRef<?>) c)
                    .orElseGet(() -> ctx.spawn(ConsumerController.create(SERVICE_KEY), "consumer"));
            consumer.tell(new ConsumerController.Start<>(adapter));
            return Behaviors.receive(Command.class)
                    .onMessage(Delivered.class, d -> {
                        WorkItem item = d.delivery().message();
                        Throwable error = null;
                        try {
                            item.replyTo().tell(new Coordinator.Result(item, runner.run(item), name));
                        } catch (Exception e) {
                            item.replyTo().tell(new Coordinator.Failure(item, Planner.describe(e), name));
                        } catch (Error e) {
                            item.replyTo().tell(new Coordinator.Failure(item, Planner.describe(e), name));
                            error = e;
                        }
                        d.delivery().confirmTo().tell(ConsumerController.confirmed());
                        if (error != null) throw new Restart(name, error);
                        return Behaviors.same();
                    })
                    .build();
        })).onFailure(Restart.class, SupervisorStrategy.restart().withStopChildren(false));
    }
}
