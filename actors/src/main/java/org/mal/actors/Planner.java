package org.mal.actors;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.IncrementalPlanner;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;

/**
 * Asks the policy for moves for the current base and returns the best {@code count} of them that
 * are not excluded (already evaluated for this base, or in flight). Keeps the work of incremental
 * planning between requests ({@link Incremental}); a policy that throws is reported to the
 * coordinator, not swallowed.
 */
public final class Planner {
    private Planner() {}

    public sealed interface Command {}

    /**
     * @param history the search's history; with {@code delta}, only the results since the previous
     *     plan (a bounded search state keeps no more; the planner must then plan incrementally)
     * @param exclude moves not to propose again
     */
    public record Plan(int step, ModelCard base, ZooIndex zoo, List<Evaluated> history, Set<Move> exclude, int count,
                       ActorRef<Result> replyTo, boolean delta) implements Command {
        public Plan(int step, ModelCard base, ZooIndex zoo, List<Evaluated> history, Set<Move> exclude, int count, ActorRef<Result> replyTo) {
            this(step, base, zoo, history, exclude, count, replyTo, false);
        }
    }

    /** The planner's answer to a {@link Plan}. */
    public sealed interface Result extends Coordinator.Command {}

    /** The step's moves, in the policy's order. */
    public record Planned(int step, List<Move> moves) implements Result {}

    public record PlanFailed(int step, String reason) implements Result {}

    public static Behavior<Command> create(Policy policy) { return create(policy, null); }

    /**
     * @param primed an incremental planner that has taken in the search's history so far (a
     *     resumed bounded search, whose state does not keep it), or null
     */
    public static Behavior<Command> create(Policy policy, IncrementalPlanner primed) {
        return Behaviors.setup(ctx -> {
            Incremental inc = new Incremental(policy, primed);
            return Behaviors.receive(Command.class)
                    .onMessage(Plan.class, p -> {
                        try {
                            p.replyTo().tell(new Planned(p.step(), inc.plan(p)));
                        } catch (RuntimeException e) {
                            p.replyTo().tell(new PlanFailed(p.step(), describe(e)));
                        }
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /**
     * Incremental planning (issue 22) when the policy allows it ({@link IncrementalPlanner#of}):
     * the history of a search only grows, so each plan takes in only the evaluations added since
     * the last one; a history that is not a continuation of what was taken in (another run) starts
     * a fresh planner. When the policy does not allow it, or a law turns out to give no planning key,
     * every step is planned from scratch, as before. Both give the same moves
     * ({@code IncrementalPlannerTest}).
     */
    static final class Incremental {
        private final Policy policy;
        private IncrementalPlanner planner;
        private boolean fromScratch;
        private Evaluated lastTaken;
        private int taken;

        Incremental(Policy policy, IncrementalPlanner primed) {
            this.policy = policy;
            this.planner = primed != null ? primed : IncrementalPlanner.of(policy).orElse(null);
            this.fromScratch = planner == null;
        }

        /** Whether steps are planned from scratch (the policy does not allow incremental planning). */
        boolean fromScratch() { return fromScratch; }

        List<Move> plan(Plan p) {
            if (p.delta()) {   // a bounded search: no whole history to fall back on
                if (planner == null) throw new IllegalStateException("a bounded search needs incremental planning, which this policy does not allow");
                planner.observeAll(p.history(), p.zoo());
                return planner.plan(p.base(), p.zoo(), p.exclude(), p.count());
            }
            if (fromScratch) return Planner.plan(policy, p);
            List<Evaluated> h = p.history();
            if (h.size() < taken || (taken > 0 && h.get(taken - 1) != lastTaken)) {   // not the history taken in so far
                planner = IncrementalPlanner.of(policy).orElseThrow();
                taken = 0;
            }
            try {
                for (int i = taken; i < h.size(); i++) planner.observe(h.get(i), p.zoo());
                taken = h.size();
                lastTaken = taken == 0 ? null : h.get(taken - 1);
                return planner.plan(p.base(), p.zoo(), p.exclude(), p.count());
            } catch (UnsupportedOperationException | IllegalStateException e) {
                fromScratch = true;   // e.g. a plug-in law without a planning key
                planner = null;
                return Planner.plan(policy, p);
            }
        }
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
