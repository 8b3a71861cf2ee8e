package org.mal.core.align;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.data.Dataset;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Elastic neuron zipping (ZipIt!, and its width-heterogeneous form in "Training-free Heterogeneous
 * Model Merging"), adapted to MAL's rule that a merge keeps the base's architecture. For every hidden
 * layer, the base's and the target's units are compared by the correlation of their activations on
 * a batch of data, and zipped greedily: the most correlated pair of groups is merged, the merged
 * group's similarity to every other group becomes {@code decay · min(...)}, until every target unit
 * sits in the group of exactly one base unit. Two base units are never zipped together (so λ = 0
 * is still exactly the base), two target units may be, at most {@code budget · d_target} times
 * (the within-model merge budget). A base unit's aligned target unit is then the <em>average</em> of
 * the target units zipped into it (the merge matrix M), and the next layer receives the
 * <em>sum</em> of their outgoing weights (the unmerge matrix U): {@code W′ = M · W_target · U}.
 * A base unit with no target unit gets zeros, like zero padding. With one target unit per group
 * this is a generalized permutation; zipping a model with itself gives the model back.
 *
 * <p>Both models must have the same depth and every layer is mapped (i ← i); widths may differ.
 * Written here because no Java library has it; checked against the self-zip identity and planted
 * duplicated units in the tests.
 */
public final class Zip {
    private Zip() {}

    /** {@code decay}: similarity factor of a merged group (ZipIt's a); {@code budget}: target-target merges allowed, as a fraction of the target's units (ZipIt's b). */
    public record Settings(double decay, double budget) {
        public static final Settings DEFAULT = new Settings(0.5, 0.5);

        public Settings {
            if (!(decay > 0 && decay <= 1)) throw new IllegalArgumentException("zip decay must be in (0, 1], got " + decay);
            if (!(budget >= 0 && budget <= 1)) throw new IllegalArgumentException("zip budget must be in [0, 1], got " + budget);
        }
    }

    /** The target's tensors zipped into the base's shapes, by base tensor name (as {@link Transplant#alignedTensors}). */
    public static Map<String, INDArray> alignedTensors(Model base, Model target, Dataset data, Settings s) {
        return alignedTensors(base, target, groups(base, target, data, s));
    }

    /**
     * The zip of every hidden layer: per hidden layer {@code g}, per base unit, the target units
     * zipped into it (sorted; empty where the base unit receives none).
     */
    public static List<int[][]> groups(Model base, Model target, Dataset data, Settings s) {
        Architecture a = base.architecture();
        Architecture b = target.architecture();
        if (a.depth() != b.depth()) {
            throw new IllegalArgumentException("zipping needs models of the same depth (" + a.describe() + " vs " + b.describe()
                    + "); align depths first (--depth cka)");
        }
        if (a.inputSize() != b.inputSize() || a.outputSize() != b.outputSize()) {
            throw new IllegalArgumentException("zipping needs the same inputs and outputs: " + a.describe() + " vs " + b.describe());
        }
        int depth = a.depth();
        List<int[][]> groups = new ArrayList<>();
        for (int g = 0; g < depth - 1; g++) {
            INDArray fa = Evaluator.activationsBefore(base, g + 1, data, Evaluator.DEFAULT_BATCH);
            INDArray fb = Evaluator.activationsBefore(target, g + 1, data, Evaluator.DEFAULT_BATCH);
            groups.add(zip(correlation(Nd4j.hstack(fa, fb)), a.hiddenWidths().get(g), b.hiddenWidths().get(g), s));
        }
        return groups;
    }

    /** The target's tensors zipped into the base's shapes by {@code groups} ({@link #groups}). */
    public static Map<String, INDArray> alignedTensors(Model base, Model target, List<int[][]> groups) {
        Architecture b = target.architecture();
        int depth = base.architecture().depth();
        if (groups.size() != depth - 1) throw new IllegalArgumentException("one zip per hidden layer: " + (depth - 1) + ", got " + groups.size());
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < depth; i++) {
            INDArray w = target.weight(i).castTo(DataType.DOUBLE);
            INDArray bias = target.bias(i).castTo(DataType.DOUBLE);
            if (i < depth - 1) {
                INDArray m = merge(groups.get(i), b.hiddenWidths().get(i));
                w = m.mmul(w);
                bias = m.mmul(bias.reshape(bias.length(), 1)).reshape(m.rows());
            }
            if (i > 0) w = w.mmul(unmerge(groups.get(i - 1), b.hiddenWidths().get(i - 1)));
            DataType type = base.weight(i).dataType();
            out.put(Architecture.weightName(i), w.castTo(type));
            out.put(Architecture.biasName(i), bias.castTo(type).reshape(base.bias(i).shape()));
        }
        return out;
    }

    /** Pearson correlation of the columns of {@code x} (rows: samples); a constant column correlates 0 with everything. */
    static double[][] correlation(INDArray x) {
        INDArray d = x.castTo(DataType.DOUBLE);
        long n = d.rows();
        INDArray centred = d.subRowVector(d.mean(0));
        INDArray std = org.nd4j.linalg.ops.transforms.Transforms.sqrt(centred.mul(centred).sum(0).divi(n), false);
        INDArray safe = std.dup();
        double[] sd = std.toDoubleVector();
        for (int k = 0; k < sd.length; k++) if (sd[k] < 1e-7) safe.putScalar(k, Double.POSITIVE_INFINITY);
        INDArray z = centred.divRowVector(safe);
        return z.transpose().mmul(z).divi(n).toDoubleMatrix();
    }

    /**
     * The greedy zip of one layer: features 0..dA-1 are the base's, dA..dA+dB-1 the target's.
     * Returns, per base unit, the target units zipped into it.
     */
    public static int[][] zip(double[][] corr, int dA, int dB, Settings s) {
        int n = dA + dB;
        double[][] sim = new double[n][];
        for (int i = 0; i < n; i++) sim[i] = corr[i].clone();
        boolean[] active = new boolean[n];
        boolean[] hasBase = new boolean[n];
        List<List<Integer>> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            active[i] = true;
            hasBase[i] = i < dA;
            members.add(new ArrayList<>(List.of(i)));
        }
        int pureTarget = dB;
        int budget = (int) Math.floor(s.budget() * dB + 1e-9);
        while (pureTarget > 0) {
            int bi = -1;
            int bj = -1;
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (!active[i]) continue;
                for (int j = i + 1; j < n; j++) {
                    if (!active[j] || (hasBase[i] && hasBase[j])) continue;
                    if (!hasBase[i] && !hasBase[j] && budget == 0) continue;
                    if (sim[i][j] > best) {
                        best = sim[i][j];
                        bi = i;
                        bj = j;
                    }
                }
            }
            if (bi < 0) throw new IllegalStateException("no pair left to zip with " + pureTarget + " target units unplaced");
            int keep = hasBase[bj] && !hasBase[bi] ? bj : bi;
            int drop = keep == bi ? bj : bi;
            if (!hasBase[bi] && !hasBase[bj]) budget--;   // two target groups become one
            pureTarget--;   // either way one group of target units fewer is unplaced
            members.get(keep).addAll(members.get(drop));
            active[drop] = false;
            for (int k = 0; k < n; k++) {
                if (k == keep || !active[k]) continue;
                double v = s.decay() * Math.min(sim[keep][k], sim[drop][k]);
                sim[keep][k] = v;
                sim[k][keep] = v;
            }
        }
        int[][] out = new int[dA][];
        for (int i = 0; i < dA; i++) {
            out[i] = members.get(i).stream().filter(m -> m >= dA).mapToInt(m -> m - dA).sorted().toArray();
        }
        return out;
    }

    /** M (dA × dB): row u averages the target units zipped into base unit u (zeros if none). */
    public static INDArray merge(int[][] groups, int dB) {
        INDArray m = Nd4j.zeros(DataType.DOUBLE, groups.length, dB);
        for (int u = 0; u < groups.length; u++) for (int t : groups[u]) m.putScalar(u, t, 1.0 / groups[u].length);
        return m;
    }

    /** U (dB × dA): target unit t feeds, as itself, the base unit it was zipped into. */
    public static INDArray unmerge(int[][] groups, int dB) {
        INDArray u = Nd4j.zeros(DataType.DOUBLE, dB, groups.length);
        for (int g = 0; g < groups.length; g++) for (int t : groups[g]) u.putScalar(t, g, 1.0);
        return u;
    }
}
