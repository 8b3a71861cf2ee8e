package org.mal.core.merge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.UnitMatch;
import org.mal.core.align.Zip;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * REPAIR (Jordan et al., ICLR 2023, "REnormalizing Permuted Activations for Interpolation Repair"):
 * averaging two aligned but imperfectly correlated units shrinks the spread of their
 * pre-activations, layer after layer; REPAIR resets each merged hidden unit's pre-activation mean and
 * standard deviation to the interpolation of the two parents' and folds the correction into plain
 * weights, so the result is an MLP of the base's architecture.
 *
 * <p>Statistics: per hidden unit, mean {@code μ} and standard deviation {@code σ} (population, over
 * the rows) of the pre-activation {@code z = h·Wᵀ + b} of the base and of the target, each in its
 * own network, on the same rows (the caller's: training rows, never test rows). The target's units
 * are put in the base's order by the alignment ({@link UnitMatch#targetForBase()}); a base unit that
 * receives padding has no target unit and takes the base's own statistics (it is not merged), and
 * dropped target units have no say. Targets at λ: {@code mean* = (1−λ)·μ_base + λ·μ_target},
 * {@code std* = (1−λ)·σ_base + λ·σ_target} (standard deviations interpolated, not variances).
 *
 * <p>Renormalisation, layer by layer in order, for every hidden base layer the layer map merges:
 * measure the merged layer's pre-activation mean {@code m} and variance {@code v} with every earlier
 * layer already repaired, then {@code s = std* ÷ sqrt(v + ε)}, {@code W′ = diag(s)·W},
 * {@code b′ = mean* + s ⊙ (b − m)}. The output layer and layers outside the map are left alone.
 * Written here rather than taken from a library: no Java library implements it; the tests check it
 * against a slow plain-Java computation of the same statistics and fold, and that it is the
 * identity when the two models are the same function.
 */
public final class Repair {
    private Repair() {}

    /** Added to the measured variance before the square root. */
    public static final double EPSILON = 1e-5;

    /** Mean and standard deviation of each unit's pre-activation. */
    public record UnitStats(double[] mean, double[] std) {
        public UnitStats {
            if (mean.length != std.length) throw new IllegalArgumentException("a mean and a standard deviation per unit");
        }

        public int size() { return mean.length; }
    }

    /**
     * The target as REPAIR sees it: its pre-activation of every layer on the rows, and how its units
     * map to the base's. For a generalized permutation ({@link #of}), the target's own units and the
     * alignment's matches. For the zip aligner ({@link #zipped}), each hidden base unit's zipped
     * group counts as one unit whose pre-activation is the group's merged one (the mean of its
     * members' pre-activations, in the target's own network), matched to the base unit it was zipped
     * into; a base unit whose group is empty takes the base's own statistics, as padding does.
     */
    public record View(List<INDArray> preActivations, Alignment alignment) {
        public View {
            preActivations = List.copyOf(preActivations);
        }

        public static View of(Model target, Alignment alignment, INDArray x) {
            return new View(Repair.preActivations(target, x), alignment);
        }

        /** @param groups per hidden layer, per base unit, the target units zipped into it ({@link Zip#groups}) */
        public static View zipped(Model target, List<int[][]> groups, INDArray x) {
            List<INDArray> z = Repair.preActivations(target, x);
            int depth = z.size();
            if (groups.size() != depth - 1) throw new IllegalArgumentException("one zip per hidden layer: " + (depth - 1) + ", got " + groups.size());
            List<INDArray> out = new ArrayList<>();
            List<UnitMatch> matches = new ArrayList<>();
            for (int g = 0; g < depth - 1; g++) {
                int[][] members = groups.get(g);
                INDArray m = Zip.merge(members, (int) z.get(g).columns());
                out.add(z.get(g).castTo(DataType.DOUBLE).mmul(m.transpose()));
                int[] targetForBase = new int[members.length];
                for (int u = 0; u < members.length; u++) targetForBase[u] = members[u].length == 0 ? -1 : u;
                matches.add(new UnitMatch(g, g, targetForBase));
            }
            out.add(z.get(depth - 1));
            return new View(out, new Alignment("zip", LayerMap.identity(depth).toString(), matches, Double.NaN, Double.NaN, 0, 0));
        }

        /** The statistics of every layer's units, index = layer. */
        public List<UnitStats> stats() { return statsOf(preActivations); }
    }

    /**
     * The pre-activation statistics of every layer of {@code m} on the rows {@code x}
     * ([rows, inputSize]), index = layer.
     */
    public static List<UnitStats> stats(Model m, INDArray x) { return statsOf(preActivations(m, x)); }

    /** The statistics of each pre-activation, index = layer. */
    static List<UnitStats> statsOf(List<INDArray> preActivations) {
        List<UnitStats> out = new ArrayList<>();
        for (INDArray z : preActivations) out.add(of(z));
        return out;
    }

    /**
     * The targets {@code mean*} and {@code std*} at {@code lambda} of the hidden base layers the
     * alignment's layer map merges, by base layer.
     *
     * @param base the base's statistics ({@link #stats})
     * @param target the target's statistics, in the target's own units
     * @param alignment how the target's units map to the base's (groups: {@code k} = outputs of layer {@code k})
     */
    public static Map<Integer, UnitStats> targets(List<UnitStats> base, List<UnitStats> target, Alignment alignment, int baseDepth,
                                                  double lambda) {
        return targets(base, List.of(target), List.of(alignment), baseDepth, new double[] {lambda});
    }

    /**
     * The same for a soup of K targets with shares {@code weights[k]} (the base's share is
     * {@code 1 − Σ weights}): {@code mean* = w_0·μ_base + Σ w_k·μ_k}, likewise for σ, for every
     * hidden base layer some target's map merges; a target that does not map a layer, or pads a unit,
     * contributes the base's statistics there (it contributes the base's weights).
     */
    public static Map<Integer, UnitStats> targets(List<UnitStats> base, List<List<UnitStats>> targets, List<Alignment> alignments,
                                                  int baseDepth, double[] weights) {
        if (targets.size() != alignments.size() || targets.size() != weights.length) {
            throw new IllegalArgumentException("one alignment and one share per target");
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0)) throw new IllegalArgumentException("shares must be >= 0, got " + w);
            sum += w;
        }
        if (!(sum <= 1 + 1e-12)) throw new IllegalArgumentException("the targets' shares add up to " + sum + ", more than 1");
        java.util.SortedSet<Integer> layers = new java.util.TreeSet<>();
        for (Alignment a : alignments) for (LayerMap.Pair p : a.map().pairs()) if (p.base() < baseDepth - 1) layers.add(p.base());
        Map<Integer, UnitStats> out = new TreeMap<>();
        for (int i : layers) {
            UnitStats b = base.get(i);
            double[] mean = new double[b.size()];
            double[] std = new double[b.size()];
            for (int u = 0; u < b.size(); u++) {
                mean[u] = (1 - sum) * b.mean()[u];
                std[u] = (1 - sum) * b.std()[u];
            }
            for (int k = 0; k < alignments.size(); k++) {
                Alignment a = alignments.get(k);
                int j = a.map().pairs().stream().filter(p -> p.base() == i).mapToInt(LayerMap.Pair::target).findFirst().orElse(-1);
                int[] targetForBase = j < 0 ? null : a.match(i, j).map(UnitMatch::targetForBase).orElse(null);
                UnitStats t = j >= 0 && j < targets.get(k).size() ? targets.get(k).get(j) : null;
                for (int u = 0; u < b.size(); u++) {
                    int tu = targetForBase == null || t == null || u >= targetForBase.length ? -1 : targetForBase[u];
                    mean[u] += weights[k] * (tu >= 0 ? t.mean()[tu] : b.mean()[u]);
                    std[u] += weights[k] * (tu >= 0 ? t.std()[tu] : b.std()[u]);
                }
            }
            out.put(i, new UnitStats(mean, std));
        }
        return out;
    }

    /**
     * {@code merged} with the hidden layers of {@code targets} renormalised in order on the rows
     * {@code x}: a new model of the same architecture; {@code merged} is not modified.
     */
    public static Model renormalise(Model merged, Map<Integer, UnitStats> targets, INDArray x) {
        return renormaliseFrom(merged, targets, x, 0);
    }

    /**
     * {@link #renormalise} from layer {@code next} on, {@code h} being the merged network's input of
     * that layer on the rows; every target layer must be {@code >= next}.
     */
    static Model renormaliseFrom(Model merged, Map<Integer, UnitStats> targets, INDArray h, int next) {
        Objects.requireNonNull(targets);
        Map<String, INDArray> params = new LinkedHashMap<>(merged.params());
        Model current = merged;
        for (Map.Entry<Integer, UnitStats> e : new TreeMap<>(targets).entrySet()) {
            int layer = e.getKey();
            if (layer < next) throw new IllegalArgumentException("layer " + layer + " lies before layer " + next + ", where renormalising starts");
            for (; next < layer; next++) h = current.layerOutput(next, h);
            fold(params, current, layer, of(preActivation(current, layer, h)), e.getValue());
            current = new Model(merged.architecture(), params);
            params = new LinkedHashMap<>(current.params());
        }
        return current;
    }

    /**
     * The closed-form variant: no pass through the merged network. Each merged hidden unit's
     * pre-activation is predicted from the two models' own statistics on {@code x}, as if its input
     * were unchanged: mean {@code (1 − λ)·μ_b + λ·μ_t}, variance
     * {@code (1 − λ)²·σ_b² + λ²·σ_t² + 2λ(1 − λ)·cov(z_b, z_t)} (a padded unit: {@code (1 − λ)·μ_b} and
     * {@code (1 − λ)²·σ_b²}, exactly); then the same fold as {@link #renormalise}. Exact for the first
     * merged layer; deeper, an approximation (their inputs are the merged network's), which is the
     * price of not running the merged network. {@code λ = 0} is the base itself.
     */
    public static Model closedForm(Model base, Model target, Alignment alignment, Map<String, INDArray> aligned, double lambda, INDArray x) {
        return ClosedForm.of(base, target, alignment, x).at(aligned, lambda);
    }

    /**
     * What the closed form needs, measured once on the rows: both models' statistics and, per matched
     * unit pair, the covariance of their pre-activations; {@link #at} then costs no pass over data.
     */
    public static final class ClosedForm {
        private final Model base;
        private final Alignment alignment;
        private final List<UnitStats> sb;
        private final List<UnitStats> st;
        private final Map<Integer, double[]> covariance = new TreeMap<>();

        private ClosedForm(Model base, Alignment alignment, List<UnitStats> sb, List<UnitStats> st) {
            this.base = base;
            this.alignment = alignment;
            this.sb = sb;
            this.st = st;
        }

        public static ClosedForm of(Model base, Model target, Alignment alignment, INDArray x) {
            return of(base, View.of(target, alignment, x), x);
        }

        /** @param target the target as REPAIR sees it on the same rows {@code x} */
        public static ClosedForm of(Model base, View target, INDArray x) {
            Alignment alignment = target.alignment();
            List<INDArray> zb = preActivations(base, x);
            List<INDArray> zt = target.preActivations();
            List<UnitStats> sb = new ArrayList<>();
            for (INDArray z : zb) sb.add(Repair.of(z));
            List<UnitStats> st = target.stats();
            ClosedForm cf = new ClosedForm(base, alignment, sb, st);
            for (LayerMap.Pair p : alignment.map().pairs()) {
                int i = p.base();
                int j = p.target();
                int[] t = alignment.match(i, j).map(UnitMatch::targetForBase).orElse(null);
                if (i >= base.architecture().depth() - 1 || t == null || j >= zt.size()) continue;
                double[][] za = zb.get(i).castTo(DataType.DOUBLE).toDoubleMatrix();
                double[][] ztj = zt.get(j).castTo(DataType.DOUBLE).toDoubleMatrix();
                double[] cov = new double[sb.get(i).size()];
                for (int u = 0; u < cov.length && u < t.length; u++) {
                    if (t[u] < 0) continue;
                    double c = 0;
                    for (int r = 0; r < za.length; r++) c += (za[r][u] - sb.get(i).mean()[u]) * (ztj[r][t[u]] - st.get(j).mean()[t[u]]);
                    cov[u] = c / za.length;
                }
                cf.covariance.put(i, cov);
            }
            return cf;
        }

        /** The closed-form REPAIRed merge at {@code lambda} (λ = 0: the base itself). */
        public Model at(Map<String, INDArray> aligned, double lambda) {
            if (lambda == 0) return base;
            Map<Integer, UnitStats> want = targets(sb, st, alignment, base.architecture().depth(), lambda);
            Model merged = Merge.convex(base, aligned, lambda);
            Map<String, INDArray> params = new LinkedHashMap<>(merged.params());
            for (Map.Entry<Integer, UnitStats> e : want.entrySet()) {
                int i = e.getKey();
                int j = alignment.map().pairs().stream().filter(p -> p.base() == i).mapToInt(LayerMap.Pair::target).findFirst().orElseThrow();
                int[] t = alignment.match(i, j).map(UnitMatch::targetForBase).orElse(null);
                double[] cov = covariance.get(i);
                UnitStats b = sb.get(i);
                double[] mean = new double[b.size()];
                double[] std = new double[b.size()];
                for (int u = 0; u < b.size(); u++) {
                    int tu = t == null || cov == null || u >= t.length ? -1 : t[u];
                    if (tu < 0) {   // a padded unit: only the base's share is left
                        mean[u] = (1 - lambda) * b.mean()[u];
                        std[u] = (1 - lambda) * b.std()[u];
                        continue;
                    }
                    UnitStats tj = st.get(j);
                    double v = (1 - lambda) * (1 - lambda) * b.std()[u] * b.std()[u] + lambda * lambda * tj.std()[tu] * tj.std()[tu]
                            + 2 * lambda * (1 - lambda) * cov[u];
                    mean[u] = (1 - lambda) * b.mean()[u] + lambda * tj.mean()[tu];
                    std[u] = Math.sqrt(Math.max(0, v));
                }
                fold(params, merged, i, new UnitStats(mean, std), e.getValue());
            }
            return new Model(merged.architecture(), params);
        }
    }

    /**
     * {@code W′ = diag(s)·W}, {@code b′ = mean* + s ⊙ (b − m)} with {@code s = std* ÷ sqrt(v + ε)}, into {@code params}.
     *
     * @return {@code {s, mean* − s ⊙ m}}: the folded layer's pre-activation is {@code s ⊙ z + (mean* − s ⊙ m)} of the unfolded one's {@code z}
     */
    static double[][] fold(Map<String, INDArray> params, Model current, int layer, UnitStats measured, UnitStats want) {
        INDArray w = current.weight(layer);
        INDArray b = current.bias(layer);
        int units = w.rows();
        double[] scale = new double[units];
        double[] shift = new double[units];
        double[] bias = new double[units];
        for (int u = 0; u < units; u++) {
            double v = measured.std()[u] * measured.std()[u];
            scale[u] = want.std()[u] / Math.sqrt(v + EPSILON);
            shift[u] = want.mean()[u] - scale[u] * measured.mean()[u];
            bias[u] = want.mean()[u] + scale[u] * (b.getDouble(u) - measured.mean()[u]);
        }
        INDArray s = Nd4j.createFromArray(scale).castTo(w.dataType()).reshape(units, 1);
        params.put(Architecture.weightName(layer), w.mul(s));
        params.put(Architecture.biasName(layer), Nd4j.createFromArray(bias).castTo(b.dataType()).reshape(b.shape()));
        return new double[][] {scale, shift};
    }

    /** The pre-activation of every layer of {@code m} on {@code x}, each in its own network. */
    static List<INDArray> preActivations(Model m, INDArray x) {
        List<INDArray> out = new ArrayList<>();
        INDArray h = x;
        for (int i = 0; i < m.architecture().depth(); i++) {
            out.add(preActivation(m, i, h));
            h = m.layerOutput(i, h);
        }
        return out;
    }

    /**
     * The REPAIRed convex merge at {@code lambda}: {@code (1 − λ)·W_base + λ·aligned} on the mapped
     * layers, renormalised to the interpolated statistics of {@code base} and {@code target} on the
     * rows {@code x}. {@code λ = 0} is the base itself, exactly (nothing is merged, nothing repaired).
     */
    public static Model convex(Model base, Model target, Alignment alignment, Map<String, INDArray> aligned, double lambda, INDArray x) {
        return measured(base, target, alignment, aligned, x).apply(lambda);
    }

    /**
     * The REPAIRed convex merge as a function of λ: both models' statistics measured once on
     * {@code x}, the merged network measured per λ. {@code λ = 0} gives the base itself.
     */
    public static RepairedPath measured(Model base, Model target, Alignment alignment, Map<String, INDArray> aligned, INDArray x) {
        return measured(base, View.of(target, alignment, x), aligned, x);
    }

    /**
     * The same for a target as REPAIR sees it ({@link View}) on the same rows {@code x}; a
     * {@link RepairedPath}, so the first merged layer costs no product per λ.
     */
    public static RepairedPath measured(Model base, View target, Map<String, INDArray> aligned, INDArray x) {
        List<INDArray> zb = preActivations(base, x);
        List<UnitStats> sb = statsOf(zb);
        List<UnitStats> st = target.stats();
        Alignment alignment = target.alignment();
        int depth = base.architecture().depth();
        return new RepairedPath(ConvexPath.of(base, aligned), lambda -> targets(sb, st, alignment, depth, lambda), x, zb);
    }

    /** A REPAIRed model and the fold of its first merged layer ({@code scale}, {@code shift} null when that layer is not renormalised). */
    record FromLayer(Model model, double[] scale, double[] shift) {}

    /**
     * {@code merged} REPAIRed as {@link #renormalise} does it, with every layer before {@code first}
     * the base's, and {@code z} the merged network's (unfolded) pre-activation of layer {@code first}
     * on the rows: that layer is measured from {@code z} instead of a product ({@link RepairedPath}).
     */
    static FromLayer renormaliseFrom(Model merged, Map<Integer, UnitStats> targets, int first, INDArray z) {
        TreeMap<Integer, UnitStats> rest = new TreeMap<>(targets);
        UnitStats want = rest.remove(first);
        Model current = merged;
        double[][] affine = null;
        if (want != null) {
            Map<String, INDArray> params = new LinkedHashMap<>(merged.params());
            affine = fold(params, merged, first, of(z), want);
            current = new Model(merged.architecture(), params);
            z = z.dup().muliRowVector(row(affine[0], z)).addiRowVector(row(affine[1], z));
        }
        INDArray h = activated(merged, first, z, want == null);
        Model out = rest.isEmpty() ? current : renormaliseFrom(current, rest, h, first + 1);
        return new FromLayer(out, affine == null ? null : affine[0], affine == null ? null : affine[1]);
    }

    /** Layer {@code layer}'s output from its pre-activation {@code z} (its ReLU, or {@code z} itself); {@code copy}: leave {@code z} as it is. */
    static INDArray activated(Model m, int layer, INDArray z, boolean copy) {
        if (m.architecture().layers().get(layer).activation() != org.mal.core.model.Activation.RELU) return z;
        return org.nd4j.linalg.ops.transforms.Transforms.relu(z, copy);
    }

    private static INDArray row(double[] v, INDArray like) {
        return Nd4j.createFromArray(v).castTo(like.dataType());
    }

    /** {@code h·Wᵀ + b} of layer {@code i} (no activation). */
    static INDArray preActivation(Model m, int i, INDArray h) {
        INDArray w = m.weight(i);
        if (h.dataType() != w.dataType()) h = h.castTo(w.dataType());
        INDArray z = Nd4j.gemm(h, w, false, true);
        return z.addiRowVector(m.bias(i));
    }

    /** Per column: mean and population standard deviation, accumulated in double. */
    static UnitStats of(INDArray z) {
        INDArray d = z.dataType() == DataType.DOUBLE ? z : z.castTo(DataType.DOUBLE);
        double[] mean = d.mean(0).toDoubleVector();
        double[] std = d.std(false, 0).toDoubleVector();
        return new UnitStats(mean, std);
    }
}
