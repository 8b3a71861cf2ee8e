package org.mal.core.merge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.mal.core.align.Alignment;
import org.mal.core.data.Dataset;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A soup: the base merged with K ≥ 1 aligned targets at once, {@code W = (1 − Σ w_k)·W_base + Σ w_k·W_k′}
 * on every tensor some target maps (a target that does not map a tensor contributes the base's), in
 * the base's architecture; REPAIRed with {@link Repair}'s K-model targets. And the ensemble of the
 * same models (averaged probabilities), the upper bound a soup is compared with.
 */
public final class Soup {
    private Soup() {}

    /** @param weights each target's share, {@code Σ ≤ 1}; the base keeps the rest */
    public static Model convex(Model base, List<Map<String, INDArray>> aligned, double[] weights) {
        if (aligned.size() != weights.length) throw new IllegalArgumentException("one share per target");
        double sum = 0;
        for (double w : weights) sum += w;
        if (!(sum <= 1 + 1e-12)) throw new IllegalArgumentException("the targets' shares add up to " + sum + ", more than 1");
        java.util.Set<String> touched = new java.util.LinkedHashSet<>();
        for (Map<String, INDArray> a : aligned) {
            for (String name : a.keySet()) {
                if (!base.params().containsKey(name)) throw new IllegalArgumentException("the base has no tensor " + name);
                touched.add(name);
            }
        }
        Map<String, INDArray> params = new LinkedHashMap<>(base.params());
        for (String name : touched) {
            INDArray wb = base.params().get(name);
            INDArray w = wb.mul(1 - sum);
            for (int k = 0; k < aligned.size(); k++) {
                INDArray t = aligned.get(k).get(name);
                w.addi((t == null ? wb : t.castTo(wb.dataType())).mul(weights[k]));
            }
            params.put(name, w);
        }
        return new Model(base.architecture(), params);
    }

    /** The soup REPAIRed on rows {@code x}: statistics of the base and of every target, each in its own network. */
    public static Model repaired(Model base, List<Model> targets, List<Alignment> alignments, List<Map<String, INDArray>> aligned,
                                 double[] weights, INDArray x) {
        if (targets.size() != alignments.size()) throw new IllegalArgumentException("one alignment per target");
        List<Repair.View> views = new ArrayList<>();
        for (int k = 0; k < targets.size(); k++) views.add(Repair.View.of(targets.get(k), alignments.get(k), x));
        return repaired(base, views, aligned, weights, x);
    }

    /** The same with each target as REPAIR sees it ({@link Repair.View}, e.g. zipped) on the rows {@code x}. */
    public static Model repaired(Model base, List<Repair.View> targets, List<Map<String, INDArray>> aligned, double[] weights, INDArray x) {
        return repairedByShares(base, targets, aligned, x).apply(weights);
    }

    /**
     * The REPAIRed soup as a function of the targets' shares: every model's statistics on the rows
     * {@code x} measured once, the merged network measured per call.
     */
    public static Function<double[], Model> repairedByShares(Model base, List<Repair.View> targets, List<Map<String, INDArray>> aligned,
                                                             INDArray x) {
        Statistics st = Statistics.of(base, targets, x);
        return weights -> Repair.renormalise(convex(base, aligned, weights), st.targets(weights), x);
    }

    /**
     * The uniform soup at shares λ/K ({@link ConvexPath#soup}) REPAIRed, as a {@link RepairedPath}:
     * every model's statistics on the rows {@code x} measured once, the first merged layer linear in λ.
     */
    public static RepairedPath repairedUniform(Model base, List<Repair.View> targets, List<Map<String, INDArray>> aligned, INDArray x) {
        if (targets.isEmpty() || targets.size() != aligned.size()) throw new IllegalArgumentException("a soup needs one alignment per target");
        Statistics st = Statistics.of(base, targets, x);
        int k = targets.size();
        return new RepairedPath(ConvexPath.soup(base, aligned), lambda -> {
            double[] shares = new double[k];
            java.util.Arrays.fill(shares, lambda / k);
            return st.targets(shares);
        }, x, st.basePre());
    }

    /** Every model's pre-activation statistics on the REPAIR rows, and REPAIR's targets from them at given shares. */
    private record Statistics(List<INDArray> basePre, List<Repair.UnitStats> base, List<List<Repair.UnitStats>> targets,
                              List<Alignment> alignments, int depth) {
        static Statistics of(Model base, List<Repair.View> views, INDArray x) {
            List<List<Repair.UnitStats>> stats = new ArrayList<>();
            List<Alignment> alignments = new ArrayList<>();
            for (Repair.View t : views) {
                stats.add(t.stats());
                alignments.add(t.alignment());
            }
            List<INDArray> basePre = Repair.preActivations(base, x);
            return new Statistics(basePre, Repair.statsOf(basePre), stats, alignments, base.architecture().depth());
        }

        Map<Integer, Repair.UnitStats> targets(double[] shares) {
            return Repair.targets(base, targets, alignments, depth, shares);
        }
    }

    /** Loss and accuracy of the ensemble: the mean of the models' softmax probabilities, every row of {@code data}. */
    public static Metrics ensemble(List<Model> models, Dataset data) {
        INDArray x = data.features(0, data.size());
        INDArray p = null;
        for (Model m : models) {
            INDArray probs = Transforms.softmax(m.logits(x).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE), true);
            p = p == null ? probs : p.addi(probs);
        }
        p.divi(models.size());
        double loss = 0;
        long correct = 0;
        for (int r = 0; r < data.size(); r++) {
            int label = data.label(r);
            loss -= Math.log(Math.max(p.getDouble(r, label), 1e-300));
            if (Nd4j.argMax(p.getRow(r)).getInt(0) == label) correct++;
        }
        return new Metrics(loss / data.size(), (double) correct / data.size(), data.size());
    }
}
