package org.mal.core.align;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight matching with generalized permutations: Git Re-Basin's permutation coordinate descent
 * (Ainsworth et al. 2023) extended to width mismatch and to selective, cross-layer layer maps
 * (MAL paper, Eq. 4–6).
 *
 * <p>Objective, over the mapped pairs {@code i <- j}:
 * {@code J = Σ ⟨W_base_i, W'_j⟩_F + ⟨b_base_i, b'_j⟩} with {@code W'}, {@code b'} the target's layer
 * brought into the base's shape by the current matches ({@link Transplant}). Each match between a
 * base group of {@code n_a} units and a target group of {@code n_b} units is a generalized
 * permutation: an injective map between units where the narrower side is zero-padded, so that
 * maximising {@code J} over one match with the others fixed is a rectangular linear assignment
 * problem on the score matrix {@code S = Σ W_base_i · G_in(W_target_j)ᵀ + b_base_i b_target_jᵀ}
 * (pairs whose outputs the match aligns) {@code + Σ W_base_iᵀ · G_out(W_target_j)} (pairs whose
 * inputs it aligns), {@code G} gathering the other side's current match.
 *
 * <p>Why no separate base permutation {@code Q} (paper Eq. 6): with both sides padded to the larger
 * width, every term of the objective depends on {@code Q} and {@code P} only through {@code QᵀP},
 * so optimising {@code P} alone over injective maps reaches every value the pair can. The base is
 * never permuted, and its function is untouched by construction.
 *
 * <p>Sweeps visit the free matches in a fresh seeded random order; a new match is taken only when it
 * gains more than {@code 1e-12}; the loop stops after a sweep without gain or after
 * {@code maxSweeps}. The network's input and output units correspond one to one when both models
 * use them in the same place with the same size (pixels to pixels, classes to classes): those
 * matches are fixed to the identity.
 */
public final class WeightMatching {
    /** Gains at or below this do not count as progress (as in Git Re-Basin). */
    public static final double MIN_GAIN = 1e-12;

    private WeightMatching() {}

    /** @param maxSweeps upper bound on coordinate-descent sweeps; @param seed fixes the visiting order */
    public record Settings(int maxSweeps, long seed) {
        public static final Settings DEFAULT = new Settings(100, 0);

        public Settings {
            if (maxSweeps < 1) throw new IllegalArgumentException("maxSweeps must be at least 1, got " + maxSweeps);
        }
    }

    /** The alignment without any permutation: unit {@code p} to unit {@code p}, padding or cropping the rest. */
    public static Alignment naive(Model base, Model target, LayerMap map) {
        map.check(base.architecture(), target.architecture());
        List<UnitMatch> matches = new ArrayList<>();
        for (int[] g : Transplant.groupPairs(map)) {
            matches.add(new UnitMatch(g[0], g[1], identity(Transplant.groupSize(base.architecture(), g[0]),
                    Transplant.groupSize(target.architecture(), g[1]))));
        }
        Alignment a = new Alignment("naive", map.toString(), matches, 0, 0, 0, 0);
        double j = objective(base, target, a);
        return new Alignment("naive", map.toString(), matches, j, j, 0, 0);
    }

    public static Alignment align(Model base, Model target, LayerMap map, Settings settings) {
        long started = System.nanoTime();
        Alignment start = naive(base, target, map);
        Architecture archA = base.architecture();
        Architecture archB = target.architecture();
        List<UnitMatch> current = new ArrayList<>(start.matches());
        List<Integer> free = new ArrayList<>();
        for (int k = 0; k < current.size(); k++) {
            if (!isFixed(current.get(k), archA, archB)) free.add(k);
        }
        Map<Integer, LinearAssignment.Duals> duals = new HashMap<>();
        SplittableRandom random = new SplittableRandom(settings.seed());
        int sweeps = 0;
        while (sweeps < settings.maxSweeps() && !free.isEmpty()) {
            sweeps++;
            boolean progress = false;
            int[] order = free.stream().mapToInt(Integer::intValue).toArray();
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int k : order) {
                UnitMatch m = current.get(k);
                int rows = Transplant.groupSize(archA, m.baseGroup());
                int cols = Transplant.groupSize(archB, m.targetGroup());
                double[] score = score(base, target, map, current, m);
                LinearAssignment.Result r = LinearAssignment.solve(score, rows, cols, LinearAssignment.Goal.MAXIMIZE, duals.get(k));
                duals.put(k, r.duals());
                double gain = value(score, cols, r.colForRow()) - value(score, cols, m.targetForBase());
                if (gain > MIN_GAIN) {
                    current.set(k, new UnitMatch(m.baseGroup(), m.targetGroup(), r.colForRow()));
                    progress = true;
                }
            }
            if (!progress) break;
        }
        Alignment done = new Alignment("weight", map.toString(), current, start.objectiveBefore(), 0, sweeps, 0);
        return new Alignment("weight", map.toString(), current, start.objectiveBefore(), objective(base, target, done), sweeps,
                (System.nanoTime() - started) / 1e9);
    }

    /** {@code J} of an alignment (see the class comment). */
    public static double objective(Model base, Model target, Alignment alignment) {
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, alignment);
        double j = 0;
        for (Map.Entry<String, INDArray> e : aligned.entrySet()) {
            double[] a = base.params().get(e.getKey()).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            double[] b = e.getValue().castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int k = 0; k < a.length; k++) j += a[k] * b[k];
        }
        return j;
    }

    static boolean isFixed(UnitMatch m, Architecture a, Architecture b) {
        boolean inputs = m.baseGroup() == -1 && m.targetGroup() == -1;
        boolean outputs = m.baseGroup() == a.depth() - 1 && m.targetGroup() == b.depth() - 1;
        return (inputs || outputs) && Transplant.groupSize(a, m.baseGroup()) == Transplant.groupSize(b, m.targetGroup());
    }

    /** Score matrix (row-major, rows = base units, cols = target units) of match {@code m}. */
    private static double[] score(Model base, Model target, LayerMap map, List<UnitMatch> current, UnitMatch m) {
        Architecture archA = base.architecture();
        Architecture archB = target.architecture();
        int rows = Transplant.groupSize(archA, m.baseGroup());
        int cols = Transplant.groupSize(archB, m.targetGroup());
        INDArray s = Nd4j.zeros(DataType.DOUBLE, rows, cols);
        for (LayerMap.Pair p : map.pairs()) {
            INDArray wa = base.weight(p.base()).castTo(DataType.DOUBLE);
            INDArray wb = target.weight(p.target()).castTo(DataType.DOUBLE);
            if (p.base() == m.baseGroup() && p.target() == m.targetGroup()) {
                // the match aligns this layer's outputs: gather the target's columns by the input match
                int[] in = find(current, p.base() - 1, p.target() - 1);
                INDArray gathered = gatherColumns(wb, in);             // n_b x in_A
                s.addi(wa.mmul(gathered.transpose()));                  // n_a x n_b
                INDArray ba = base.bias(p.base()).castTo(DataType.DOUBLE).reshape(rows, 1);
                INDArray bb = target.bias(p.target()).castTo(DataType.DOUBLE).reshape(1, cols);
                s.addi(ba.mmul(bb));
            }
            if (p.base() - 1 == m.baseGroup() && p.target() - 1 == m.targetGroup()) {
                // the match aligns this layer's inputs: gather the target's rows by the output match
                int[] out = find(current, p.base(), p.target());
                INDArray gathered = gatherRows(wb, out);                // out_A x n_b
                s.addi(wa.transpose().mmul(gathered));                  // n_a x n_b
            }
        }
        return s.dup('c').data().asDouble();
    }

    private static int[] find(List<UnitMatch> matches, int a, int b) {
        for (UnitMatch m : matches) if (m.baseGroup() == a && m.targetGroup() == b) return m.targetForBase();
        throw new IllegalStateException("no match b" + a + "<-t" + b);
    }

    /** {@code out[:, c] = w[:, idx[c]]}, zero where {@code idx[c] < 0}. */
    private static INDArray gatherColumns(INDArray w, int[] idx) {
        INDArray out = Nd4j.zeros(DataType.DOUBLE, w.size(0), idx.length);
        for (int c = 0; c < idx.length; c++) if (idx[c] >= 0) out.putColumn(c, w.getColumn(idx[c]));
        return out;
    }

    /** {@code out[r, :] = w[idx[r], :]}, zero where {@code idx[r] < 0}. */
    private static INDArray gatherRows(INDArray w, int[] idx) {
        INDArray out = Nd4j.zeros(DataType.DOUBLE, idx.length, w.size(1));
        for (int r = 0; r < idx.length; r++) if (idx[r] >= 0) out.putRow(r, w.getRow(idx[r]));
        return out;
    }

    private static double value(double[] score, int cols, int[] targetForBase) {
        double v = 0;
        for (int p = 0; p < targetForBase.length; p++) if (targetForBase[p] >= 0) v += score[p * cols + targetForBase[p]];
        return v;
    }

    private static int[] identity(int baseSize, int targetSize) {
        int[] m = new int[baseSize];
        for (int p = 0; p < baseSize; p++) m[p] = p < targetSize ? p : -1;
        return m;
    }
}
