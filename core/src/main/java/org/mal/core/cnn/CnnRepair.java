package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import org.mal.core.merge.Repair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The CNN merge along λ with an optional correction of the merged network's statistics: none, a
 * batch-norm statistics reset ({@link BatchNormStatistics}), or REPAIR (Jordan et al. 2023) for the
 * layers that have no batch norm, as {@code org.mal.core.merge.Repair} does for MLPs.
 *
 * <p>REPAIR points: every {@code Conv2d} or hidden {@code Linear} whose outputs form a permutation
 * group and which is not followed directly by a {@code BatchNorm2d} (a batch norm already resets
 * its input's statistics; residual blocks have one after every conv, so they are reset, not
 * REPAIRed). Statistics per channel of the pre-activation (the conv's output, bias included):
 * mean {@code μ} and population standard deviation {@code σ} over every row and spatial position,
 * for the base and for the target each in its own network on the same rows (training rows, never
 * test rows). Target channels are put in the base's order by the alignment; a base channel that
 * receives padding takes the base's own statistics, dropped target channels have no say (a zip
 * alignment, {@link CnnZip}: each base channel's target statistics are those of the average of the
 * target channels zipped into it, measured in the target's own network). Targets at
 * λ: {@code mean* = (1−λ)μ_base + λμ_target}, {@code std* = (1−λ)σ_base + λσ_target}.
 *
 * <p>Renormalisation, point by point in module order: measure the merged network's pre-activation
 * mean {@code m} and variance {@code v} at the point (eval mode, every earlier point already folded
 * and every earlier batch norm's statistics already reset), then {@code s = std* / √(v + ε)},
 * {@code W′ = s ⊙ W} per output channel, {@code b′ = mean* + s ⊙ (b − m)}. A conv without bias can
 * only take the scale (its mean then becomes {@code s·m}, not {@code mean*}). The batch norms'
 * running statistics are reset before the first point that comes after a batch norm, again before
 * a later point whenever a fold changed their inputs, and once at the end if a fold came before
 * one. The result is a plain network of the base's architecture.
 *
 * <p>Written here (not taken from a library): REPAIR exists only as PyTorch notebooks. A test checks
 * it against MAL's MLP REPAIR on a CNN of 1×1 convolutions over 1×1 images, which is that MLP.
 */
public final class CnnRepair {
    private CnnRepair() {}

    /** What is done to the merged network at each λ. */
    public enum Correction {
        /** The convex merge as it is (running statistics interpolated like every tensor). */
        NONE,
        /** Every batch norm's running statistics measured on the rows ({@link BatchNormStatistics#reset}). */
        BN_RESET,
        /** The batch-norm reset plus REPAIR of every conv or hidden linear layer without a batch norm. */
        REPAIR;

        /** {@code none}, {@code bn-reset} or {@code repair}, case-insensitive; an error lists them. */
        public static Correction parse(String s) {
            for (Correction c : values()) if (c.name().replace('_', '-').equalsIgnoreCase(s)) return c;
            throw new IllegalArgumentException("unknown correction " + s + "; use none, bn-reset or repair");
        }
    }

    /** Per channel: mean and population standard deviation of a pre-activation. */
    public record ChannelStats(double[] mean, double[] std) {
        public ChannelStats {
            if (mean.length != std.length) throw new IllegalArgumentException("a mean and a standard deviation per channel");
        }
    }

    /**
     * The merge of {@code base} with the target aligned by {@code alignment}, as a function of λ,
     * with {@code correction} measured on {@code images} ({@code [rows, c·h·w]} or NCHW; training
     * rows) in batches of {@code batchSize}. What does not depend on λ (the transplant, the endpoints'
     * statistics) is computed once. {@code λ = 0} gives the base itself. Nothing is modified.
     */
    public static DoubleFunction<CnnModel> curve(CnnModel base, CnnModel target, CnnAlignment alignment, Correction correction, INDArray images,
                                                 int batchSize) {
        CnnModel aligned = CnnTransplant.aligned(base, target, alignment);
        CnnArchitecture arch = base.architecture();
        boolean batchNorms = hasBatchNorm(arch);
        if (correction == Correction.BN_RESET && !batchNorms) {
            throw new IllegalArgumentException("bn-reset: the base has no batch norms (" + arch.describe() + "); use repair");
        }
        if (correction == Correction.NONE) return lambda -> CnnMerge.convex(base, aligned, lambda);
        if (correction == Correction.BN_RESET) return lambda -> lambda == 0 ? base : BatchNormStatistics.reset(CnnMerge.convex(base, aligned, lambda), images, batchSize);
        List<Integer> points = points(arch);
        Map<Integer, ChannelStats> sb = new TreeMap<>();
        Map<Integer, ChannelStats> st = new TreeMap<>();
        Map<Integer, int[]> matches = new TreeMap<>();
        for (int i : points) {
            sb.put(i, stats(base, i, images, batchSize));
            if (alignment.zipped()) {
                // zip: each base channel's target is the averaged channel of its group (MAL's MLP REPAIR for zip does the same)
                int[][] zip = alignment.zip("P_" + i);
                st.put(i, stats(target, i, images, batchSize, org.mal.core.align.Zip.merge(zip, target.architecture().permutationSpec().sizes().get("P_" + i))));
                int[] m = new int[zip.length];
                for (int p = 0; p < zip.length; p++) m[p] = zip[p].length == 0 ? -1 : p;
                matches.put(i, m);
            } else {
                st.put(i, stats(target, i, images, batchSize));
                matches.put(i, alignment.match("P_" + i));
            }
        }
        return lambda -> {
            if (lambda == 0) return base;
            Map<Integer, ChannelStats> want = new TreeMap<>();
            for (int i : points) want.put(i, targets(sb.get(i), st.get(i), matches.get(i), lambda));
            return renormalise(CnnMerge.convex(base, aligned, lambda), want, batchNorms, images, batchSize);
        };
    }

    /** The REPAIR points of an architecture (see the class comment), in module order. */
    public static List<Integer> points(CnnArchitecture arch) {
        List<CnnLayer> layers = arch.layers();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            CnnLayer l = layers.get(i);
            boolean grouped = arch.permutationSpec().sizes().containsKey("P_" + i);
            boolean normalised = i + 1 < layers.size() && layers.get(i + 1) instanceof CnnLayer.BatchNorm2d;
            if ((l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.Linear) && grouped && !normalised) out.add(i);
        }
        return out;
    }

    /** {@code mean*}, {@code std*} at λ; base channels with {@code targetForBase[p] = -1} keep the base's. */
    static ChannelStats targets(ChannelStats base, ChannelStats target, int[] targetForBase, double lambda) {
        int n = base.mean().length;
        double[] mean = new double[n];
        double[] std = new double[n];
        for (int p = 0; p < n; p++) {
            int q = targetForBase[p];
            mean[p] = (1 - lambda) * base.mean()[p] + lambda * (q >= 0 ? target.mean()[q] : base.mean()[p]);
            std[p] = (1 - lambda) * base.std()[p] + lambda * (q >= 0 ? target.std()[q] : base.std()[p]);
        }
        return new ChannelStats(mean, std);
    }

    /** {@code merged} with every point of {@code want} folded in order and the batch norms reset as the class comment says. */
    static CnnModel renormalise(CnnModel merged, Map<Integer, ChannelStats> want, boolean batchNorms, INDArray images, int batchSize) {
        List<CnnLayer> layers = merged.architecture().layers();
        CnnModel current = merged;
        boolean stale = batchNorms;
        for (Map.Entry<Integer, ChannelStats> e : new TreeMap<>(want).entrySet()) {
            int i = e.getKey();
            if (stale && batchNormIn(layers, 0, i)) {
                current = BatchNormStatistics.reset(current, images, batchSize);
                stale = false;
            }
            current = fold(current, i, stats(current, i, images, batchSize), e.getValue());
            if (batchNormIn(layers, i + 1, layers.size())) stale = true;
        }
        return stale ? BatchNormStatistics.reset(current, images, batchSize) : current;
    }

    /** Whether a module in {@code [from, to)} has batch norms (a batch norm, or a residual block). */
    private static boolean batchNormIn(List<CnnLayer> layers, int from, int to) {
        for (int k = from; k < to; k++) if (layers.get(k) instanceof CnnLayer.BatchNorm2d || layers.get(k) instanceof CnnLayer.ResidualBlock) return true;
        return false;
    }

    static boolean hasBatchNorm(CnnArchitecture arch) { return batchNormIn(arch.layers(), 0, arch.layers().size()); }

    /**
     * Per output channel of module {@code i}: mean and population standard deviation of its output
     * over rows and positions, eval mode, on {@code images} in batches; accumulated in float64.
     */
    public static ChannelStats stats(CnnModel m, int i, INDArray images, int batchSize) {
        return stats(m, i, images, batchSize, null);
    }

    /** The same for the channels {@code merge · channels} ({@code merge}: {@code n′ × n}, float64; null: the channels themselves). */
    static ChannelStats stats(CnnModel m, int i, INDArray images, int batchSize, INDArray merge) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        long rows = images.size(0);
        if (rows < 1) throw new IllegalArgumentException("statistics need at least one row of images");
        long[] in = m.architecture().inputShape();
        double[] sum = null;
        double[] sumSq = null;
        long n = 0;
        for (long from = 0; from < rows; from += batchSize) {
            INDArray x = images.get(NDArrayIndex.interval(from, Math.min(rows, from + batchSize)));
            INDArray h = (x.rank() == 4 ? x : x.reshape('c', x.size(0), in[0], in[1], in[2])).castTo(m.floatType());
            for (int k = 0; k <= i; k++) h = m.layerOutput(k, h);
            INDArray z = CnnActivationMatching.samples(h, 1);
            if (merge != null) z = z.mmul(merge.transpose());
            double[] s = z.sum(0).toDoubleVector();
            double[] q = z.mul(z).sum(0).toDoubleVector();
            if (sum == null) {
                sum = new double[s.length];
                sumSq = new double[s.length];
            }
            for (int c = 0; c < s.length; c++) {
                sum[c] += s[c];
                sumSq[c] += q[c];
            }
            n += z.rows();
        }
        double[] mean = new double[sum.length];
        double[] std = new double[sum.length];
        for (int c = 0; c < sum.length; c++) {
            mean[c] = sum[c] / n;
            std[c] = Math.sqrt(Math.max(0, sumSq[c] / n - mean[c] * mean[c]));
        }
        return new ChannelStats(mean, std);
    }

    /**
     * Module {@code i} (a conv or linear) with {@code s = std* / √(v + ε)} folded into its weight's
     * output channels and {@code b′ = mean* + s ⊙ (b − m)} into its bias (if it has one); a new model.
     */
    static CnnModel fold(CnnModel m, int i, ChannelStats measured, ChannelStats want) {
        CnnLayer layer = m.architecture().layers().get(i);
        boolean bias = layer instanceof CnnLayer.Conv2d c ? c.bias() : ((CnnLayer.Linear) layer).bias();
        String p = i + ".";
        INDArray w = m.params().get(p + "weight");
        int channels = (int) w.size(0);
        double[] scale = new double[channels];
        for (int c = 0; c < channels; c++) scale[c] = want.std()[c] / Math.sqrt(measured.std()[c] * measured.std()[c] + Repair.EPSILON);
        Map<String, INDArray> params = new LinkedHashMap<>(m.params());
        long[] shape = new long[w.rank()];
        java.util.Arrays.fill(shape, 1);
        shape[0] = channels;
        params.put(p + "weight", w.mul(Nd4j.createFromArray(scale).castTo(w.dataType()).reshape(shape).broadcast(w.shape())));
        if (bias) {
            double[] b = m.params().get(p + "bias").castTo(DataType.DOUBLE).toDoubleVector();
            double[] out = new double[channels];
            for (int c = 0; c < channels; c++) out[c] = want.mean()[c] + scale[c] * (b[c] - measured.mean()[c]);
            params.put(p + "bias", Nd4j.createFromArray(out).castTo(w.dataType()));
        }
        return new CnnModel(m.architecture(), params);
    }
}
