package org.mal.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;

/**
 * Asks the policy for moves for the current base and returns the best {@code count} of them that
 * are not excluded (already evaluated for this base, or in flight). Stateless between requests; a
 * policy that throws is reported to the coordinator, not swallowed.
 */
public final class Planner {
    private Planner() {}

    public sealed interface Command {}

    /** @param exclude moves not to propose again */
    public record Plan(int step, ModelCard base, ZooIndex zoo, List<Evaluated> history, Set<Move> exclude, int count,
                       ActorRef<Result> replyTo) implements Command {}

    /** The planner's answer to a {@link Plan}. */
    public sealed interface Result extends Coordinator.Command {}

    /** The step's moves, in the policy's order. */
    public record Planned(int step, List<Move> moves) implements Result {}

    public record PlanFailed(int step, String reason) implements Result {}

    public static Behavior<Command> create(Policy policy) {
        return Behaviors.receive(Command.class)
                .onMessage(Plan.class, p -> {
                    try {
                        p.replyTo().tell(new Planned(p.step(), plan(policy, p)));
                    } catch (RuntimeException e) {
                        p.replyTo().tell(new PlanFailed(p.step(), describe(e)));
                    }
                    return Behaviors.same();
                })
                .build();
    }

    /** The planning itself, without the actor: used by the tests and by the planner. */
    public static List<Move> plan(Policy policy, Plan p) {
        List<Move> out = new ArrayList<>();
        for (Policy.Proposal proposal : policy.propose(new PolicyContext(p.base(), p.zoo(), p.history()))) {
            if (!proposal.move().base().equals(p.base().id())) continue;
            if (p.exclude().contains(proposal.move())) continue;
            out.add(proposal.move());
            if (out.size() == p.count()) break;
        }
        return out;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
