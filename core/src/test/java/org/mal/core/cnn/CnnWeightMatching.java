package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.align.LinearAssignment;
import org.mal.core.model.Tensors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight matching for CNNs of one architecture: Git Re-Basin's permutation coordinate descent
 * (Ainsworth et al. 2023, {@code weight_matching}) over a {@link CnnPermutationSpec}.
 *
 * <p>Objective: {@code J(π) = Σ_t ⟨A_t, π(B)_t⟩_F} over every float tensor {@code t} that a group
 * permutes (conv and linear weights and biases, batch norms' weight, bias, running mean and
 * variance), with {@code π(B)} the target with every group permuted. With the other groups fixed,
 * {@code J} is linear in group {@code g}'s permutation: {@code J = Σ_k S[k, π_g[k]] + const} with
 * {@code S = Σ_{(t, axis, block) ∈ g} A_t⁽ᵃˣⁱˢ⁾ · B̃_t⁽ᵃˣⁱˢ⁾ᵀ}, where {@code X⁽ᵃˣⁱˢ⁾} moves the
 * axis to the front and flattens the rest into rows of one unit (a block of {@code block} entries
 * per unit), and {@code B̃_t} is the target tensor with the other groups' current permutations
 * applied on its other axes. Each step solves that linear assignment problem (maximise) for one
 * group; sweeps visit the groups in a seeded random order; a new permutation is taken only when it
 * gains more than {@code 1e-12}; the loop stops after a sweep without gain or {@code maxSweeps}.
 *
 * <p>Both models must have the same architecture (equal channel counts). The test's reference for
 * {@link CnnChannelMatching}, which is the same descent with generalized (zero-padded) permutations and
 * what MAL runs: this is the square case written plainly, as the paper states it.
 * Scores are computed in float64 whatever the models' type. Neither model is modified.
 */
public final class CnnWeightMatching {
    static final double MIN_GAIN = CnnChannelMatching.MIN_GAIN;

    private CnnWeightMatching() {}

    /**
     * The permutation of each group that brings the target to the base ({@code target.permuted(perms)}
     * is the aligned target), the objective before (identity) and after, and the sweeps used.
     */
    public record Result(Map<String, int[]> perms, double objectiveBefore, double objectiveAfter, int sweeps) {
        public Result {
            Map<String, int[]> copy = new LinkedHashMap<>();
            perms.forEach((g, p) -> copy.put(g, p.clone()));
            perms = java.util.Collections.unmodifiableMap(copy);
        }
    }

    public static Result align(CnnModel base, CnnModel target, CnnChannelMatching.Settings settings) {
        if (!base.architecture().equals(target.architecture())) {
            throw new IllegalArgumentException("CNN weight matching needs one architecture for both models (for different channel counts use CnnChannelMatching): base "
                    + base.architecture().describe() + ", target " + target.architecture().describe());
        }
        CnnPermutationSpec spec = base.architecture().permutationSpec();
        Map<String, INDArray> a = asDouble(base);
        Map<String, INDArray> b = asDouble(target);
        Map<String, int[]> perms = new LinkedHashMap<>();
        spec.sizes().forEach((g, n) -> perms.put(g, identity(n)));
        double before = objective(spec, a, b, perms);
        List<String> groups = new ArrayList<>(spec.sizes().keySet());
        Map<String, LinearAssignment.Duals> duals = new HashMap<>();
        SplittableRandom random = new SplittableRandom(settings.seed());
        int sweeps = 0;
        while (sweeps < settings.maxSweeps() && !groups.isEmpty()) {
            sweeps++;
            boolean progress = false;
            List<String> order = new ArrayList<>(groups);
            for (int i = order.size() - 1; i > 0; i--) java.util.Collections.swap(order, i, random.nextInt(i + 1));
            for (String g : order) {
                int n = spec.sizes().get(g);
                double[] score = score(spec, g, a, b, perms);
                LinearAssignment.Result r = LinearAssignment.solve(score, n, n, LinearAssignment.Goal.MAXIMIZE, duals.get(g));
                duals.put(g, r.duals());
                double gain = value(score, n, r.colForRow()) - value(score, n, perms.get(g));
                if (gain > MIN_GAIN) {
                    perms.put(g, r.colForRow().clone());
                    progress = true;
                }
            }
            if (!progress) break;
        }
        return new Result(perms, before, objective(spec, a, b, perms), sweeps);
    }

    /** {@code J} of permutations (see the class comment). */
    public static double objective(CnnModel base, CnnModel target, Map<String, int[]> perms) {
        return objective(base.architecture().permutationSpec(), asDouble(base), asDouble(target), perms);
    }

    private static double objective(CnnPermutationSpec spec, Map<String, INDArray> a, Map<String, INDArray> b, Map<String, int[]> perms) {
        Map<String, INDArray> permuted = spec.apply(b, perms);
        double j = 0;
        for (String name : permutedTensors(spec)) {
            double[] x = a.get(name).dup('c').data().asDouble();
            double[] y = permuted.get(name).dup('c').data().asDouble();
            for (int i = 0; i < x.length; i++) j += x[i] * y[i];
        }
        return j;
    }

    /** Tensors some group permutes, in spec order, each once. */
    private static List<String> permutedTensors(CnnPermutationSpec spec) {
        List<String> names = new ArrayList<>();
        spec.groups().values().forEach(refs -> refs.forEach(r -> {
            if (!names.contains(r.param())) names.add(r.param());
        }));
        return names;
    }

    /** Score matrix of group {@code g}, row-major {@code n × n}: rows base units, columns target units. */
    private static double[] score(CnnPermutationSpec spec, String g, Map<String, INDArray> a, Map<String, INDArray> b, Map<String, int[]> perms) {
        int n = spec.sizes().get(g);
        INDArray s = Nd4j.zeros(DataType.DOUBLE, n, n);
        for (CnnPermutationSpec.AxisRef ref : spec.groups().get(g)) {
            INDArray bt = b.get(ref.param());
            // the other groups' current permutations on the tensor's other axes
            for (Map.Entry<String, List<CnnPermutationSpec.AxisRef>> other : spec.groups().entrySet()) {
                if (other.getKey().equals(g)) continue;
                for (CnnPermutationSpec.AxisRef o : other.getValue()) {
                    if (o.param().equals(ref.param()) && o.axis() != ref.axis()) {
                        bt = Tensors.take(bt, o.axis(), CnnPermutationSpec.expand(perms.get(other.getKey()), o.block()));
                    }
                }
            }
            s.addi(unitRows(a.get(ref.param()), ref.axis(), n).mmul(unitRows(bt, ref.axis(), n).transpose()));
        }
        return s.dup('c').data().asDouble();
    }

    /** {@code t} with {@code axis} moved to the front and flattened to {@code n} rows, one per unit (its block and the other axes). */
    private static INDArray unitRows(INDArray t, int axis, int n) {
        int rank = t.rank();
        int[] order = new int[rank];
        order[0] = axis;
        for (int x = 0, j = 1; x < rank; x++) if (x != axis) order[j++] = x;
        INDArray front = rank == 1 ? t : t.permute(order);
        return front.dup('c').reshape('c', n, t.length() / n);
    }

    private static Map<String, INDArray> asDouble(CnnModel m) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.params().forEach((name, t) -> {
            if (t.dataType() != DataType.INT64) out.put(name, t.castTo(DataType.DOUBLE));
        });
        return out;
    }

    private static double value(double[] score, int n, int[] colForRow) {
        double v = 0;
        for (int r = 0; r < n; r++) v += score[r * n + colForRow[r]];
        return v;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }
}
