package org.mal.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.merge.ConvexPath;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.method.Aligned;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.Pair;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Carries out one move: align the target's layers to the base, merge, and evaluate the merge over
 * the λ grid and at the λ its rule chooses. The methods come from the move through the one registry
 * ({@link MoveMethod}); nothing here knows a method by name. No actors here; a worker calls
 * {@link #run}, the coordinator {@link #materialise}, a recipe {@link #merge}.
 *
 * <p>For a merger that learns its own coefficients (NP Merge), the move's "λ" is the target's mean
 * share {@code 1 − mean(α)} (what λ is for a convex merge), or 0 when the learned merge's loss is
 * over the limit (the move keeps nothing). The convex curves stay in the report for comparison.
 */
public final class MoveRunner {
    private MoveRunner() {}

    /**
     * @param base the base's card (the origin or an assembly); {@code baseBlob} null means a zoo model
     * @param lossLimit the base-task loss the merge may not exceed
     */
    public static Outcome run(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, double lossLimit) {
        return run(bench, move, base, baseBlob, List.of(target), lossLimit);
    }

    /**
     * @param targets the cards of the move's targets ({@link Move#targets()}: one, or a soup's), in that order
     */
    public static Outcome run(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit) {
        return run(bench, move, base, baseBlob, targets, lossLimit, null);
    }

    /**
     * Which files hold a move's models, by the SHA-256 of their bytes, for a workbench that gets
     * files as blobs ({@link Workbench#zooModel(String, String)}): the base's (its store blob for an
     * assembly, its zoo file's for a zoo model) and each target's zoo file, in {@link Move#targets()} order.
     */
    public record Files(String base, List<String> targets) {
        public Files {
            targets = List.copyOf(targets);
        }
    }

    /** @param files where the models are as blobs; null: by id from the zoo folder (and the store or assemblies folder) */
    public static Outcome run(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit, Files files) {
        if (files != null && files.targets().size() != targets.size()) {
            throw new IllegalArgumentException("the move has " + targets.size() + " targets but " + files.targets().size() + " target files");
        }
        if (base.convolutional()) return CnnMoveRunner.run(bench, move, base, baseBlob, targets, lossLimit, files);
        if (move.soup().isEmpty()) return runOne(bench, move, base, baseBlob, targets.get(0), lossLimit, files);
        long started = System.nanoTime();
        MoveMethod method = MoveMethod.of(move);
        if (!method.merger().takesLambda()) {
            throw new IllegalArgumentException("merger " + method.merger().name() + " merges one target per move, not a soup of " + targets.size());
        }
        List<Pair> pairs = pairs(bench, move, base, baseBlob, targets, files);
        List<Aligned> aligned = new ArrayList<>();
        List<Map<String, INDArray>> naive = new ArrayList<>();
        for (Pair p : pairs) {
            Aligned a = align(bench, move, method, p);
            aligned.add(a);
            naive.add(Transplant.alignedTensors(p.base(), p.target(), WeightMatching.naive(p.base(), p.target(), a.alignment().map())));
        }
        Model b = pairs.get(0).base();
        List<Dataset> sets = new ArrayList<>();
        for (String t : bench.tasks(pairs.get(0).baseTask(), pairs.get(0).targetTask())) sets.add(bench.selection(t));
        double[] lambdas = bench.lambdas();
        DoubleFunction<Model> mergeAt = method.merger().soupCurve(pairs, aligned, bench);
        ConvexPath naiveAt = ConvexPath.soup(b, naive);
        int first = Integer.MAX_VALUE;
        int firstNaive = Integer.MAX_VALUE;
        for (int k = 0; k < pairs.size(); k++) {
            first = Math.min(first, Lmc.firstLayer(aligned.get(k).tensors()));
            firstNaive = Math.min(firstNaive, Lmc.firstLayer(naive.get(k)));
        }
        Lmc.Evaluation curves = Lmc.prepare(b, mergeAt, first, naiveAt, firstNaive, sets, Evaluator.DEFAULT_BATCH);
        Lmc.Report report = curves.report(lambdas, bench.evaluation().tolerance());
        double[] baseLoss = report.tasks().get(0).aligned().loss();
        double lambda = method.rule().choose(new LambdaRule.Curve(mergeAt, sets.get(0), lambdas, baseLoss,
                report.tasks().get(0).aligned().accuracy(), lossLimit, l -> curves.aligned(0, l)));
        Model merged = mergeAt.apply(lambda);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        double loss = measured(curves, lambda, sets, accuracy);
        String described = "soup of " + pairs.size() + ": " + method.aligner().describe(aligned.get(0));
        return new Outcome(report, lambda, loss, accuracy, described, aligned.get(0).alignment().objectiveAfter(),
                (System.nanoTime() - started) / 1e9, merged.contentHash(), paired(curves, lambda, sets.get(0)));
    }

    private static Outcome runOne(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, double lossLimit, Files files) {
        long started = System.nanoTime();
        MoveMethod method = MoveMethod.of(move);
        Pair pair = pair(bench, move, base, baseBlob, target, files);
        Aligned aligned = align(bench, move, method, pair);
        LayerMap map = aligned.alignment().map();
        Map<String, INDArray> naive = Transplant.alignedTensors(pair.base(), pair.target(), WeightMatching.naive(pair.base(), pair.target(), map));
        List<Dataset> sets = new ArrayList<>();
        for (String t : bench.tasks(pair.baseTask(), pair.targetTask())) sets.add(bench.selection(t));
        double[] lambdas = bench.lambdas();
        // the curves are the merger's own (REPAIRed when it repairs); a merger that learns its coefficients is compared with convex ones
        DoubleFunction<Model> mergeAt = method.merger().takesLambda() ? method.merger().curve(pair, aligned, bench)
                : ConvexPath.of(pair.base(), aligned.tensors());
        Lmc.Evaluation curves = Lmc.prepare(pair.base(), mergeAt, Lmc.firstLayer(aligned.tensors()), ConvexPath.of(pair.base(), naive),
                Lmc.firstLayer(naive), sets, Evaluator.DEFAULT_BATCH);
        Lmc.Report report = curves.report(lambdas, bench.evaluation().tolerance());
        double lambda;
        Model merged;
        Map<String, Double> accuracy = new LinkedHashMap<>();
        double loss;
        Evaluated.Paired paired;
        if (method.merger().takesLambda()) {
            double[] baseLoss = report.tasks().get(0).aligned().loss();
            lambda = method.rule().choose(new LambdaRule.Curve(mergeAt, sets.get(0), lambdas, baseLoss,
                    report.tasks().get(0).aligned().accuracy(), lossLimit, l -> curves.aligned(0, l)));
            merged = mergeAt.apply(lambda);
            loss = measured(curves, lambda, sets, accuracy);
            paired = paired(curves, lambda, sets.get(0));
        } else {
            merged = method.merger().merge(pair, aligned, 1.0, bench);
            loss = evaluate(merged, sets, accuracy);
            double share = Merge.targetShare(pair.base(), aligned.tensors(), merged);
            lambda = loss <= lossLimit && !Double.isNaN(share) ? share : 0.0;
            if (lambda == 0.0) {   // the move keeps nothing: the base, as the curves have it at λ = 0
                merged = pair.base();
                accuracy.clear();
                for (int k = 0; k < sets.size(); k++) accuracy.put(sets.get(k).name(), report.tasks().get(k).aligned().accuracy()[0]);
                loss = report.tasks().get(0).aligned().loss()[0];
            }
            paired = paired(pair.base(), merged, sets.get(0));
        }
        String described = method.aligner().describe(aligned) + (method.merger().takesLambda() ? "" : "+" + method.merger().name());
        return new Outcome(report, lambda, loss, accuracy, described, aligned.alignment().objectiveAfter(),
                (System.nanoTime() - started) / 1e9, merged.contentHash(), paired);
    }

    /** The merge against the base, row by row on {@code rows}. */
    private static Evaluated.Paired paired(Model base, Model merged, Dataset rows) {
        McNemar.Result r = McNemar.compare(Evaluator.correct(base, rows), Evaluator.correct(merged, rows));
        return new Evaluated.Paired(r.onlyFirst(), r.onlySecond(), rows.size());
    }

    /** The merge at {@code lambda} against the base (λ = 0), row by row on {@code rows}, the first of the curves' tasks. */
    private static Evaluated.Paired paired(Lmc.Evaluation curves, double lambda, Dataset rows) {
        McNemar.Result r = McNemar.compare(curves.alignedCorrect(0, 0.0), curves.alignedCorrect(0, lambda));
        return new Evaluated.Paired(r.onlyFirst(), r.onlySecond(), rows.size());
    }

    /** The curves' accuracy at {@code lambda} on every set into {@code accuracy}; returns the loss on the first (the base's task). */
    private static double measured(Lmc.Evaluation curves, double lambda, List<Dataset> sets, Map<String, Double> accuracy) {
        double loss = Double.NaN;
        for (int k = 0; k < sets.size(); k++) {
            Metrics m = curves.aligned(k, lambda);
            if (k == 0) loss = m.loss();
            accuracy.put(sets.get(k).name(), m.accuracy());
        }
        return loss;
    }

    /** Accuracy on every set into {@code accuracy}; returns the loss on the first (the base's task). */
    private static double evaluate(Model merged, List<Dataset> sets, Map<String, Double> accuracy) {
        double loss = Double.NaN;
        for (int k = 0; k < sets.size(); k++) {
            Metrics m = Evaluator.evaluate(merged, sets.get(k));
            if (k == 0) loss = m.loss();
            accuracy.put(sets.get(k).name(), m.accuracy());
        }
        return loss;
    }

    /** The merge a move's outcome describes, computed again (alignment and learning are deterministic). */
    public static Model materialise(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, double lambda) {
        return materialise(bench, move, base, baseBlob, List.of(target), lambda);
    }

    /** The merge a CNN move's outcome describes, computed again ({@link CnnMoveRunner}); {@code base} is a CNN's card. */
    public static org.mal.core.cnn.CnnModel materialiseCnn(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets,
                                                            double lambda) {
        return CnnMoveRunner.materialise(bench, move, base, baseBlob, targets, lambda);
    }

    /** The same on CNNs in memory (a recipe replayed step by step). */
    public static org.mal.core.cnn.CnnModel mergeCnn(Workbench bench, Move move, org.mal.core.cnn.CnnModel base, String baseTask,
                                                     org.mal.core.cnn.CnnModel target, double lambda) {
        return CnnMoveRunner.merge(bench, move, base, baseTask, target, lambda);
    }

    /** The same for a move of several targets (their cards in {@link Move#targets()} order). */
    public static Model materialise(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, double lambda) {
        return merge(bench, move, pairs(bench, move, base, baseBlob, targets, null), lambda);
    }

    /** The same on models in memory (a recipe replayed step by step). */
    public static Model merge(Workbench bench, Move move, Model base, String baseTask, Model target, double lambda) {
        return merge(bench, move, base, baseTask, List.of(target), lambda);
    }

    /** The same for a move of several targets (in {@link Move#targets()} order). */
    public static Model merge(Workbench bench, Move move, Model base, String baseTask, List<Model> targets, double lambda) {
        List<Pair> pairs = new ArrayList<>();
        for (Model t : targets) pairs.add(new Pair(base, t, baseTask, null));
        return merge(bench, move, pairs, lambda);
    }

    private static Model merge(Workbench bench, Move move, List<Pair> pairs, double lambda) {
        MoveMethod method = MoveMethod.of(move);
        if (pairs.size() != move.targets().size()) {
            throw new IllegalArgumentException("move " + move.targetNames() + " has " + move.targets().size() + " targets, got " + pairs.size());
        }
        if (pairs.size() == 1) return method.merger().merge(pairs.get(0), align(bench, move, method, pairs.get(0)), lambda, bench);
        List<Aligned> aligned = new ArrayList<>();
        for (Pair p : pairs) aligned.add(align(bench, move, method, p));
        return method.merger().soupCurve(pairs, aligned, bench).apply(lambda);
    }

    private static Aligned align(Workbench bench, Move move, MoveMethod method, Pair pair) {
        LayerMap map = method.aligner().layerMap(pair, move.layers(), bench);
        return method.aligner().align(pair, map, bench);
    }

    /** A zoo model's file holds other weights than the card the move was planned with (replaced since it was indexed). */
    public static final class TargetChanged extends IllegalStateException {
        TargetChanged(String message) { super(message); }
    }

    private static Pair pair(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, Files files) {
        return pairs(bench, move, base, baseBlob, List.of(target), files).get(0);
    }

    /** One pair per target (the same base), every model's weights checked against its card. */
    private static List<Pair> pairs(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, Files files) {
        List<String> ids = targets.stream().map(ModelCard::id).toList();
        if (!move.targets().equals(ids)) throw new IllegalArgumentException("the move's targets are " + move.targets() + ", not " + ids);
        Model b = baseBlob == null ? bench.zooModel(base.id(), files == null ? null : files.base())
                : bench.assembly(base.weightsHash(), baseBlob);
        if (!b.contentHash().equals(base.weightsHash())) {
            throw new IllegalStateException("the weights of base " + base.id() + " changed on disk (hash " + b.contentHash() + ", expected "
                    + base.weightsHash() + ")");
        }
        List<Pair> out = new ArrayList<>();
        for (int k = 0; k < targets.size(); k++) {
            ModelCard target = targets.get(k);
            Model t = bench.zooModel(target.id(), files == null ? null : files.targets().get(k));
            if (!t.contentHash().equals(target.weightsHash())) {
                throw new TargetChanged("the weights of zoo model " + target.id() + " changed on disk since it was indexed");
            }
            out.add(new Pair(b, t, task(base), target.dataset() == null ? null : target.dataset().task()));
        }
        return out;
    }

    /** The zoo cards of the move's targets in {@link Move#targets()} order, or empty when one of them is not in the zoo. */
    public static java.util.Optional<List<ModelCard>> targetCards(org.mal.policies.ZooIndex zoo, Move move) {
        List<ModelCard> out = new ArrayList<>();
        for (String id : move.targets()) {
            var c = zoo.get(id);
            if (c.isEmpty()) return java.util.Optional.empty();
            out.add(c.get());
        }
        return java.util.Optional.of(out);
    }

    /** {@link #targetWeights(List)} of the cards' weights hashes. */
    public static String targetWeightsOf(List<ModelCard> targets) {
        return targetWeights(targets.stream().map(ModelCard::weightsHash).toList());
    }

    /**
     * What a move's result says about its targets' weights: the target's weights hash, or for a soup
     * the SHA-256 of {@code soup:} and every target's hash joined by commas (in {@link Move#targets()} order).
     */
    public static String targetWeights(List<String> hashes) {
        if (hashes.size() == 1) return hashes.get(0);
        return org.mal.core.Sha256.hex("soup:" + String.join(",", hashes));
    }

    /** The task a model's card says it was trained on, or a clear error. */
    public static String task(ModelCard card) {
        if (card.dataset() == null || card.dataset().task() == null) {
            throw new IllegalArgumentException("model " + card.id() + " does not say which task it was trained on (its card has no dataset)");
        }
        return card.dataset().task();
    }
}
