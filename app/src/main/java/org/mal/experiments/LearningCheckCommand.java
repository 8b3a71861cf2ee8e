package org.mal.experiments;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.align.LayerMap;
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
            description = "Where every candidate's evaluation is saved and, when made for the same zoo and settings, read from "
                    + "(default: runs/learning-check/<zoo folder name>/evaluations.json).")
    Path evaluationsFile;

    @Option(names = "--recompute", description = "Evaluate every candidate again and replace the saved evaluations, even if "
            + "they were made for another zoo or other settings.")
    boolean recompute;

    static final double TOLERANCE = 0.05;

    @Option(names = "--policy", defaultValue = "policy { laws = [ { name = experience, model = ridge, exploration = 0, seed = $${seed} } ] }",
            description = {"The learning policy (HOCON); where it says $${seed}, it is run once per seed 1..--seeds "
                    + "(default: ${DEFAULT-VALUE})."})
    String policyText;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (grid < 2 || rows < 1 || seeds < 1) throw new IllegalArgumentException("--grid >= 2, --rows >= 1 and --seeds >= 1 are needed");
        Zoo zoo = new Zoo(zooDir);
        ZooIndex index = ZooIndex.from(zoo);
        if (index.size() < 2) throw new IllegalArgumentException("the zoo " + zooDir + " has fewer than two models with cards");
        if (evaluationsFile == null) {
            Path name = zooDir.toAbsolutePath().normalize().getFileName();
            evaluationsFile = Path.of("runs", "learning-check", name == null ? "zoo" : name.toString(), "evaluations.json");
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

    /**
     * What the evaluations depend on; a saved table is reused only when all of it is equal. The code
     * version is recorded for provenance but not compared (the evaluation code rarely changes; use
     * {@code --recompute} after changing it).
     */
    record Key(Map<String, String> weights, int grid, int rows, double tolerance, Map<String, String> testData) {}

    record Saved(Key key, String codeVersion, String createdAt, List<Row> rows) {}

    /**
     * Every candidate of every base, evaluated once, by base id then {@link #key(Move)}: read from
     * {@code --evaluations} when it was made for the same zoo weights, grid, rows, tolerance and test
     * data, otherwise computed and saved there (atomically) for the next run.
     */
    Map<String, Map<String, Evaluated>> evaluations(Zoo zoo, ZooIndex index, double[] lambdas,
                                                   Function<String, Dataset> testSample, PrintWriter out)
            throws IOException {
        Policy plain = Policy.parse("policy { laws = [] }");
        Map<String, Dataset> tests = new TreeMap<>();
        Map<String, String> weights = new TreeMap<>();
        for (ModelCard c : index.cards()) {
            weights.put(c.id(), c.weightsHash());
            tests.computeIfAbsent(c.dataset().task(), testSample);
        }
        Map<String, String> testData = new TreeMap<>();
        tests.forEach((task, d) -> testData.put(task, d.contentHash()));
        Key key = new Key(weights, grid, rows, TOLERANCE, testData);
        Saved saved = null;
        if (evaluationsFile != null && Files.exists(evaluationsFile) && !recompute) {
            try {
                saved = SearchJson.MAPPER.readValue(evaluationsFile.toFile(), Saved.class);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read the saved evaluations " + evaluationsFile + ": " + e.getMessage()
                        + " (move it away or pass --recompute)", e);
            }
            if (saved == null || saved.key() == null || saved.rows() == null) {
                throw new IllegalArgumentException("the saved evaluations " + evaluationsFile + " have no key or no rows"
                        + " (move it away or pass --recompute)");
            }
            if (!saved.key().equals(key)) {
                List<String> differ = new ArrayList<>();
                if (!Objects.equals(saved.key().weights(), key.weights())) differ.add("zoo models or weights");
                if (saved.key().grid() != key.grid()) differ.add("grid " + saved.key().grid() + " vs " + key.grid());
                if (saved.key().rows() != key.rows()) differ.add("rows " + saved.key().rows() + " vs " + key.rows());
                if (saved.key().tolerance() != key.tolerance()) differ.add("tolerance");
                if (!Objects.equals(saved.key().testData(), key.testData())) differ.add("test data");
                throw new IllegalArgumentException("the saved evaluations in " + evaluationsFile + " were made for other "
                        + String.join(", ", differ) + "; pass --evaluations with another file, or --recompute to replace them");
            }
            out.println("evaluations: " + saved.rows().size() + " from " + evaluationsFile + " (code " + saved.codeVersion() + ", "
                    + saved.createdAt() + ")");
        }
        if (saved == null) {
            Map<String, Model> models = new HashMap<>();
            for (ModelCard c : index.cards()) models.put(c.id(), ModelIO.load(zoo.fileOf(c.id())).model());
            List<Row> rowsOut = new ArrayList<>();
            for (ModelCard base : index.cards()) {
                Dataset test = tests.get(base.dataset().task());
                for (Policy.Proposal p : plain.propose(new PolicyContext(base, index, List.of()))) {
                    Move m = p.move();
                    rowsOut.add(new Row(base.id(), m.target(), m.layerMap(),
                            ZooExperiment.evaluate(models.get(base.id()), models.get(m.target()), m.layers(), test, lambdas, TOLERANCE)));
                }
            }
            saved = new Saved(key, Platform.codeVersion(), Instant.now().toString(), rowsOut);
            if (evaluationsFile != null) {
                Path parent = evaluationsFile.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                Path tmp = Files.createTempFile(parent, "evaluations", ".tmp");
                try {
                    SearchJson.MAPPER.writeValue(tmp.toFile(), saved);
                    Files.move(tmp, evaluationsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
                out.println("evaluations: " + rowsOut.size() + " computed, saved to " + evaluationsFile);
            }
        }
        Map<String, Map<String, Evaluated>> byBase = new TreeMap<>();
        for (ModelCard base : index.cards()) {
            Map<String, Evaluated> results = new HashMap<>();
            for (Policy.Proposal p : plain.propose(new PolicyContext(base, index, List.of()))) results.put(key(p.move()), null);
            byBase.put(base.id(), results);
        }
        for (Row r : saved.rows()) {
            Map<String, Evaluated> results = byBase.get(r.base());
            Move m = plain.candidates().move().of(r.base(), r.target(), LayerMap.parse(r.layerMap()));
            if (results != null && results.containsKey(key(m))) results.put(key(m), Evaluated.ok(m, r.report()));
        }
        for (var e : byBase.entrySet()) {
            for (var r : e.getValue().entrySet()) {
                if (r.getValue() == null) throw new IllegalStateException("the saved evaluations have no result for base " + e.getKey()
                        + " and move " + r.getKey() + " (pass --recompute)");
            }
        }
        return byBase;
    }

    /**
     * What identifies a move's outcome in this experiment: target and layer map. Every move is
     * evaluated the same way (weight matching, the λ grid), whatever aligner or λ policy a law set.
     */
    private static String key(Move m) { return m.target() + "|" + m.layerMap(); }
}
