package org.mal.core.cnn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A target CNN brought into the base's channel counts and order by a {@link CnnAlignment}: the
 * CNN counterpart of {@code org.mal.core.align.Transplant}. Every tensor axis a permutation group
 * touches is gathered by that group's match ({@code out[.., p, ..] = target[.., targetForBase[p], ..]},
 * whole blocks of {@code h·w} entries after a flatten), and a {@code -1} gives zeros: padding where
 * the target's group is narrower, dropping where it is wider. The result is a {@link CnnModel} of the
 * base's architecture (and float type) that {@link CnnMerge#convex} merges with the base.
 *
 * <p>Two CNNs can be aligned when they have the same layer structure ({@link #checkStructure}): the
 * same modules in the same order with the same kernels, strides, padding, biases and pooling, the
 * same input and number of classes; only channel counts (and hidden linear widths) may differ.
 */
public final class CnnTransplant {
    private CnnTransplant() {}

    /**
     * Checks that base and target have the same layer structure (see the class comment) and that
     * their permutation specs have the same groups acting on the same axes; the sizes may differ.
     * An {@link IllegalArgumentException} names the first module that differs and both modules.
     */
    public static void checkStructure(CnnArchitecture base, CnnArchitecture target) {
        if (!Arrays.equals(base.inputShape(), target.inputShape())) {
            throw new IllegalArgumentException("base takes " + Arrays.toString(base.inputShape()) + " images, target " + Arrays.toString(target.inputShape())
                    + ": channel alignment needs the same input");
        }
        if (base.outputSize() != target.outputSize()) {
            throw new IllegalArgumentException("base has " + base.outputSize() + " outputs, target " + target.outputSize() + ": channel alignment needs the same classes");
        }
        List<CnnLayer> a = base.layers();
        List<CnnLayer> b = target.layers();
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("base has " + a.size() + " modules, target " + b.size()
                    + ": channel alignment needs the same layer structure (a different depth needs a layer map)");
        }
        for (int i = 0; i < a.size(); i++) {
            if (!sameShape(a.get(i), b.get(i))) {
                throw new IllegalArgumentException("module " + i + " differs beyond its channel counts: base " + a.get(i).describe() + ", target "
                        + b.get(i).describe());
            }
        }
        CnnPermutationSpec sa = base.permutationSpec();
        CnnPermutationSpec sb = target.permutationSpec();
        if (!sa.groups().equals(sb.groups())) {
            throw new IllegalArgumentException("base and target permutation specs differ (" + sa.groups() + " vs " + sb.groups() + ")");
        }
    }

    /** Same module but for channel counts; a residual block must keep its kind of shortcut. */
    private static boolean sameShape(CnnLayer a, CnnLayer b) {
        if (a instanceof CnnLayer.Conv2d x && b instanceof CnnLayer.Conv2d y) {
            return x.kernel() == y.kernel() && x.stride() == y.stride() && x.padding() == y.padding() && x.bias() == y.bias();
        }
        if (a instanceof CnnLayer.BatchNorm2d x && b instanceof CnnLayer.BatchNorm2d y) return x.eps() == y.eps();
        if (a instanceof CnnLayer.Linear x && b instanceof CnnLayer.Linear y) return x.bias() == y.bias();
        if (a instanceof CnnLayer.ResidualBlock x && b instanceof CnnLayer.ResidualBlock y) return x.stride() == y.stride() && x.projection() == y.projection();
        return a.equals(b);
    }

    /**
     * The target's tensors gathered into the base's shapes by {@code alignment} (see the class
     * comment), as a model of the base's architecture; each batch norm's counter is the target's.
     * A zip alignment is applied by {@link CnnZip#aligned} (merge and unmerge matrices). Neither
     * model is modified.
     */
    public static CnnModel aligned(CnnModel base, CnnModel target, CnnAlignment alignment) {
        if (alignment.zipped()) return CnnZip.aligned(base, target, alignment.zipGroups());
        checkStructure(base.architecture(), target.architecture());
        CnnPermutationSpec spec = base.architecture().permutationSpec();
        Map<String, Integer> targetSizes = target.architecture().permutationSpec().sizes();
        checkMatches(spec.sizes(), targetSizes, alignment);
        return rewrite(base, target, (t, group, ref) -> gather(t, ref.axis(), expand(alignment.targetForBase().get(group), ref.block())));
    }

    /** How one tensor of the target changes along one axis that a group of the base's permutation spec acts on. */
    interface AxisRewrite {
        INDArray apply(INDArray tensor, String group, CnnPermutationSpec.AxisRef ref);
    }

    /**
     * The target's tensors in the base's architecture: each tensor passed through {@code rewrite} for
     * every (group, axis) of the base's permutation spec that names it, in the spec's order, then cast
     * to the base's float type; int64 tensors (batch-norm counters) are the target's.
     */
    static CnnModel rewrite(CnnModel base, CnnModel target, AxisRewrite rewrite) {
        CnnPermutationSpec spec = base.architecture().permutationSpec();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : base.architecture().params()) {
            INDArray t = target.params().get(p.name());
            if (p.int64()) {
                out.put(p.name(), t);
                continue;
            }
            for (Map.Entry<String, List<CnnPermutationSpec.AxisRef>> g : spec.groups().entrySet()) {
                for (CnnPermutationSpec.AxisRef ref : g.getValue()) {
                    if (ref.param().equals(p.name())) t = rewrite.apply(t, g.getKey(), ref);
                }
            }
            out.put(p.name(), t.castTo(base.floatType()));
        }
        return new CnnModel(base.architecture(), out);
    }

    /** Every group has a match of the base's size, with distinct target channels in range or -1. */
    static void checkMatches(Map<String, Integer> baseSizes, Map<String, Integer> targetSizes, CnnAlignment alignment) {
        if (!alignment.targetForBase().keySet().equals(baseSizes.keySet())) {
            throw new IllegalArgumentException("alignment " + alignment.method() + " matches groups " + alignment.targetForBase().keySet()
                    + "; the base has " + baseSizes.keySet());
        }
        baseSizes.forEach((g, n) -> {
            int[] m = alignment.targetForBase().get(g);
            int nb = targetSizes.get(g);
            if (m.length != n) throw new IllegalArgumentException("group " + g + ": the match has " + m.length + " entries, the base " + n + " channels");
            boolean[] used = new boolean[nb];
            for (int p = 0; p < n; p++) {
                if (m[p] == -1) continue;
                if (m[p] < -1 || m[p] >= nb) throw new IllegalArgumentException("group " + g + ": base channel " + p + " gets target channel " + m[p]
                        + ", outside 0.." + (nb - 1));
                if (used[m[p]]) throw new IllegalArgumentException("group " + g + ": target channel " + m[p] + " is given to two base channels");
                used[m[p]] = true;
            }
        });
    }

    /** A match on units as an index on entries of an axis made of {@code block} entries per unit; -1 stays -1. */
    static int[] expand(int[] targetForBase, int block) {
        int[] index = new int[targetForBase.length * block];
        for (int k = 0; k < targetForBase.length; k++) {
            for (int j = 0; j < block; j++) index[k * block + j] = targetForBase[k] < 0 ? -1 : targetForBase[k] * block + j;
        }
        return index;
    }

    /**
     * {@code out[.., k, ..] = t[.., index[k], ..]} along {@code axis}, zeros where {@code index[k] = -1}:
     * a new float64 C-ordered array; {@code t} is not modified.
     */
    static INDArray gather(INDArray t, int axis, int[] index) {
        int rank = t.rank();
        int[] order = new int[rank];
        order[0] = axis;
        for (int x = 0, j = 1; x < rank; x++) if (x != axis) order[j++] = x;
        INDArray front = (rank == 1 ? t : t.permute(order)).castTo(DataType.DOUBLE).dup('c');
        long[] shape = front.shape();
        int n = (int) shape[0];
        int rest = (int) (front.length() / Math.max(1, n));
        double[] src = front.data().asDouble();
        double[] dst = new double[index.length * rest];
        for (int k = 0; k < index.length; k++) {
            if (index[k] >= n) throw new IllegalArgumentException("index " + index[k] + " on an axis of " + n);
            if (index[k] >= 0) System.arraycopy(src, index[k] * rest, dst, k * rest, rest);
        }
        shape[0] = index.length;
        INDArray gathered = Nd4j.create(dst, shape, DataType.DOUBLE);
        if (rank == 1) return gathered;
        int[] back = new int[rank];
        for (int x = 0; x < rank; x++) back[order[x]] = x;
        return gathered.permute(back).dup('c');
    }
}
