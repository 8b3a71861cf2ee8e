package org.mal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.mal.core.Median;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Evaluated;
import org.mal.policies.IncrementalPlanner;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;

/**
 * Planning at scale (issue 22): a bounded search's planning steps on a zoo folder (e.g. 10,000
 * models of {@link SyntheticZoo}), with the default policy ({@code conf/laws.conf}: the four paper
 * laws and the learning law, {@code max-per-target = 64}), planned incrementally
 * ({@link IncrementalPlanner}) and, side by side in the same process, from scratch as the search
 * planned before ({@link Policy#propose} on the whole history, then the planner's filter).
 *
 * <p>The evaluations are a <b>seeded synthetic stub</b>, not merges: each planned move gets
 * λ* = a per-target effect + a per-layer-map effect + noise, clipped to [0, 1] (1 in 10 fails), so
 * the learning law has something to learn. Every third step accepts a move: the base becomes a new
 * assembly card (the origin's architecture and task, a random accuracy); at step 5 one zoo model is
 * replaced (a new card). Reports per-step times, their medians after the first step, and whether
 * both planners chose the same moves. A {@code System.gc()} runs before each timed incremental plan,
 * so that the garbage of the full replans (gigabytes at 10,000 models) is not counted against it.
 *
 * <p>Usage: {@code PlanningScale ZOO_DIR|cards:N [STEPS=12] [MOVES_PER_STEP=64] [FULL_EVERY=1]}; {@code cards:N}
 * plans over the cards of {@link SyntheticZoo}'s first {@code N} models (depth 8) without their
 * files, which planning never reads. A full replan runs every {@code FULL_EVERY} steps; the
 * incremental planner plans every step.
 */
public final class PlanningScale {
    private PlanningScale() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) throw new IllegalArgumentException("usage: PlanningScale ZOO_DIR [STEPS=12] [MOVES_PER_STEP=64] [FULL_EVERY=1]");
        Path dir = args[0].startsWith("cards:") ? null : Path.of(args[0]);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        int perStep = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int fullEvery = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        long t0 = System.nanoTime();
        ZooIndex zoo = args[0].startsWith("cards:") ? cards(Integer.parseInt(args[0].substring(6))) : ZooIndex.from(new Zoo(dir));
        System.out.printf(Locale.ROOT, "zoo %s: %d models indexed in %.1f s; %d cores, max heap %d MB%n", dir, zoo.size(),
                (System.nanoTime() - t0) / 1e9, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        Policy policy = Policy.parse("policy {}");
        System.out.println("policy: " + policy.describe() + "; max-per-target " + policy.candidates().maxPerTarget());
        IncrementalPlanner inc = IncrementalPlanner.of(policy).orElseThrow();
        ModelCard origin = zoo.cards().get(0);
        ModelCard base = origin;
        List<Evaluated> history = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(22);
        List<Double> incMs = new ArrayList<>();
        List<Double> fullMs = new ArrayList<>();
        int same = 0;
        int compared = 0;
        System.out.println("| step | base | history | incremental ms | full replan ms | same moves |");
        System.out.println("| ---: | --- | ---: | ---: | ---: | --- |");
        for (int step = 0; step < steps; step++) {
            Set<Move> exclude = new HashSet<>();
            for (Evaluated e : history) {
                if (e.move().base().equals(base.id()) && e.current(zoo.get(e.move().target()).map(ModelCard::weightsHash).orElse(null))) {
                    exclude.add(e.move());
                }
            }
            System.gc();   // the full replan's garbage is not the incremental planner's: collected before it is timed
            long a = System.nanoTime();
            List<Move> got = inc.plan(base, zoo, exclude, perStep);
            double im = (System.nanoTime() - a) / 1e6;
            incMs.add(im);
            String fm = "-";
            String eq = "-";
            if (step % fullEvery == 0) {
                long b = System.nanoTime();
                List<Move> want = new ArrayList<>();
                for (Policy.Proposal p : policy.propose(new PolicyContext(base, zoo, history))) {
                    if (!p.move().base().equals(base.id()) || exclude.contains(p.move())) continue;
                    want.add(p.move());
                    if (want.size() == perStep) break;
                }
                double f = (System.nanoTime() - b) / 1e6;
                fullMs.add(f);
                fm = String.format(Locale.ROOT, "%.0f", f);
                compared++;
                if (want.equals(got)) same++;
                eq = want.equals(got) ? "yes" : "NO";
            }
            System.out.printf(Locale.ROOT, "| %d | %s | %d | %.1f | %s | %s |%n", step, base.id(), history.size(), im, fm, eq);
            for (Move m : got) {
                ModelCard t = zoo.require(m.target());
                Evaluated e = r.nextInt(10) == 0 ? Evaluated.failed(m, "synthetic failure")
                        : Evaluated.ok(m, report(Math.max(0, Math.min(1, effect(t.id()) + effect(m.layerMap()) + 0.1 * r.nextGaussian()))));
                e = e.withTargetWeights(t.weightsHash());
                history.add(e);
                inc.observe(e, zoo);
            }
            if (step % 3 == 2) {
                base = new ModelCard(origin.id() + "~" + step, origin.architecture(), "assembly", origin.dataset(), null,
                        new Metrics(0.5, 0.5 + 0.4 * r.nextDouble(), 1000), null, null, null, "assembly-" + step);
            }
            if (step == 5) {
                List<ModelCard> cards = new ArrayList<>(zoo.cards());
                ModelCard old = cards.get(cards.size() / 2);
                cards.set(cards.size() / 2, new ModelCard(old.id(), old.architecture(), old.family(), old.dataset(), null,
                        new Metrics(0.5, 0.99, 1000), null, null, null, old.weightsHash() + "-replaced"));
                zoo = ZooIndex.of(cards);
            }
        }
        List<Double> after = incMs.subList(1, incMs.size());
        List<Double> fullAfter = fullMs.size() > 1 ? fullMs.subList(1, fullMs.size()) : fullMs;
        System.out.printf(Locale.ROOT, "%ncandidates kept: %d; incremental: first step %.0f ms, median after the first %.1f ms (min %.1f, max %.1f)%n",
                inc.candidates(), incMs.get(0), Median.of(after), after.stream().mapToDouble(x -> x).min().orElse(0),
                after.stream().mapToDouble(x -> x).max().orElse(0));
        System.out.printf(Locale.ROOT, "full replan: first %.0f ms, median after the first %.0f ms; full / incremental (medians after the first) %.0fx%n",
                fullMs.get(0), Median.of(fullAfter), Median.of(fullAfter) / Median.of(after));
        System.out.printf(Locale.ROOT, "same moves as the full replan: %d of %d steps compared%n", same, compared);
    }

    /** The cards {@link SyntheticZoo} writes for its first {@code n} models (depth 8, seed 1), with stand-in weight hashes. */
    static ZooIndex cards(int n) {
        List<ModelCard> cards = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            cards.add(SyntheticZoo.card(SyntheticZoo.id(i), SyntheticZoo.architecture(i, 8, 1), i, 1, "synthetic-" + i));
        }
        return ZooIndex.of(cards);
    }

    /** A seeded effect in [-0.2, 0.6) of a target id or a layer map: the structure the learning law can find. */
    private static double effect(String key) { return new SplittableRandom(key.hashCode()).nextDouble() * 0.4 - 0.1; }

    private static Lmc.Report report(double lambdaStar) {
        Lmc.Curve c = new Lmc.Curve(new double[] {0.3, 0.35, 0.6}, new double[] {0.9, 0.9, 0.5});
        return new Lmc.Report(Lmc.grid(3), List.of(new Lmc.TaskCurves("mnist", "h", c, c)), 0.05, 0.1, 0.2, 0.4, 0.5, 0.8, lambdaStar,
                Map.of("mnist", 0.9));
    }
}
