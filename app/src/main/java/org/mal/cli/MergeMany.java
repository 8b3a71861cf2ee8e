package org.mal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mal.core.align.LayerMap;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Merge;
import org.mal.core.merge.NpMerge;
import org.mal.core.merge.Repair;
import org.mal.core.merge.Soup;
import org.mal.core.method.Aligned;
import org.mal.core.method.Aligner;
import org.mal.core.method.MethodData;
import org.mal.core.method.Methods;
import org.mal.core.method.NpMerger;
import org.mal.core.method.Pair;
import org.mal.core.method.TrainingSamples;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code ./mal merge --target A,B,...}: more than two models at once (NP Merge's joint and successive merges; convex soups). */
final class MergeMany {
    private MergeMany() {}

    /**
     * {@code --merger np --target A,B,...}: more than two models, merged by one joint parameterisation
     * (softmax coefficients over the base and every aligned target) and by successive pairwise NP
     * merges (each target aligned to the merge so far); both against the uniform average.
     */
    static int np(MergeCommand c, NpMerger np, PrintWriter o) throws Exception {
        ModelIO.Loaded base = ModelIO.load(c.resolve(c.baseRef));
        Model a = base.model();
        List<Model> targets = new ArrayList<>();
        for (String t : c.targetRef.split(",")) targets.add(ModelIO.load(c.resolve(t.trim())).model());
        DataDir dataDir = c.data.dir();
        MethodData methodData = new TrainingSamples(dataDir::load, c.seed);
        Aligner alignerMethod = c.cli(() -> Methods.aligner(c.aligner, c.alignerSettings(), "--aligner", MergeCommand.SETTINGS));
        String task = c.eval.get(0);
        Dataset sample = c.npSample(np, methodData);
        var settings = np.settings(c.seed);
        List<Map<String, INDArray>> aligned = new ArrayList<>();
        for (Model t : targets) aligned.add(c.alignTo(alignerMethod, new Pair(a, t, task, null), methodData));
        long t0 = System.nanoTime();
        var joint = NpMerge.learnJoint(a, aligned, sample, settings);
        double jointSecs = (System.nanoTime() - t0) / 1e9;
        var uniform = NpMerge.learnJoint(a, aligned, sample, new NpMerge.Settings(settings.granularity(), 0, settings.learningRate(),
                settings.batchSize(), c.seed));
        t0 = System.nanoTime();
        Model current = a;
        double successiveTrain = Double.NaN;
        for (Model t : targets) {
            var r = NpMerge.learn(current, c.alignTo(alignerMethod, new Pair(current, t, task, null), methodData), sample, settings);
            current = r.merged();
            successiveTrain = r.lossAfter();
        }
        double successiveSecs = (System.nanoTime() - t0) / 1e9;
        o.printf(Locale.ROOT, "%d models into %s; α learned on %d rows of %s (%s, %d epochs, lr %s)%n", targets.size() + 1,
                a.architecture().describe(), sample.size(), sample.name(), settings.granularity().name().toLowerCase(Locale.ROOT),
                settings.epochs(), settings.learningRate());
        o.printf(Locale.ROOT, "training loss: uniform average %.4f, joint %.4f (%.1f s), successive pairwise %.4f (%.1f s)%n",
                uniform.lossBefore(), joint.lossAfter(), jointSecs, successiveTrain, successiveSecs);
        Table t = new Table("test set", "joint acc", "successive acc", "uniform average acc", "base acc");
        for (String e : c.eval) {
            Dataset d = dataDir.load(e).test();
            t.row(d.name(), MergeOutput.pct(Evaluator.evaluate(joint.merged(), d).accuracy()), MergeOutput.pct(Evaluator.evaluate(current, d).accuracy()),
                    MergeOutput.pct(Evaluator.evaluate(uniform.merged(), d).accuracy()), MergeOutput.pct(Evaluator.evaluate(a, d).accuracy()));
        }
        t.print(o);
        return 0;
    }


    /**
     * {@code --target A,B,...} with the convex merger: the uniform soup (every model, the base
     * included, a share of 1/(K+1)), each target aligned to the base; with {@code --eval}, on each
     * test set, every model alone, the soup with and without REPAIR (statistics on training rows of
     * the first --eval task) and the ensemble (averaged probabilities) as the upper bound.
     */
    static int soup(MergeCommand c, PrintWriter o) throws Exception {
        if (c.lambda != null) throw new IllegalArgumentException("a soup of --target A,B,... is uniform; leave out --lambda");
        ModelIO.Loaded base = ModelIO.load(c.resolve(c.baseRef));
        Model a = base.model();
        List<String> ids = new ArrayList<>();
        List<Model> targets = new ArrayList<>();
        for (String t : c.targetRef.split(",")) {
            ids.add(t.trim());
            targets.add(ModelIO.load(c.resolve(t.trim())).model());
        }
        DataDir dataDir = c.data.dir();
        MethodData methodData = new TrainingSamples(dataDir::load, c.seed);
        Aligner alignerMethod = c.cli(() -> Methods.aligner(c.aligner, c.alignerSettings(), "--aligner", MergeCommand.SETTINGS));
        String task = c.eval != null && !c.eval.isEmpty() ? c.eval.get(0) : MergeCommand.task(base);
        List<Aligned> alignedBy = new ArrayList<>();
        List<Map<String, INDArray>> aligned = new ArrayList<>();
        for (Model t : targets) {
            Pair pair = new Pair(a, t, task, task);
            LayerMap requested = c.map != null ? LayerMap.parse(c.map) : LayerMap.common(a.architecture().depth(), t.architecture().depth());
            Aligned al = alignerMethod.align(pair, alignerMethod.layerMap(pair, requested, methodData), methodData);
            alignedBy.add(al);
            aligned.add(al.tensors());
        }
        double[] shares = new double[targets.size()];
        java.util.Arrays.fill(shares, 1.0 / (targets.size() + 1));
        Model soup = Soup.convex(a, aligned, shares);
        Model repaired = null;
        if (c.repair || c.eval != null) {
            if (task == null) throw new IllegalArgumentException("REPAIR needs data: give --eval BASE_TASK");
            Dataset rows = methodData.training(task, c.repairRows != null ? c.repairRows : 2000);
            INDArray x = rows.features(0, rows.size());
            List<Repair.View> views = new ArrayList<>();
            for (int k = 0; k < targets.size(); k++) views.add(alignedBy.get(k).repairView(targets.get(k), x));
            repaired = Soup.repaired(a, views, aligned, shares, x);
        }
        o.printf(Locale.ROOT, "a uniform soup of %d models (a share of %.4f each) in %s, aligner %s%n", targets.size() + 1, shares[0],
                a.architecture().describe(), c.aligner);
        if (c.eval != null) {
            List<Model> all = new ArrayList<>(List.of(a));
            all.addAll(targets);
            for (String e : c.eval) {
                Dataset d = dataDir.load(e).test();
                Table t = new Table("on " + d.name(), "loss", "accuracy");
                double best = -1;
                String bestName = null;
                Model bestModel = null;
                for (int k = 0; k < all.size(); k++) {
                    var m = Evaluator.evaluate(all.get(k), d);
                    String name = k == 0 ? "base " + c.baseRef : "target " + ids.get(k - 1);
                    t.row(name, String.format(Locale.ROOT, "%.4f", m.loss()), MergeOutput.pct(m.accuracy()));
                    if (m.accuracy() > best) {
                        best = m.accuracy();
                        bestName = name;
                        bestModel = all.get(k);
                    }
                }
                var plain = Evaluator.evaluate(soup, d);
                var rep = Evaluator.evaluate(repaired, d);
                var ens = Soup.ensemble(all, d);
                t.row("soup", String.format(Locale.ROOT, "%.4f", plain.loss()), MergeOutput.pct(plain.accuracy()));
                t.row("soup + REPAIR", String.format(Locale.ROOT, "%.4f", rep.loss()), MergeOutput.pct(rep.accuracy()));
                t.row("ensemble (upper bound)", String.format(Locale.ROOT, "%.4f", ens.loss()), MergeOutput.pct(ens.accuracy()));
                t.print(o);
                o.printf(Locale.ROOT, "best single model: %s (%s)%n", bestName, MergeOutput.pct(best));
                MergeOutput.paired("soup + REPAIR", repaired, "the best single model", bestModel, d, o);
            }
        }
        if (c.out != null) {
            Model written = c.repair ? repaired : soup;
            List<String> parents = new ArrayList<>(List.of(a.contentHash()));
            for (Model t : targets) parents.add(t.contentHash());
            MergeCommand.save(c.out, written, "soup", base.card().orElse(null), parents, null);
            o.printf(Locale.ROOT, "wrote the soup%s to %s (weights %s)%n", c.repair ? " with REPAIR" : "", c.out,
                    written.contentHash().substring(0, 12));
        }
        return 0;
    }
}
