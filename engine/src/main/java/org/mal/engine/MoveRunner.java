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
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.method.Aligned;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.Pair;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
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
        long started = System.nanoTime();
        MoveMethod method = MoveMethod.of(move);
        Pair pair = pair(bench, move, base, baseBlob, target);
        Aligned aligned = align(bench, move, method, pair);
        LayerMap map = aligned.alignment().map();
        Map<String, INDArray> naive = Transplant.alignedTensors(pair.base(), pair.target(), WeightMatching.naive(pair.base(), pair.target(), map));
        List<Dataset> sets = new ArrayList<>();
        for (String t : bench.tasks(pair.baseTask(), pair.targetTask())) sets.add(bench.selection(t));
        double[] lambdas = bench.lambdas();
        // the curves are the merger's own (REPAIRed when it repairs); a merger that learns its coefficients is compared with convex ones
        DoubleFunction<Model> mergeAt = method.merger().takesLambda() ? method.merger().curve(pair, aligned, bench)
                : l -> Merge.convex(pair.base(), aligned.tensors(), l);
        Lmc.Report report = Lmc.evaluate(pair.base(), mergeAt, Lmc.firstLayer(aligned.tensors()), naive, sets, lambdas,
                bench.evaluation().tolerance(), Evaluator.DEFAULT_BATCH);
        double lambda;
        Model merged;
        Map<String, Double> accuracy = new LinkedHashMap<>();
        double loss;
        if (method.merger().takesLambda()) {
            double[] baseLoss = report.tasks().get(0).aligned().loss();
            lambda = method.rule().choose(new LambdaRule.Curve(mergeAt, sets.get(0), lambdas, baseLoss, lossLimit));
            merged = mergeAt.apply(lambda);
            loss = evaluate(merged, sets, accuracy);
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
        }
        String described = method.aligner().describe(aligned) + (method.merger().takesLambda() ? "" : "+" + method.merger().name());
        return new Outcome(report, lambda, loss, accuracy, described, aligned.alignment().objectiveAfter(),
                (System.nanoTime() - started) / 1e9, merged.contentHash());
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
        return merge(bench, move, pair(bench, move, base, baseBlob, target), lambda);
    }

    /** The same on models in memory (a recipe replayed step by step). */
    public static Model merge(Workbench bench, Move move, Model base, String baseTask, Model target, double lambda) {
        return merge(bench, move, new Pair(base, target, baseTask, null), lambda);
    }

    private static Model merge(Workbench bench, Move move, Pair pair, double lambda) {
        MoveMethod method = MoveMethod.of(move);
        return method.merger().merge(pair, align(bench, move, method, pair), lambda, bench);
    }

    private static Aligned align(Workbench bench, Move move, MoveMethod method, Pair pair) {
        LayerMap map = method.aligner().layerMap(pair, move.layers(), bench);
        return method.aligner().align(pair, map, bench);
    }

    /** A zoo model's file holds other weights than the card the move was planned with (replaced since it was indexed). */
    public static final class TargetChanged extends IllegalStateException {
        TargetChanged(String message) { super(message); }
    }

    private static Pair pair(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target) {
        if (!move.target().equals(target.id())) throw new IllegalArgumentException("the move's target is " + move.target() + ", not " + target.id());
        Model b = baseBlob == null ? bench.zooModel(base.id()) : bench.assembly(base.weightsHash(), baseBlob);
        if (!b.contentHash().equals(base.weightsHash())) {
            throw new IllegalStateException("the weights of base " + base.id() + " changed on disk (hash " + b.contentHash() + ", expected "
                    + base.weightsHash() + ")");
        }
        Model t = bench.zooModel(target.id());
        if (!t.contentHash().equals(target.weightsHash())) {
            throw new TargetChanged("the weights of zoo model " + target.id() + " changed on disk since it was indexed");
        }
        return new Pair(b, t, task(base), target.dataset() == null ? null : target.dataset().task());
    }

    /** The task a model's card says it was trained on, or a clear error. */
    public static String task(ModelCard card) {
        if (card.dataset() == null || card.dataset().task() == null) {
            throw new IllegalArgumentException("model " + card.id() + " does not say which task it was trained on (its card has no dataset)");
        }
        return card.dataset().task();
    }
}
