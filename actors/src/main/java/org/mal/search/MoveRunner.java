package org.mal.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mal.core.Platform;
import org.mal.core.align.ActivationMatching;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.merge.Threshold;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.policies.Move;
import org.mal.policies.laws.MergingThreshold;
import org.mal.store.CacheKey;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Carries out one move: align the target's layers to the base, merge, and evaluate the merge over
 * the λ grid and at the λ its policy chooses. No actors here; a worker calls {@link #run}.
 *
 * <p>Aligners: {@code weight} (settings {@code max-sweeps}, default 100; the sweep order's seed is
 * the search's), {@code activation} (settings {@code rows}, default 1000, of the base task's
 * training data), {@code naive}. Merger: {@code convex}. λ policies: {@code threshold} (the
 * merging-threshold law: {@code method} refined-grid with {@code refine} points, or bisection with
 * {@code steps}) and {@code fixed} ({@code value}; the move retains nothing, λ = 0, when the loss
 * there is over the limit).
 */
public final class MoveRunner {
    private MoveRunner() {}

    /** The models a move works on, loaded. */
    public record Inputs(Model base, Model target, String baseTask, String targetTask) {}

    /**
     * @param base the base's card (the origin or an assembly); {@code baseBlob} null means a zoo model
     * @param lossLimit the base-task loss the merge may not exceed
     */
    public static Outcome run(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, double lossLimit) {
        long started = System.nanoTime();
        Inputs in = inputs(bench, move, base, baseBlob, target);
        LayerMap map = layerMap(bench, move, in);
        Alignment alignment = align(bench, move, in, map);
        Map<String, INDArray> aligned = alignedTensors(bench, move, in, alignment);
        Map<String, INDArray> naive = Transplant.alignedTensors(in.base(), in.target(), WeightMatching.naive(in.base(), in.target(), map));
        List<String> taskNames = tasks(bench, in);
        List<Dataset> sets = new ArrayList<>();
        for (String t : taskNames) sets.add(bench.selection(t));
        double[] lambdas = bench.lambdas();
        Lmc.Report report = Lmc.evaluate(in.base(), aligned, naive, sets, lambdas, bench.evaluation().tolerance(), Evaluator.DEFAULT_BATCH);
        double[] baseLoss = report.tasks().get(0).aligned().loss();
        if (NP.equals(move.merger())) return npOutcome(bench, move, in, aligned, report, sets, lossLimit, alignment, started);
        double lambda = switch (move.lambdaPolicy()) {
            case MergingThreshold.POLICY -> {
                String method = String.valueOf(move.lambdaSettings().getOrDefault("method", "refined-grid"));
                yield switch (method) {
                    case "refined-grid" -> Threshold.search(in.base(), aligned, sets.get(0), lambdas, baseLoss, lossLimit,
                            Threshold.Method.REFINED_GRID, intSetting(move.lambdaSettings(), "refine", 9));
                    case "bisection" -> Threshold.search(in.base(), aligned, sets.get(0), lambdas, baseLoss, lossLimit,
                            Threshold.Method.BISECTION, intSetting(move.lambdaSettings(), "steps", 6));
                    default -> throw new IllegalArgumentException("unknown threshold method '" + method + "'; refined-grid or bisection");
                };
            }
            case "fixed" -> {
                Object v = move.lambdaSettings().get("value");
                if (!(v instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
                    throw new IllegalArgumentException("a fixed λ policy needs a value in [0, 1], got " + v);
                }
                yield Threshold.lossAt(in.base(), aligned, sets.get(0), n.doubleValue()) <= lossLimit ? n.doubleValue() : 0.0;
            }
            default -> throw new IllegalArgumentException("unknown λ policy '" + move.lambdaPolicy() + "'; threshold or fixed");
        };
        Map<String, Double> accuracy = new LinkedHashMap<>();
        double loss = evaluate(Merge.convex(in.base(), aligned, lambda), sets, accuracy);
        return new Outcome(report, lambda, loss, accuracy, describe(alignment, move), alignment.objectiveAfter(),
                (System.nanoTime() - started) / 1e9);
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

    /** The merger name of NP Merge (settings: rows, epochs, lr, granularity). */
    public static final String NP = "np";

    /**
     * An NP Merge move: α learned on training rows of the base's task; its "λ" is the target's mean
     * share {@code 1 − mean(α)} (what λ is for a convex merge), or 0 when the learned merge's loss is
     * over the limit (the move keeps nothing). The convex curves stay in the report for comparison.
     */
    private static Outcome npOutcome(Workbench bench, Move move, Inputs in, Map<String, INDArray> aligned, Lmc.Report report,
                                     List<Dataset> sets, double lossLimit, Alignment alignment, long started) {
        Model merged = npMerge(bench, move, in, aligned);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        double loss = evaluate(merged, sets, accuracy);
        double share = 0;
        long n = 0;
        for (Map.Entry<String, INDArray> e : aligned.entrySet()) {
            INDArray wb = in.base().params().get(e.getKey());
            INDArray mixed = merged.params().get(e.getKey());
            INDArray diff = e.getValue().castTo(wb.dataType()).sub(wb);
            // the target's share per parameter is (W − W_base) / (W_target − W_base) = 1 − α, where they differ
            INDArray mask = org.nd4j.linalg.ops.transforms.Transforms.abs(diff).gt(1e-12).castTo(wb.dataType());
            INDArray ratio = mixed.sub(wb).divi(diff.add(mask.rsub(1.0))).muli(mask);
            share += ratio.sumNumber().doubleValue();
            n += mask.sumNumber().longValue();
        }
        double lambda = loss <= lossLimit && n > 0 ? share / n : 0.0;
        if (lambda == 0.0) {
            accuracy = new LinkedHashMap<>();
            for (int k = 0; k < sets.size(); k++) accuracy.put(sets.get(k).name(), report.tasks().get(k).aligned().accuracy()[0]);
            loss = report.tasks().get(0).aligned().loss()[0];
        }
        return new Outcome(report, lambda, loss, accuracy, describe(alignment, move) + "+np", alignment.objectiveAfter(),
                (System.nanoTime() - started) / 1e9);
    }

    /** NP Merge of an aligned target into the base, learned on training rows of the base's task (deterministic for a seed). */
    static Model npMerge(Workbench bench, Move move, Inputs in, Map<String, INDArray> aligned) {
        Map<String, Object> s = move.mergerSettings();
        String g = String.valueOf(s.getOrDefault("granularity", "unit"));
        if (!g.equals("unit") && !g.equals("parameter")) throw new IllegalArgumentException("np granularity must be unit or parameter, got " + g);
        Object lr = s.getOrDefault("lr", 0.05);
        if (!(lr instanceof Number rate) || !(rate.doubleValue() > 0)) throw new IllegalArgumentException("np lr must be a number > 0, got " + lr);
        var settings = new org.mal.core.merge.NpMerge.Settings(g.equals("unit") ? org.mal.core.merge.NpMerge.Granularity.UNIT
                : org.mal.core.merge.NpMerge.Granularity.PARAMETER, intSetting(s, "epochs", 5), rate.doubleValue(), 64, bench.seed());
        String tasks = String.valueOf(s.getOrDefault("tasks", "base"));
        Dataset data = bench.training(in.baseTask(), intSetting(s, "rows", 2000));
        if (tasks.equals("all") && in.targetTask() != null && !in.targetTask().equals(in.baseTask())) {
            // the multitask setting: the target's task too, as many rows
            data = Dataset.concat(data.name() + "+" + in.targetTask(), data, bench.training(in.targetTask(), intSetting(s, "rows", 2000)));
        } else if (!tasks.equals("base") && !tasks.equals("all")) {
            throw new IllegalArgumentException("np tasks must be base or all, got " + tasks);
        }
        return org.mal.core.merge.NpMerge.learn(in.base(), aligned, data, settings).merged();
    }

    /** The merge a move's outcome describes, computed again (alignment is deterministic). */
    public static Model materialise(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target, double lambda) {
        Inputs in = inputs(bench, move, base, baseBlob, target);
        return merge(bench, move, in, lambda);
    }

    /** The same on models in memory (a recipe replayed step by step). */
    public static Model merge(Workbench bench, Move move, Model base, String baseTask, Model target, double lambda) {
        requireMerger(move);
        return merge(bench, move, new Inputs(base, target, baseTask, null), lambda);
    }

    private static Model merge(Workbench bench, Move move, Inputs in, double lambda) {
        Alignment alignment = align(bench, move, in, layerMap(bench, move, in));
        Map<String, INDArray> aligned = alignedTensors(bench, move, in, alignment);
        if (NP.equals(move.merger())) return lambda == 0 ? in.base() : npMerge(bench, move, in, aligned);
        return Merge.convex(in.base(), aligned, lambda);
    }

    /**
     * The evaluation cache key of a move: both models' weights, the move (without the base's name,
     * which the weights identify), its aligner and merger, the λ grid, the evaluation rows, the loss
     * limit, the seed and the code version.
     */
    public static CacheKey cacheKey(Workbench bench, Move move, ModelCard base, ModelCard target, double lossLimit) {
        Map<String, Object> m = new TreeMap<>();
        m.put("target", move.target());
        m.put("layer-map", move.layerMap());
        m.put("lambda-policy", move.lambdaPolicy());
        m.put("lambda-settings", move.lambdaSettings());
        Map<String, Object> aligner = new TreeMap<>(move.alignerSettings());
        aligner.put("name", move.aligner());
        Map<String, Object> merger = new TreeMap<>(move.mergerSettings());
        merger.put("name", move.merger());
        Map<String, String> data = bench.evaluationData(taskNames(bench, base, target));
        return CacheKey.evaluation()
                .baseWeights(base.weightsHash())
                .targetWeights(target.weightsHash())
                .move(m)
                .aligner(aligner)
                .merger(merger)
                .lambdaGrid(bench.lambdas())
                .evaluationData(data.toString())
                .codeVersion(Platform.codeVersion())
                .extra("loss-limit", lossLimit)
                .extra("seed", bench.seed())
                .extra("tolerance", bench.evaluation().tolerance())
                .build();
    }

    /** A zoo model's file holds other weights than the card the move was planned with (replaced since it was indexed). */
    public static final class TargetChanged extends IllegalStateException {
        TargetChanged(String message) { super(message); }
    }

    private static Inputs inputs(Workbench bench, Move move, ModelCard base, String baseBlob, ModelCard target) {
        if (!move.target().equals(target.id())) throw new IllegalArgumentException("the move's target is " + move.target() + ", not " + target.id());
        requireMerger(move);
        Model b = baseBlob == null ? bench.zooModel(base.id()) : bench.assembly(base.weightsHash(), baseBlob);
        if (!b.contentHash().equals(base.weightsHash())) {
            throw new IllegalStateException("the weights of base " + base.id() + " changed on disk (hash " + b.contentHash() + ", expected "
                    + base.weightsHash() + ")");
        }
        Model t = bench.zooModel(target.id());
        if (!t.contentHash().equals(target.weightsHash())) {
            throw new TargetChanged("the weights of zoo model " + target.id() + " changed on disk since it was indexed");
        }
        return new Inputs(b, t, task(base), target.dataset() == null ? null : target.dataset().task());
    }

    private static void requireMerger(Move move) {
        if (!"convex".equals(move.merger()) && !NP.equals(move.merger())) {
            throw new IllegalArgumentException("unknown merger '" + move.merger() + "'; the search merges with convex or np");
        }
    }

    /** The target's tensors in the base's shapes: by the alignment, or zipped (aligner zip). */
    private static Map<String, INDArray> alignedTensors(Workbench bench, Move move, Inputs in, Alignment alignment) {
        if (!ZIP.equals(move.aligner())) return Transplant.alignedTensors(in.base(), in.target(), alignment);
        Map<String, Object> s = move.alignerSettings();
        return org.mal.core.align.Zip.alignedTensors(in.base(), in.target(), bench.training(in.baseTask(), intSetting(s, "rows", 2000)),
                new org.mal.core.align.Zip.Settings(doubleSetting(s, "decay", 0.5), doubleSetting(s, "budget", 0.5)));
    }

    /** The aligner name of elastic neuron zipping (settings: rows, decay, budget); needs map i:i on models of equal depth. */
    public static final String ZIP = "zip";

    private static double doubleSetting(Map<String, Object> settings, String key, double dflt) {
        Object v = settings.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("setting '" + key + "' must be a number, got " + v);
    }

    /** The aligner as outcomes record it; with the map CKA chose when it chose one. */
    static String describe(Alignment alignment, Move move) {
        return move.alignerSettings().containsKey(org.mal.policies.Candidates.DEPTH)
                ? alignment.method() + " (cka map " + alignment.layerMap() + ")" : alignment.method();
    }

    /** The layer map a move runs with: its own, or the one CKA chooses (aligner setting {@code depth = cka}). */
    static LayerMap layerMap(Workbench bench, Move move, Inputs in) {
        Object depth = move.alignerSettings().get(org.mal.policies.Candidates.DEPTH);
        if (depth == null) return move.layers();
        if (!"cka".equals(depth)) throw new IllegalArgumentException("aligner setting depth must be cka, got " + depth);
        return org.mal.core.align.DepthAlignment.layerMap(in.base(), in.target(),
                bench.training(in.baseTask(), intSetting(move.alignerSettings(), "rows", 2000)));
    }

    private static Alignment align(Workbench bench, Move move, Inputs in, LayerMap map) {
        if (ZIP.equals(move.aligner())) {
            if (in.base().architecture().depth() != in.target().architecture().depth()
                    || !map.equals(LayerMap.identity(in.base().architecture().depth()))) {
                throw new IllegalArgumentException("aligner zip merges every layer of models of the same depth (map i:i), not "
                        + in.base().architecture().describe() + " <- " + in.target().architecture().describe() + " with map " + map);
            }
            return new Alignment(ZIP, map.toString(), List.of(), Double.NaN, Double.NaN, 0, 0);
        }
        return switch (move.aligner()) {
            case "weight" -> WeightMatching.align(in.base(), in.target(), map,
                    new WeightMatching.Settings(intSetting(move.alignerSettings(), "max-sweeps", 100), bench.seed()));
            case "naive" -> WeightMatching.naive(in.base(), in.target(), map);
            case "activation" -> {
                Dataset sel = bench.selection(in.baseTask());
                int rows = Math.min(intSetting(move.alignerSettings(), "rows", 1000), sel.size());
                int[] idx = new int[rows];
                for (int k = 0; k < rows; k++) idx[k] = k;
                yield ActivationMatching.align(in.base(), in.target(), map, sel.subset(sel.name() + "-align" + rows, idx));
            }
            default -> throw new IllegalArgumentException("unknown aligner '" + move.aligner() + "'; the search knows weight, activation, zip and naive");
        };
    }

    private static List<String> tasks(Workbench bench, Inputs in) {
        List<String> out = new ArrayList<>(List.of(in.baseTask()));
        if (bench.evaluation().targetTasks() && in.targetTask() != null && !in.targetTask().equals(in.baseTask())) out.add(in.targetTask());
        return out;
    }

    private static List<String> taskNames(Workbench bench, ModelCard base, ModelCard target) {
        List<String> out = new ArrayList<>(List.of(task(base)));
        String t = target.dataset() == null ? null : target.dataset().task();
        if (bench.evaluation().targetTasks() && t != null && !t.equals(out.get(0))) out.add(t);
        return out;
    }

    static String task(ModelCard card) {
        if (card.dataset() == null || card.dataset().task() == null) {
            throw new IllegalArgumentException("model " + card.id() + " does not say which task it was trained on (its card has no dataset)");
        }
        return card.dataset().task();
    }

    private static int intSetting(Map<String, Object> settings, String key, int dflt) {
        Object v = settings.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw new IllegalArgumentException("setting '" + key + "' must be an integer, got " + v);
    }
}
