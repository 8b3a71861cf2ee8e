package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mal.core.align.Zip;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ZipIt! on channels: the CNN counterpart of {@link Zip}. Per permutation group of the base's
 * {@link CnnPermutationSpec} (one per conv output, one per residual stream of a stage, one per
 * residual block's inner conv), the base's and the target's channels are compared by the Pearson
 * correlation of their activations on training images, read where {@link CnnActivationMatching}
 * reads them (what the group's consumer sees: after batch norm, ReLU and pooling; every point of a
 * residual stream, the per-point matrices averaged); here the whole {@code (dA + dB)²} matrix, so
 * that two target channels can be compared with each other. {@link Zip#zip} zips greedily with the
 * {@link Zip.Settings} (decay, budget): base channels are never zipped together (λ = 0 stays the
 * base), target channels may be, up to the budget.
 *
 * <p>The target is then rewritten into the base's shapes with ZipIt's merge matrix M
 * ({@code dA × dB}, row {@code p} averages the target channels zipped into base channel {@code p};
 * a zero row where none is) and unmerge matrix U ({@code dB × dA}, each target channel feeds the
 * base channel it went to). A group's output axes (axis 0 in the spec: a conv's or hidden linear's
 * weight rows and bias, the following batch norm's weight, bias, running mean and running variance)
 * get M; its input axes (axis 1: the next conv's input channels, the inputs of a linear after global
 * pooling, after a flatten block by block, i.e. {@code U ⊗ I_{h·w}}) get U:
 * {@code W′ = M · W_target · U} as for MLPs. Channel counts may differ. With one target channel per
 * base channel (budget 0 and as many channels, or a self-zip) this is a generalized permutation and
 * exact; two target channels that compute the same function (a planted duplicate) average to that
 * function, and their summed outgoing weights keep the next layer's input.
 *
 * <p><b>Batch norm is an approximation.</b> A batch norm after a zipped conv gets the average of
 * its channels' weight, bias, running mean and running variance; that is the batch norm of the
 * averaged channel only when the zipped channels have the same statistics (duplicates), and ReLU and
 * residual additions do not commute with averaging either. Reset the merged network's batch-norm
 * statistics on training rows afterwards ({@link CnnRepair.Correction#BN_RESET}, or REPAIR, which
 * for zip measures the target's statistics of each averaged channel, as MAL's MLP REPAIR does).
 *
 * <p>A channel that is constant on the images (e.g. a ReLU unit off on every row) correlates 0 with
 * everything, as in {@link Zip}: it is zipped wherever the greedy order puts it, and its constant
 * pre-activation is averaged into a live channel. ZipIt! does the same; the exactness properties above
 * hold for channels that vary on the images.
 *
 * <p>Written here because no Java library has ZipIt! (it exists as the authors' PyTorch code);
 * checked in {@code CnnZipTest} against MAL's MLP {@link Zip} (groups and tensors, and REPAIR of
 * the zip) on a CNN of 1×1 convolutions over 1×1 images, which is that MLP, and against the
 * self-zip identity, a permuted copy with budget 0, planted duplicated channels (plain, after a
 * flatten, residual streams and inner groups) and other widths.
 */
public final class CnnZip {
    private CnnZip() {}

    /**
     * The zip alignment of {@code target} to {@code base} on {@code images} ({@code [rows, c·h·w]} or
     * NCHW; training rows, never test rows), run in batches of {@code batchSize}. Neither model is modified.
     */
    public static CnnAlignment align(CnnModel base, CnnModel target, INDArray images, int batchSize, Zip.Settings settings) {
        long started = System.nanoTime();
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (images == null) throw new IllegalArgumentException("zip needs training images");
        long rows = images.size(0);
        if (rows < 2) throw new IllegalArgumentException("zip needs at least 2 rows of images, got " + rows);
        Map<String, Integer> baseSizes = base.architecture().permutationSpec().sizes();
        Map<String, Integer> targetSizes = target.architecture().permutationSpec().sizes();
        Map<String, List<CnnActivationMatching.Correlation>> points = correlations(base, target, images, batchSize);
        Map<String, int[][]> groups = new LinkedHashMap<>();
        for (String g : baseSizes.keySet()) {
            int na = baseSizes.get(g);
            int nb = targetSizes.get(g);
            List<CnnActivationMatching.Correlation> at = points.get(g);
            if (at == null) throw new IllegalStateException("no activation of group " + g + " was read");
            int n = na + nb;
            double[][] corr = new double[n][n];
            for (CnnActivationMatching.Correlation c : at) {
                double[] m = c.matrix();
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) corr[i][j] += m[i * n + j] / at.size();
            }
            groups.put(g, Zip.zip(corr, na, nb, settings));
        }
        double before = CnnChannelMatching.objective(base, target, CnnChannelMatching.naive(base, target).targetForBase());
        CnnModel zipped = aligned(base, target, groups);
        return new CnnAlignment("zip:" + rows, Map.of(), before, objective(base, zipped), 1, (System.nanoTime() - started) / 1e9, groups);
    }

    /**
     * Per group, the correlation matrices of its activation points over the base's channels followed
     * by the target's ({@code (na + nb)²}), accumulated over batches.
     */
    private static Map<String, List<CnnActivationMatching.Correlation>> correlations(CnnModel base, CnnModel target, INDArray images, int batchSize) {
        Map<String, CnnActivationMatching.Correlation> byPoint = new LinkedHashMap<>();
        long rows = images.size(0);
        for (long from = 0; from < rows; from += batchSize) {
            INDArray x = images.get(NDArrayIndex.interval(from, Math.min(rows, from + batchSize)));
            List<String> keys = new ArrayList<>();
            List<INDArray> acts = new ArrayList<>();
            CnnActivationMatching.read(base, x, (key, a) -> {
                keys.add(key);
                acts.add(a);
            });
            int[] k = {0};
            CnnActivationMatching.read(target, x, (key, b) -> {
                if (!key.equals(keys.get(k[0]))) throw new IllegalStateException("activation points differ: " + keys.get(k[0]) + " vs " + key);
                INDArray ab = Nd4j.hstack(acts.get(k[0]++), b);
                int n = (int) ab.columns();
                byPoint.computeIfAbsent(key, p -> new CnnActivationMatching.Correlation(n, n)).add(ab, ab);
            });
        }
        Map<String, List<CnnActivationMatching.Correlation>> out = new LinkedHashMap<>();
        byPoint.forEach((key, c) -> out.computeIfAbsent(key.substring(0, key.indexOf('#')), g -> new ArrayList<>()).add(c));
        return out;
    }

    /**
     * The target rewritten into the base's architecture by {@code groups} (per group, per base
     * channel, the target channels averaged into it), as the class comment says; each batch norm's
     * counter is the target's. Neither model is modified.
     */
    public static CnnModel aligned(CnnModel base, CnnModel target, Map<String, int[][]> groups) {
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        CnnPermutationSpec spec = base.architecture().permutationSpec();
        Map<String, Integer> targetSizes = target.architecture().permutationSpec().sizes();
        check(spec.sizes(), targetSizes, groups);
        return CnnTransplant.rewrite(base, target, (t, group, ref) -> {
            int[][] zip = groups.get(group);
            int nb = targetSizes.get(group);
            INDArray along = switch (ref.axis()) {
                case 0 -> blocks(Zip.merge(zip, nb), ref.block());
                case 1 -> blocks(Zip.unmerge(zip, nb).transpose(), ref.block());
                default -> throw new IllegalStateException("group " + group + " acts on axis " + ref.axis() + " of " + ref.param()
                        + "; zip knows output (0) and input (1) axes");
            };
            return apply(t.castTo(DataType.DOUBLE), ref.axis(), along);
        });
    }

    /** Every group of the base has a zip of its size whose target channels are in range and in at most one base channel. */
    static void check(Map<String, Integer> baseSizes, Map<String, Integer> targetSizes, Map<String, int[][]> groups) {
        if (!groups.keySet().equals(baseSizes.keySet())) throw new IllegalArgumentException("zip groups " + groups.keySet() + "; the base has " + baseSizes.keySet());
        baseSizes.forEach((g, n) -> {
            int[][] z = groups.get(g);
            int nb = targetSizes.get(g);
            if (z.length != n) throw new IllegalArgumentException("group " + g + ": the zip has " + z.length + " base channels, the base " + n);
            Set<Integer> seen = new LinkedHashSet<>();
            for (int p = 0; p < n; p++) {
                for (int t : z[p]) {
                    if (t < 0 || t >= nb) throw new IllegalArgumentException("group " + g + ": base channel " + p + " gets target channel " + t + ", outside 0.." + (nb - 1));
                    if (!seen.add(t)) throw new IllegalArgumentException("group " + g + ": target channel " + t + " is zipped into two base channels");
                }
            }
        });
    }

    /** {@code a ⊗ I_block}: each unit of {@code a} becomes {@code block} consecutive entries. */
    static INDArray blocks(INDArray a, int block) {
        if (block == 1) return a;
        int rows = (int) a.rows();
        int cols = (int) a.columns();
        INDArray out = Nd4j.zeros(DataType.DOUBLE, (long) rows * block, (long) cols * block);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = a.getDouble(i, j);
                if (v != 0) for (int k = 0; k < block; k++) out.putScalar((long) i * block + k, (long) j * block + k, v);
            }
        }
        return out;
    }

    /** {@code t} with {@code a} ({@code n′ × n}) applied along {@code axis} (of length {@code n}): a new float64 array. */
    static INDArray apply(INDArray t, int axis, INDArray a) {
        int rank = t.rank();
        if (t.size(axis) != a.columns()) throw new IllegalArgumentException("axis " + axis + " has " + t.size(axis) + " entries, the matrix " + a.columns() + " columns");
        int[] order = new int[rank];
        order[0] = axis;
        for (int x = 0, j = 1; x < rank; x++) if (x != axis) order[j++] = x;
        INDArray front = (rank == 1 ? t : t.permute(order)).dup('c');
        long[] shape = front.shape();
        long rest = front.length() / shape[0];
        INDArray r = a.mmul(front.reshape('c', shape[0], rest));
        shape[0] = a.rows();
        INDArray moved = r.dup('c').reshape('c', shape);
        if (rank == 1) return moved;
        int[] back = new int[rank];
        for (int x = 0; x < rank; x++) back[order[x]] = x;
        return moved.permute(back).dup('c');
    }

    /** {@link CnnChannelMatching}'s objective for a zipped target: {@code Σ ⟨A_t, T(B)_t⟩} over the tensors the spec groups. */
    static double objective(CnnModel base, CnnModel zipped) {
        Set<String> names = new LinkedHashSet<>();
        base.architecture().permutationSpec().groups().values().forEach(refs -> refs.forEach(r -> names.add(r.param())));
        double j = 0;
        for (String n : names) {
            double[] x = base.params().get(n).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            double[] y = zipped.params().get(n).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int i = 0; i < x.length; i++) j += x[i] * y[i];
        }
        return j;
    }
}
