package org.mal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnMoveMerge;
import org.mal.core.cnn.CnnRepair;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.method.ActivationAligner;
import org.mal.core.method.ConvexMerger;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.NaiveAligner;
import org.mal.core.method.WeightAligner;
import org.mal.core.method.ZipAligner;
import org.mal.core.align.Zip;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;

/**
 * {@link MoveRunner} for a search whose base is a CNN: the same steps (align, merge along λ, curves
 * of the aligned and the naive merge on the selection rows of each task, λ by the move's rule, the
 * paired comparison with the base) on {@link CnnModel}s through {@link CnnMoveMerge}.
 *
 * <p>The move's methods are resolved by the one registry ({@link MoveMethod#of}, so a wrong name or
 * setting fails as for MLPs) and then read as CNN methods ({@link #method}): aligners {@code naive},
 * {@code weight} ({@code max-sweeps}), {@code activation} ({@code rows}) and {@code zip} ({@code rows},
 * {@code decay}, {@code budget}; whole-network moves only, {@link CnnMoveMerge}); merger {@code convex},
 * whose {@code repair = true} is REPAIR for CNNs (batch-norm statistics reset on {@code repair-rows}
 * training rows, and REPAIR of convs without a batch norm: {@link CnnRepair.Correction#REPAIR}).
 * What has no CNN counterpart yet ({@code np}, {@code depth = cka}, zip or activation matching of a partial layer map,
 * {@code repair-method = closed-form}, soups, plug-ins) is refused naming it.
 */
final class CnnMoveRunner {
    private CnnMoveRunner() {}

    /** The CNN method of a move (see the class comment). */
    static CnnMoveMerge.Method method(Move move, long seed) {
        MoveMethod m = MoveMethod.of(move);
        if (m.aligner().depth() != null) throw new IllegalArgumentException("move aligner setting depth = cka is not built for CNNs");
        CnnMoveMerge.Matching matching;
        int sweeps = 100;
        int rows = 0;
        Zip.Settings zip = Zip.Settings.DEFAULT;
        if (m.aligner() instanceof NaiveAligner) {
            matching = CnnMoveMerge.Matching.NAIVE;
        } else if (m.aligner() instanceof WeightAligner w) {
            matching = CnnMoveMerge.Matching.WEIGHT;
            sweeps = w.maxSweeps();
        } else if (m.aligner() instanceof ActivationAligner a) {
            matching = CnnMoveMerge.Matching.ACTIVATION;
            rows = a.rows();
        } else if (m.aligner() instanceof ZipAligner z) {
            matching = CnnMoveMerge.Matching.ZIP;
            rows = z.rows();
            zip = new Zip.Settings(z.decay(), z.budget());
        } else {
            throw new IllegalArgumentException("aligner " + m.aligner().name() + " is not built for CNNs; use naive, weight, activation or zip");
        }
        if (!(m.merger() instanceof ConvexMerger c)) {
            throw new IllegalArgumentException("merger " + m.merger().name() + " is not built for CNNs; use convex (repair = true: batch-norm reset / REPAIR)");
        }
        if (c.closedForm()) throw new IllegalArgumentException("merger setting repair-method = closed-form is not built for CNNs; use measured");
        CnnRepair.Correction correction = c.repair() ? CnnRepair.Correction.REPAIR : CnnRepair.Correction.NONE;
        // one sample of training rows: the correction's when there is one (activation matching then reads the same rows)
        if (c.repair()) rows = c.repairRows();
        return new CnnMoveMerge.Method(matching, sweeps, correction, Math.max(1, rows), seed, zip);
    }

    static Outcome run(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit,
                       MoveRunner.Files files) {
        long started = System.nanoTime();
        if (!move.soup().isEmpty()) throw new IllegalArgumentException("soups of CNNs are not built: move " + move.targetNames());
        CnnMoveMerge.Method method = method(move, bench.seed());
        ModelCard target = targets.get(0);
        CnnModel b = base(bench, move, base, baseBlob, targets, files);
        CnnModel t = target(bench, target, files);
        String baseTask = MoveRunner.task(base);
        Dataset training = method.needsRows() ? bench.training(baseTask, method.rows()) : null;
        CnnMoveMerge.Merges merges = CnnMoveMerge.prepare(b, t, move.layers(), method, training);
        List<Dataset> sets = new ArrayList<>();
        for (String task : bench.tasks(baseTask, target.dataset() == null ? null : target.dataset().task())) sets.add(bench.selection(task));
        double[] lambdas = bench.lambdas();
        Measured aligned = new Measured(merges.aligned()::apply, sets);
        Measured naive = new Measured(merges.naive()::apply, sets);
        List<Lmc.TaskCurves> curves = new ArrayList<>();
        for (int k = 0; k < sets.size(); k++) {
            curves.add(new Lmc.TaskCurves(sets.get(k).name(), sets.get(k).contentHash(), aligned.curve(k, lambdas), naive.curve(k, lambdas)));
        }
        Lmc.Report report = Lmc.report(lambdas, curves, bench.evaluation().tolerance());
        Lmc.Curve first = curves.get(0).aligned();
        LambdaRule rule = MoveMethod.of(move).rule();
        double lambda = rule.choose(LambdaRule.Curve.measured(sets.get(0), lambdas, first.loss(), first.accuracy(), lossLimit,
                l -> aligned.at(0, l).metrics()));
        CnnModel merged = aligned.model(lambda);
        Map<String, Double> accuracy = new LinkedHashMap<>();
        for (int k = 0; k < sets.size(); k++) accuracy.put(sets.get(k).name(), aligned.at(k, lambda).metrics().accuracy());
        double loss = aligned.at(0, lambda).metrics().loss();
        McNemar.Result r = McNemar.compare(aligned.at(0, 0.0).correct(), aligned.at(0, lambda).correct());
        Evaluated.Paired paired = new Evaluated.Paired(r.onlyFirst(), r.onlySecond(), sets.get(0).size());
        return new Outcome(report, lambda, loss, accuracy, merges.described(), merges.alignment().objectiveAfter(),
                (System.nanoTime() - started) / 1e9, Model.hashParams(merged.params()), paired);
    }

    /** A merge at each λ asked, and its loss, accuracy and per-row correctness on each task, each computed once. */
    private static final class Measured {
        private final java.util.function.DoubleFunction<CnnModel> mergeAt;
        private final List<Dataset> sets;
        private final Map<Double, CnnModel> models = new HashMap<>();
        private final List<Map<Double, org.mal.core.model.Evaluator.Rows>> memo = new ArrayList<>();

        Measured(java.util.function.DoubleFunction<CnnModel> mergeAt, List<Dataset> sets) {
            this.mergeAt = mergeAt;
            this.sets = sets;
            for (int k = 0; k < sets.size(); k++) memo.add(new HashMap<>());
        }

        /** The merge at {@code lambda} (with a batch-norm reset, its statistics are measured once, not once per task). */
        CnnModel model(double lambda) {
            return models.computeIfAbsent(lambda, mergeAt::apply);
        }

        org.mal.core.model.Evaluator.Rows at(int task, double lambda) {
            return memo.get(task).computeIfAbsent(lambda, l -> CnnMoveMerge.rows(model(l), sets.get(task)));
        }

        Lmc.Curve curve(int task, double[] lambdas) {
            double[] loss = new double[lambdas.length];
            double[] acc = new double[lambdas.length];
            for (int k = 0; k < lambdas.length; k++) {
                Metrics m = at(task, lambdas[k]).metrics();
                loss[k] = m.loss();
                acc[k] = m.accuracy();
            }
            return new Lmc.Curve(loss, acc);
        }
    }

    /** The merge a move's outcome describes, computed again (alignment and corrections are deterministic). */
    static CnnModel materialise(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, double lambda) {
        if (!move.soup().isEmpty()) throw new IllegalArgumentException("soups of CNNs are not built: move " + move.targetNames());
        CnnModel b = base(bench, move, base, baseBlob, targets, null);
        CnnModel t = target(bench, targets.get(0), null);
        return merge(bench, move, b, MoveRunner.task(base), t, lambda);
    }

    /** The same on models in memory (a recipe replayed step by step). */
    static CnnModel merge(Workbench bench, Move move, CnnModel base, String baseTask, CnnModel target, double lambda) {
        CnnMoveMerge.Method method = method(move, bench.seed());
        Dataset training = method.needsRows() ? bench.training(baseTask, method.rows()) : null;
        return CnnMoveMerge.prepare(base, target, move.layers(), method, training).aligned().apply(lambda);
    }

    private static CnnModel base(Workbench bench, Move move, ModelCard base, String baseBlob, List<ModelCard> targets, MoveRunner.Files files) {
        List<String> ids = targets.stream().map(ModelCard::id).toList();
        if (!move.targets().equals(ids)) throw new IllegalArgumentException("the move's targets are " + move.targets() + ", not " + ids);
        CnnModel b = baseBlob == null ? bench.cnnZooModel(base.id(), files == null ? null : files.base()) : bench.cnnAssembly(base.weightsHash(), baseBlob);
        String h = Model.hashParams(b.params());
        if (!h.equals(base.weightsHash())) {
            throw new IllegalStateException("the weights of base " + base.id() + " changed on disk (hash " + h + ", expected " + base.weightsHash() + ")");
        }
        return b;
    }

    private static CnnModel target(Workbench bench, ModelCard target, MoveRunner.Files files) {
        if (!target.convolutional()) throw new IllegalArgumentException("zoo model " + target.id() + " is an MLP; a CNN base merges CNNs only");
        CnnModel t = bench.cnnZooModel(target.id(), files == null ? null : files.targets().get(0));
        if (!Model.hashParams(t.params()).equals(target.weightsHash())) {
            throw new MoveRunner.TargetChanged("the weights of zoo model " + target.id() + " changed on disk since it was indexed");
        }
        return t;
    }
}
