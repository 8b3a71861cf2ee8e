package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.align.LinearAssignment;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight matching for CNNs, whose channel counts may differ: Git Re-Basin's permutation coordinate
 * descent (Ainsworth et al. 2023, {@code weight_matching}) with generalized permutations (zero
 * padding, dropping), as
 * {@code org.mal.core.align.WeightMatching} does for MLP units. Base and target must have the
 * same layer structure ({@link CnnTransplant#checkStructure}); each permutation group of the base's
 * {@link CnnPermutationSpec} ({@code n_a} channels) is matched with the same group of the target
 * ({@code n_b} channels, possibly {@code ≠ n_a}) by an injective map {@code targetForBase}.
 * Residual stages keep one (generalized) permutation for the whole stream, as the spec says.
 *
 * <p>Objective: {@code J = Σ_t ⟨A_t, T(B)_t⟩_F} over every float tensor a group touches, with
 * {@code T(B)} the target transplanted into the base's shapes by the current matches
 * ({@link CnnTransplant#aligned}; padding gives zeros). With the other groups fixed, {@code J} is
 * {@code Σ_p S[p, targetForBase[p]] + const} (over base channels with a target channel) with
 * {@code S = Σ_{(t, axis, block) ∈ g} A_t⁽ᵃˣⁱˢ⁾ · B̃_t⁽ᵃˣⁱˢ⁾ᵀ} ({@code n_a × n_b}), where
 * {@code B̃_t} is the target tensor gathered on its other axes by the other groups' matches: a
 * rectangular linear assignment problem (maximise), whose solution pairs {@code min(n_a, n_b)}
 * channels and leaves the rest padded (base side) or dropped (target side).
 *
 * <p>Why no separate base permutation {@code Q} (MAL paper Eq. 6): as for MLPs, with both sides padded
 * to the larger width every term depends on {@code Q} and {@code P} only through {@code QᵀP}, so the
 * base is never permuted and its function is untouched by construction.
 *
 * <p>Sweeps visit the groups in a seeded random order, take a new match only when it gains more than
 * {@code 1e-12}, and stop after a sweep without gain or {@code maxSweeps}: with equal channel counts
 * this is Git Re-Basin's descent with square permutations step for step ({@code CnnChannelMatchingTest}
 * checks it against {@code CnnWeightMatching}, that descent written plainly, kept as the test's
 * reference). Scores in float64. Neither model is modified.
 */
public final class CnnChannelMatching {
    public static final double MIN_GAIN = 1e-12;

    private CnnChannelMatching() {}

    /** @param maxSweeps upper bound on coordinate-descent sweeps; @param seed fixes the visiting order */
    public record Settings(int maxSweeps, long seed) {
        public static final Settings DEFAULT = new Settings(100, 0);

        public Settings {
            if (maxSweeps < 1) throw new IllegalArgumentException("maxSweeps must be at least 1, got " + maxSweeps);
        }
    }

    /** Channel {@code p} to channel {@code p} in every group, padding or dropping the rest: the naive merge's alignment. */
    public static CnnAlignment naive(CnnModel base, CnnModel target) {
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        Problem problem = new Problem(base, target);
        Map<String, int[]> matches = problem.naive();
        double j = problem.objective(matches);
        return new CnnAlignment("naive", matches, j, j, 0, 0);
    }

    public static CnnAlignment align(CnnModel base, CnnModel target, CnnChannelMatching.Settings settings) {
        long started = System.nanoTime();
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        return descend(new Problem(base, target), "weight", settings, started);
    }

    /**
     * The same coordinate descent on any groups: {@code spec} names the base's tensors in {@code a}
     * and their grouped axes (group sizes on the base's side), {@code targetSizes} the groups' sizes
     * on the target's side, {@code b} the target's tensors under the same names. Used for layer maps
     * ({@link CnnLayerMap}), whose groups pair a base layer's channels with another layer's.
     */
    static CnnAlignment align(CnnPermutationSpec spec, Map<String, Integer> targetSizes, Map<String, INDArray> a, Map<String, INDArray> b,
                              CnnChannelMatching.Settings settings) {
        return descend(new Problem(spec, targetSizes, a, b), "weight", settings, System.nanoTime());
    }

    /** {@code J} of matches on the groups of {@link #align(CnnPermutationSpec, Map, Map, Map, CnnChannelMatching.Settings)}. */
    static double objective(CnnPermutationSpec spec, Map<String, Integer> targetSizes, Map<String, INDArray> a, Map<String, INDArray> b,
                            Map<String, int[]> matches) {
        return new Problem(spec, targetSizes, a, b).objective(matches);
    }

    private static CnnAlignment descend(Problem problem, String method, CnnChannelMatching.Settings settings, long started) {
        Map<String, int[]> matches = problem.naive();
        double before = problem.objective(matches);
        List<String> groups = new ArrayList<>(problem.baseSizes.keySet());
        Map<String, LinearAssignment.Duals> duals = new HashMap<>();
        SplittableRandom random = new SplittableRandom(settings.seed());
        int sweeps = 0;
        while (sweeps < settings.maxSweeps() && !groups.isEmpty()) {
            sweeps++;
            boolean progress = false;
            List<String> order = new ArrayList<>(groups);
            for (int i = order.size() - 1; i > 0; i--) java.util.Collections.swap(order, i, random.nextInt(i + 1));
            for (String g : order) {
                int rows = problem.baseSizes.get(g);
                int cols = problem.targetSizes.get(g);
                double[] score = problem.score(g, matches);
                LinearAssignment.Result r = LinearAssignment.solve(score, rows, cols, LinearAssignment.Goal.MAXIMIZE, duals.get(g));
                duals.put(g, r.duals());
                double gain = value(score, cols, r.colForRow()) - value(score, cols, matches.get(g));
                if (gain > MIN_GAIN) {
                    matches.put(g, r.colForRow());
                    progress = true;
                }
            }
            if (!progress) break;
        }
        return new CnnAlignment(method, matches, before, problem.objective(matches), sweeps, (System.nanoTime() - started) / 1e9);
    }

    /** {@code J} of an alignment's matches (see the class comment). */
    public static double objective(CnnModel base, CnnModel target, Map<String, int[]> targetForBase) {
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        return new Problem(base, target).objective(targetForBase);
    }

    /** Both models' grouped tensors in float64 and the groups' sizes on each side. */
    private static final class Problem {
        final CnnPermutationSpec spec;
        final Map<String, Integer> baseSizes;
        final Map<String, Integer> targetSizes;
        final Map<String, INDArray> a = new LinkedHashMap<>();
        final Map<String, INDArray> b = new LinkedHashMap<>();

        Problem(CnnModel base, CnnModel target) {
            this(base.architecture().permutationSpec(), target.architecture().permutationSpec().sizes(), base.params(), target.params());
        }

        Problem(CnnPermutationSpec spec, Map<String, Integer> targetSizes, Map<String, INDArray> base, Map<String, INDArray> target) {
            this.spec = spec;
            baseSizes = spec.sizes();
            this.targetSizes = targetSizes;
            spec.groups().values().forEach(refs -> refs.forEach(r -> {
                a.computeIfAbsent(r.param(), n -> base.get(n).castTo(DataType.DOUBLE));
                b.computeIfAbsent(r.param(), n -> target.get(n).castTo(DataType.DOUBLE));
            }));
        }

        Map<String, int[]> naive() {
            Map<String, int[]> m = new LinkedHashMap<>();
            baseSizes.forEach((g, n) -> {
                int[] t = new int[n];
                for (int p = 0; p < n; p++) t[p] = p < targetSizes.get(g) ? p : -1;
                m.put(g, t);
            });
            return m;
        }

        /** The target tensor {@code name} gathered on every grouped axis but {@code skipAxis} (-1: none). */
        INDArray gathered(String name, int skipAxis, Map<String, int[]> matches) {
            INDArray t = b.get(name);
            for (Map.Entry<String, List<CnnPermutationSpec.AxisRef>> g : spec.groups().entrySet()) {
                for (CnnPermutationSpec.AxisRef r : g.getValue()) {
                    if (r.param().equals(name) && r.axis() != skipAxis) t = CnnTransplant.gather(t, r.axis(), CnnTransplant.expand(matches.get(g.getKey()), r.block()));
                }
            }
            return t;
        }

        double objective(Map<String, int[]> matches) {
            CnnTransplant.checkMatches(baseSizes, targetSizes, new CnnAlignment("check", matches, 0, 0, 0, 0));
            double j = 0;
            for (String name : a.keySet()) {
                double[] x = a.get(name).dup('c').data().asDouble();
                double[] y = gathered(name, -1, matches).dup('c').data().asDouble();
                for (int i = 0; i < x.length; i++) j += x[i] * y[i];
            }
            return j;
        }

        /** Score matrix of group {@code g}, row-major {@code n_a × n_b}: rows base channels, columns target channels. */
        double[] score(String g, Map<String, int[]> matches) {
            int na = baseSizes.get(g);
            int nb = targetSizes.get(g);
            INDArray s = Nd4j.zeros(DataType.DOUBLE, na, nb);
            for (CnnPermutationSpec.AxisRef ref : spec.groups().get(g)) {
                INDArray bt = gathered(ref.param(), ref.axis(), matches);
                s.addi(unitRows(a.get(ref.param()), ref.axis(), na).mmul(unitRows(bt, ref.axis(), nb).transpose()));
            }
            return s.dup('c').data().asDouble();
        }
    }

    /** {@code t} with {@code axis} moved to the front and flattened to {@code n} rows, one per channel (its block and the other axes). */
    static INDArray unitRows(INDArray t, int axis, int n) {
        int rank = t.rank();
        int[] order = new int[rank];
        order[0] = axis;
        for (int x = 0, j = 1; x < rank; x++) if (x != axis) order[j++] = x;
        INDArray front = rank == 1 ? t : t.permute(order);
        return front.dup('c').reshape('c', n, t.length() / n);
    }

    private static double value(double[] score, int cols, int[] targetForBase) {
        double v = 0;
        for (int p = 0; p < targetForBase.length; p++) if (targetForBase[p] >= 0) v += score[p * cols + targetForBase[p]];
        return v;
    }
}
