package org.mal.experiments;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.cli.UsageError;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchJson;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;
import org.mal.store.CacheKey;
import org.mal.store.MalStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An experiment: does the learning law ({@code experience}) find the best move with fewer
 * evaluations than proposing the same candidates in a uniformly random order? For each base of the
 * zoo, every candidate move is evaluated once (weight matching, loss curve on the base task) to know
 * its reward (λ*) and the best reward; then the two strategies are replayed against those results:
 * the learning policy proposes, its top move not yet evaluated is "evaluated" and added to the
 * history; the random strategy walks a seeded shuffle. The count is the number of evaluations until
 * a move with the best reward is reached.
 */
@Command(name = "learning-check", mixinStandardHelpOptions = true,
        description = {"Evaluations until the best move: the learning law against uniformly random proposals of the "
                + "same candidates, for every base of a trained zoo."})
public final class LearningCheckCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--zoo", defaultValue = "zoos/default", description = "Zoo folder (default: ${DEFAULT-VALUE}).")
    Path zooDir;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--grid", defaultValue = "21", description = "λ grid points (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--rows", defaultValue = "1000", description = "Test rows per task, stratified (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--seeds", defaultValue = "25", description = "Random orders per base, and seeds of a learning policy that uses $${seed} (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--evaluations",
            description = "The store (a RocksDB folder, the format of a search's store) where every candidate's evaluation is "
                    + "cached under the weights, grid, rows, tolerance and test data it was made with, and read from the next time "
                    + "(default: runs/learning-check/<zoo folder name>/store).")
    Path evaluationsFile;

    @Option(names = "--recompute", description = "Evaluate every candidate again and replace its cached evaluation (after a "
            + "change to the evaluation code: the code version is recorded with each entry, not keyed).")
    boolean recompute;

    static final double TOLERANCE = 0.05;

    @Option(names = "--policy", defaultValue = "policy { laws = [ { name = experience, model = ridge, exploration = 0, seed = $${seed} } ] }",
            description = {"The learning policy (HOCON); where it says $${seed}, it is run once per seed 1..--seeds "
                    + "(default: ${DEFAULT-VALUE})."})
    String policyText;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (grid < 2 || rows < 1 || seeds < 1) throw new UsageError("--grid >= 2, --rows >= 1 and --seeds >= 1 are needed");
        Zoo zoo = new Zoo(zooDir);
        ZooIndex index = ZooIndex.from(zoo);
        if (index.size() < 2) throw new IllegalArgumentException("the zoo " + zooDir + " has fewer than two models with cards"
                + " (the default zoo: ./mal zoo train --conf conf/zoo-default.conf)");
        if (evaluationsFile == null) {
            Path name = zooDir.toAbsolutePath().normalize().getFileName();
            evaluationsFile = Path.of("runs", "learning-check", name == null ? "zoo" : name.toString(), "store");
        }
        List<Policy> learners = learners(policyText, seeds);
        Policy plain = Policy.parse("policy { laws = [] }");
        double[] lambdas = Lmc.grid(grid);
        long started = System.nanoTime();
        Map<String, Map<String, Evaluated>> all = evaluations(zoo, index, lambdas, task -> ZooExperiment.testSample(data.dir(), task, rows), out);
        double step = 1.0 / (grid - 1);
        Table t = new Table("base", "candidates", "best λ*", "best moves", "near-best moves", "learning: evaluations to best",
                "random: evaluations to best", "learning: to near-best", "random: to near-best");
        List<Double> learningMedians = new ArrayList<>(), randomMedians = new ArrayList<>();
        List<Double> learningNear = new ArrayList<>(), randomNear = new ArrayList<>();
        int[][] learningBySeed = new int[learners.size()][index.size()];
        int[][] randomBySeed = new int[seeds][index.size()];
        List<List<Double>> learningWithin = new ArrayList<>(), randomWithin = new ArrayList<>();
        for (int k = 0; k < BUDGETS.length; k++) {
            learningWithin.add(new ArrayList<>());
            randomWithin.add(new ArrayList<>());
        }
        int b = 0;
        for (ModelCard base : index.cards()) {
            List<Move> candidates = plain.propose(new PolicyContext(base, index, List.of())).stream().map(Policy.Proposal::move).toList();
            Map<String, Evaluated> results = all.get(base.id());
            double best = results.values().stream().mapToDouble(e -> e.report().lambdaStar()).max().orElseThrow();
            double near = best - step - 1e-9;
            long bestCount = results.values().stream().filter(e -> e.report().lambdaStar() == best).count();
            long nearCount = results.values().stream().filter(e -> e.report().lambdaStar() >= near).count();
            List<Integer> toBest = new ArrayList<>(), toNear = new ArrayList<>();
            List<List<Double>> learnedRuns = new ArrayList<>();
            for (int s = 0; s < learners.size(); s++) {
                List<Double> run = replay(learners.get(s), base, index, results, best);
                learnedRuns.add(run);
                toBest.add(firstAtLeast(run, best, candidates.size()));
                toNear.add(firstAtLeast(run, near, candidates.size()));
                learningBySeed[s][b] = toBest.get(s);
            }
            // uniformly random orders of the same candidates
            List<Integer> rBest = new ArrayList<>(), rNear = new ArrayList<>();
            List<List<Double>> randomRuns = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                List<Move> order = new ArrayList<>(candidates);
                Collections.shuffle(order, new Random(s));
                List<Double> run = order.stream().map(m -> results.get(key(m)).report().lambdaStar()).toList();
                randomRuns.add(run);
                rBest.add(firstAtLeast(run, best, candidates.size()));
                randomBySeed[s][b] = rBest.get(s);
                rNear.add(firstAtLeast(run, near, candidates.size()));
            }
            for (int k = 0; k < BUDGETS.length; k++) {
                int budget = BUDGETS[k];
                learningWithin.get(k).add(median(learnedRuns.stream().map(r -> bestWithin(r, budget) / best).toList()));
                randomWithin.get(k).add(median(randomRuns.stream().map(r -> bestWithin(r, budget) / best).toList()));
            }
            learningMedians.add(median(toBest));
            randomMedians.add(median(rBest));
            learningNear.add(median(toNear));
            randomNear.add(median(rNear));
            t.row(base.id(), String.valueOf(candidates.size()), String.format(Locale.ROOT, "%.3f", best), String.valueOf(bestCount),
                    String.valueOf(nearCount), describe(toBest, candidates.size()), describe(rBest, candidates.size()),
                    describe(toNear, candidates.size()), describe(rNear, candidates.size()));
            b++;
        }
        t.print(out);
        String orders = learners.size() == 1 ? "one deterministic order" : learners.size() + " seeds";
        out.printf(Locale.ROOT, "evaluations until a best move, median over bases of the per-base medians: learning %.1f (%s), random %.1f "
                        + "(%d seeded orders); ratio %.2f%n", median(learningMedians), orders, median(randomMedians), seeds,
                median(learningMedians) / median(randomMedians));
        out.printf(Locale.ROOT, "  the same, median over seeds of the per-seed median over bases: learning %.1f, random %.1f%n",
                median(perSeedMedians(learningBySeed)), median(perSeedMedians(randomBySeed)));
        out.printf(Locale.ROOT, "evaluations until a move within one λ step (%.3f) of the best: learning %.1f, random %.1f%n", step,
                median(learningNear), median(randomNear));
        StringBuilder within = new StringBuilder("best λ* within a budget, as a fraction of the base's best (median over bases of the "
                + "per-base medians):");
        for (int k = 0; k < BUDGETS.length; k++) {
            within.append(String.format(Locale.ROOT, " %d evaluations: learning %.3f, random %.3f;", BUDGETS[k],
                    median(learningWithin.get(k)), median(randomWithin.get(k))));
        }
        out.println(within);
        out.printf(Locale.ROOT, "%.0f s%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private static final Pattern SEED = Pattern.compile("\\$\\{\\??seed}");

    /**
     * The learning policies to replay: one per seed 1..{@code seeds} when the policy refers to
     * {@code ${seed}} (or {@code ${?seed}}), else the one policy. The seed is a root key of the same
     * document, so self-references such as {@code policy.laws += ...} still resolve (a root
     * {@code seed} of the user's own would be replaced).
     */
    static List<Policy> learners(String policyText, int seeds) {
        boolean seeded = SEED.matcher(policyText).find();
        List<Policy> out = new ArrayList<>();
        for (int s = 1; s <= (seeded ? seeds : 1); s++) {
            out.add(Policy.load(ConfigFactory.parseString(policyText + "\nseed = " + s + "\n").resolve()));
        }
        return out;
    }

    /** The evaluation budgets at which the best λ* found so far is reported. */
    static final int[] BUDGETS = {10, 25, 50};

    /**
     * The learning policy replayed on one base from an empty history: its top move not yet evaluated
     * is looked up in {@code results} and joins the history, until a move with the best λ* comes up
     * or the policy proposes nothing new (its laws may filter out every best move). Returns the λ*
     * of the moves in the order they were evaluated.
     */
    static List<Double> replay(Policy learning, ModelCard base, ZooIndex index, Map<String, Evaluated> results, double best) {
        List<Evaluated> history = new ArrayList<>();
        List<Double> rewards = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (true) {
            Move next = null;
            for (Policy.Proposal p : learning.propose(new PolicyContext(base, index, List.copyOf(history)))) {
                if (results.containsKey(key(p.move())) && !seen.contains(key(p.move()))) {
                    next = p.move();
                    break;
                }
            }
            if (next == null) return rewards;
            Evaluated e = results.get(key(next));
            history.add(Evaluated.ok(next, e.report()));
            seen.add(key(next));
            rewards.add(e.report().lambdaStar());
            if (e.report().lambdaStar() >= best) return rewards;
        }
    }

    /** Evaluations until the first λ* of at least {@code threshold}; {@code candidates + 1} if none is. */
    static int firstAtLeast(List<Double> run, double threshold, int candidates) {
        for (int k = 0; k < run.size(); k++) if (run.get(k) >= threshold) return k + 1;
        return candidates + 1;
    }

    /** The best λ* among the first {@code budget} evaluations (a run that stopped early keeps its best). */
    static double bestWithin(List<Double> run, int budget) {
        return run.stream().limit(budget).mapToDouble(Double::doubleValue).max().orElse(0.0);
    }

    private static String describe(List<Integer> counts, int candidates) {
        double m = median(counts);
        String s = String.format(Locale.ROOT, "%.1f", m);
        if (counts.size() > 1) s += String.format(Locale.ROOT, " [%d–%d]", Collections.min(counts), Collections.max(counts));
        return m > candidates ? s + " (not reached)" : s;
    }

    private static List<Double> perSeedMedians(int[][] bySeed) {
        List<Double> out = new ArrayList<>();
        for (int[] row : bySeed) out.add(median(Arrays.stream(row).boxed().toList()));
        return out;
    }

    static double median(List<? extends Number> values) { return Median.of(values); }

    /** One evaluated candidate: the base, the target, the layer map and the LMC report. */
    record Row(String base, String target, String layerMap, Lmc.Report report) {}

    /** The cache key kind of this experiment's evaluations (weight matching on one base task, every candidate). */
    static final String KIND = "learning-check";

    /**
     * The key of one candidate's evaluation: both models' weights, the layer map, the λ grid, the
     * tolerance and the test rows. The code version is recorded in the value for provenance but not
     * keyed (the evaluation code rarely changes; pass {@code --recompute} after changing it).
     */
    static CacheKey cacheKey(ModelCard base, ModelCard target, String layerMap, double[] lambdas, String testData) {
        return CacheKey.builder(KIND)
                .put("base.weights", base.weightsHash())
                .put("target.weights", target.weightsHash())
                .put("layer-map", layerMap)
                .put("lambda.grid", lambdas)
                .put("tolerance", TOLERANCE)
                .put("test.data", testData)
                .build();
    }

    /** A cached evaluation, with who made it and when. */
    record Cached(Lmc.Report report, String codeVersion, String createdAt) {}

    /**
     * Every candidate of every base, evaluated once, by base id then {@link #key(Move)}: read from
     * the store in {@code --evaluations} where an entry was made with the same inputs, otherwise
     * computed and cached there (with {@code --recompute}, computed again and replaced). Entries made
     * for other zoo weights, grids, rows or test data are kept: they have other keys.
     */
    Map<String, Map<String, Evaluated>> evaluations(Zoo zoo, ZooIndex index, double[] lambdas,
                                                   Function<String, Dataset> testSample, PrintWriter out) {
        if (evaluationsFile != null && Files.isRegularFile(evaluationsFile)) {
            throw new UsageError("--evaluations " + evaluationsFile + " is a file; learning-check keeps its evaluations in a "
                    + "store folder (RocksDB, as a search does): give a folder, e.g. " + evaluationsFile.resolveSibling("store"));
        }
        Policy plain = Policy.parse("policy { laws = [] }");
        Map<String, Dataset> tests = new TreeMap<>();
        for (ModelCard c : index.cards()) tests.computeIfAbsent(c.dataset().task(), testSample);
        Map<String, Model> models = new HashMap<>();
        int read = 0;
        int computed = 0;
        Map<String, Map<String, Evaluated>> byBase = new TreeMap<>();
        try (MalStore store = evaluationsFile == null ? null : MalStore.open(evaluationsFile, "MAL " + Platform.codeVersion())) {
            for (ModelCard base : index.cards()) {
                Dataset test = tests.get(base.dataset().task());
                Map<String, Evaluated> results = new HashMap<>();
                for (Policy.Proposal p : plain.propose(new PolicyContext(base, index, List.of()))) {
                    Move m = p.move();
                    ModelCard target = index.require(m.target());
                    CacheKey k = cacheKey(base, target, m.layerMap(), lambdas, test.contentHash());
                    Optional<String> hit = store == null || recompute ? Optional.empty() : store.evaluation(k);
                    Lmc.Report report;
                    if (hit.isPresent()) {
                        report = SearchJson.read(hit.get(), Cached.class).report();
                        read++;
                    } else {
                        Model a = models.computeIfAbsent(base.id(), id -> load(zoo, id));
                        Model b = models.computeIfAbsent(target.id(), id -> load(zoo, id));
                        report = ZooExperiment.evaluate(a, b, m.layers(), test, lambdas, TOLERANCE);
                        if (store != null) store.putEvaluation(k, SearchJson.write(new Cached(report, Platform.codeVersion(), Instant.now().toString())));
                        computed++;
                    }
                    results.put(key(m), Evaluated.ok(m, report));
                }
                byBase.put(base.id(), results);
            }
        }
        out.println("evaluations: " + read + " read from " + (evaluationsFile == null ? "(no store)" : evaluationsFile) + ", " + computed
                + " computed" + (evaluationsFile == null || computed == 0 ? "" : " and cached there"));
        return byBase;
    }

    private static Model load(Zoo zoo, String id) {
        try {
            return ModelIO.load(zoo.fileOf(id)).model();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read zoo model " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * What identifies a move's outcome in this experiment: target and layer map. Every move is
     * evaluated the same way (weight matching, the λ grid), whatever aligner or λ policy a law set.
     */
    private static String key(Move m) { return m.target() + "|" + m.layerMap(); }
}
