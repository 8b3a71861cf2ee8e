package org.mal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Architecture;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One planning step: {@link Policy#propose} for one base over a synthetic zoo index of
 * {@code models} cards (depth-3 MLPs of the five shape families, widths 32/64, two tasks, seeded
 * validation accuracies; 21 candidate maps per target), with a history of {@code history} seeded
 * evaluations of random moves of that base (a fresh history list each call, as a new step has).
 *
 * <ul>
 *   <li>{@code laws}: the four paper laws of {@code conf/laws.conf};</li>
 *   <li>{@code laws+learning}: the same then the learning law with its defaults (ridge), as
 *       {@code conf/laws.conf} ships — one ridge fit per call plus a prediction per candidate.</li>
 * </ul>
 * Scores are milliseconds per planning step ({@link Mode#AverageTime}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
public class PlanningBench {

    @Param({"100", "1000"})
    public int models;

    @Param({"0", "1000", "5000"})
    public int history;

    @Param({"laws", "laws+learning"})
    public String policy;

    private Policy p;
    private ModelCard base;
    private ZooIndex zoo;
    private List<Evaluated> past;

    static final String LAWS = "{name = strong-base}, {name = width-tolerance}, {name = depth-order}, {name = merging-threshold}";

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(7);
        String[] families = {"32x32x32", "64x64x64", "64x32x64", "32x64x64", "32x64x32", "64x64x32"};
        List<ModelCard> cards = new ArrayList<>();
        for (int i = 0; i < models; i++) {
            String fam = families[r.nextInt(families.length)];
            String task = r.nextBoolean() ? "mnist" : "fashion-mnist";
            List<Integer> hidden = java.util.Arrays.stream(fam.split("x")).map(Integer::valueOf).toList();
            cards.add(new ModelCard(String.format("m%05d-%s-%s", i, task, fam), Architecture.mlp(784, hidden, 10), "custom",
                    new ModelCard.DatasetRef(task, task + "-train", "th", task + "-test", "eh"), null,
                    new org.mal.core.model.Metrics(0.5, 0.3 + 0.65 * r.nextDouble(), 1000), null, null, null, "hash-" + i));
        }
        zoo = ZooIndex.of(cards);
        base = cards.get(0);
        p = Policy.parse("policy { laws = [ " + LAWS + (policy.equals("laws") ? "" : ", {name = experience}") + " ] }");
        List<Move> all = Policy.parse("policy { laws = [] }").propose(new PolicyContext(base, zoo)).stream()
                .map(Policy.Proposal::move).toList();
        past = new ArrayList<>();
        for (int k = 0; k < history; k++) {
            Move m = all.get(r.nextInt(all.size()));
            past.add(Evaluated.ok(m, report(0.05 * r.nextInt(11))));
        }
    }

    private static Lmc.Report report(double lambdaStar) {
        Lmc.Curve c = new Lmc.Curve(new double[] {0.3, 0.35, 0.6}, new double[] {0.9, 0.9, 0.5});
        return new Lmc.Report(Lmc.grid(3), List.of(new Lmc.TaskCurves("mnist", "h", c, c)), 0.05, 0.1, 0.2, 0.4, 0.5, 0.8, lambdaStar,
                Map.of("mnist", 0.9));
    }

    @Benchmark
    public int plan() {
        return p.propose(new PolicyContext(base, zoo, new ArrayList<>(past))).size();
    }

    /** Quick check without JMH: one timed call per setting. */
    public static void main(String[] args) {
        for (String pol : List.of("laws", "laws+learning")) {
            PlanningBench b = new PlanningBench();
            b.models = 1000;
            b.history = 1000;
            b.policy = pol;
            b.setUp();
            for (int rep = 0; rep < 3; rep++) {
                long t = System.nanoTime();
                int n = b.plan();
                System.out.printf("%s: %d proposals in %.0f ms%n", pol, n, (System.nanoTime() - t) / 1e6);
            }
        }
    }
}
