package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.mal.core.align.LinearAssignment;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Activation matching for CNNs (Git Re-Basin §3.1 with Pearson correlation, as REPAIR's
 * {@code get_layer_perm} and ZipIt! use it): each permutation group is matched by one linear
 * assignment (maximise) on the correlation between the base's and the target's channels, on the
 * same images (training rows, never test rows). Channel counts may differ, as in
 * {@link CnnChannelMatching}: the assignment is rectangular and the narrower side's leftover
 * channels are padded (base) or dropped (target).
 *
 * <p>What is correlated: a group's activation is what its consumer reads, i.e. the input of the
 * next {@code Conv2d}, {@code Linear} or residual block: after the batch norm, ReLU and pooling that
 * follow the conv (eval mode). A channel's samples are its values at every spatial position of
 * every row ({@code rows·h·w} samples); after a {@code Flatten}, the {@code h·w} inputs of one
 * channel are its positions. Inside a residual block the inner group is read at the input of
 * {@code conv2} ({@link CnnModel#residualInner}). A residual stream is read at the input of every
 * block of its stage (and of the layer after it): its correlation matrix is the sum of the
 * per-point matrices, so each point weighs the same. A channel that is constant on the data (dead)
 * correlates 0 with everything.
 *
 * <p>Correlations are accumulated over batches from raw moments in float64
 * ({@code cov = E[ab] − E[a]E[b]}): rows are seen once and no activation of a whole data set is
 * held. The objective reported is {@link CnnChannelMatching}'s weight-matching objective, so the
 * aligners can be compared. Neither model nor the images are modified.
 */
public final class CnnActivationMatching {
    /**
     * A channel whose standard deviation is at most this times {@code 1 + |mean|} is constant:
     * correlation 0. Raw moments leave a constant channel a rounding residue of about
     * {@code 1e-8·|mean|} in its standard deviation, which this must exceed.
     */
    static final double CONSTANT = 1e-7;

    private CnnActivationMatching() {}

    /**
     * Aligns the target's channels to the base's by correlation on {@code images} ({@code [rows, c·h·w]}
     * or NCHW), run in batches of {@code batchSize} rows.
     */
    public static CnnAlignment align(CnnModel base, CnnModel target, INDArray images, int batchSize) {
        long started = System.nanoTime();
        CnnTransplant.checkStructure(base.architecture(), target.architecture());
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        long rows = images.size(0);
        if (rows < 2) throw new IllegalArgumentException("activation matching needs at least 2 rows of images, got " + rows);
        Map<String, Correlation> points = correlations(base, target, images, batchSize);
        Map<String, Integer> baseSizes = base.architecture().permutationSpec().sizes();
        Map<String, Integer> targetSizes = target.architecture().permutationSpec().sizes();
        Map<String, int[]> matches = new LinkedHashMap<>();
        for (String g : baseSizes.keySet()) {
            int na = baseSizes.get(g);
            int nb = targetSizes.get(g);
            double[] corr = new double[na * nb];
            boolean seen = false;
            for (Map.Entry<String, Correlation> e : points.entrySet()) {
                if (!e.getKey().substring(0, e.getKey().indexOf('#')).equals(g)) continue;
                double[] c = e.getValue().matrix();
                for (int i = 0; i < c.length; i++) corr[i] += c[i];
                seen = true;
            }
            if (!seen) throw new IllegalStateException("no activation of group " + g + " was read");
            matches.put(g, LinearAssignment.solve(corr, na, nb, LinearAssignment.Goal.MAXIMIZE).colForRow());
        }
        double before = CnnChannelMatching.objective(base, target, CnnChannelMatching.naive(base, target).targetForBase());
        return new CnnAlignment("activation:" + rows, matches, before, CnnChannelMatching.objective(base, target, matches), 1,
                (System.nanoTime() - started) / 1e9);
    }

    /**
     * The correlation matrices of every activation point (key {@code "<group>#<point>"}, in the
     * order the forward pass meets them), base channels × target channels.
     */
    static Map<String, Correlation> correlations(CnnModel base, CnnModel target, INDArray images, int batchSize) {
        Map<String, Correlation> out = new LinkedHashMap<>();
        long rows = images.size(0);
        for (long from = 0; from < rows; from += batchSize) {
            INDArray x = images.get(NDArrayIndex.interval(from, Math.min(rows, from + batchSize)));
            List<String> keys = new ArrayList<>();
            List<INDArray> acts = new ArrayList<>();
            read(base, x, (key, a) -> {
                keys.add(key);
                acts.add(a);
            });
            int[] k = {0};
            read(target, x, (key, b) -> {
                if (!key.equals(keys.get(k[0]))) throw new IllegalStateException("activation points differ: " + keys.get(k[0]) + " vs " + key);
                INDArray a = acts.get(k[0]++);
                out.computeIfAbsent(key, n -> new Correlation((int) a.columns(), (int) b.columns())).add(a, b);
            });
        }
        return out;
    }

    /**
     * Runs {@code m} on {@code x} (eval mode) and hands every activation point to {@code sink} as
     * {@code (key, samples × channels)} in float64; the keys are {@code "<group>#<k>"} with {@code k}
     * counting the group's points. Groups as {@link CnnArchitecture#permutationSpec()} names them.
     */
    static void read(CnnModel m, INDArray x, BiConsumer<String, INDArray> sink) {
        CnnArchitecture arch = m.architecture();
        List<CnnLayer> layers = arch.layers();
        int last = -1;
        for (int i = layers.size() - 1; i >= 0 && last < 0; i--) if (layers.get(i).hasParams()) last = i;
        Map<String, Integer> counts = new LinkedHashMap<>();
        BiConsumer<String, INDArray> numbered = (g, a) -> sink.accept(g + "#" + counts.merge(g, 1, Integer::sum), a);
        INDArray h = input(m, x);
        String current = null;
        int block = 1;
        for (int i = 0; i < layers.size(); i++) {
            CnnLayer layer = layers.get(i);
            if (layer instanceof CnnLayer.Conv2d || layer instanceof CnnLayer.Linear || layer instanceof CnnLayer.ResidualBlock) {
                if (current != null) numbered.accept(current, samples(h, block));
            }
            if (layer instanceof CnnLayer.Conv2d || layer instanceof CnnLayer.Linear) {
                block = 1;
                current = i == last ? null : "P_" + i;
            } else if (layer instanceof CnnLayer.Flatten) {
                block = (int) (h.size(2) * h.size(3));
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                numbered.accept("P_" + i + ".inner", samples(m.residualInner(i, h), 1));
                if (r.projection()) current = "P_" + i;
            }
            h = m.layerOutput(i, h);
        }
    }

    /** The images as NCHW in the model's float type. */
    private static INDArray input(CnnModel m, INDArray x) {
        long[] in = m.architecture().inputShape();
        INDArray h = x.rank() == 4 ? x : x.reshape('c', x.size(0), in[0], in[1], in[2]);
        return h.castTo(m.floatType());
    }

    /**
     * Channel samples as rows: maps {@code [n, c, h, w]} give {@code [n·h·w, c]}; rows after a
     * flatten of {@code block = h·w} positions per channel give {@code [n·block, c]}; plain rows stay.
     */
    static INDArray samples(INDArray h, int block) {
        INDArray d = h.castTo(DataType.DOUBLE);
        if (d.rank() == 4) {
            long c = d.size(1);
            return d.permute(0, 2, 3, 1).dup('c').reshape('c', d.length() / c, c);
        }
        if (block == 1) return d;
        long c = d.size(1) / block;
        return d.reshape('c', d.size(0), c, block).permute(0, 2, 1).dup('c').reshape('c', d.size(0) * block, c);
    }

    /** Pearson correlation of every base channel with every target channel, from raw moments accumulated over batches. */
    static final class Correlation {
        private final int na;
        private final int nb;
        private long n;
        private final double[] sumA;
        private final double[] sumB;
        private final double[] sumAA;
        private final double[] sumBB;
        private INDArray cross;

        Correlation(int na, int nb) {
            this.na = na;
            this.nb = nb;
            sumA = new double[na];
            sumB = new double[nb];
            sumAA = new double[na];
            sumBB = new double[nb];
        }

        /** Adds samples {@code a} ({@code [s, na]}) and {@code b} ({@code [s, nb]}), row {@code r} of both from one input position. */
        void add(INDArray a, INDArray b) {
            if (a.rows() != b.rows()) throw new IllegalArgumentException(a.rows() + " base samples but " + b.rows() + " target samples");
            n += a.rows();
            INDArray c = a.transpose().mmul(b);
            cross = cross == null ? c : cross.addi(c);
            accumulate(a, sumA, sumAA);
            accumulate(b, sumB, sumBB);
        }

        private static void accumulate(INDArray x, double[] sum, double[] sumSq) {
            double[] s = x.sum(0).toDoubleVector();
            double[] q = x.mul(x).sum(0).toDoubleVector();
            for (int i = 0; i < s.length; i++) {
                sum[i] += s[i];
                sumSq[i] += q[i];
            }
        }

        /** Row-major {@code na × nb}: {@code (E[ab] − E[a]E[b]) / (σ_a σ_b)}, 0 for a constant channel. */
        double[] matrix() {
            double[] c = cross.dup('c').data().asDouble();
            double[] ma = new double[na];
            double[] sa = new double[na];
            double[] mb = new double[nb];
            double[] sb = new double[nb];
            moments(sumA, sumAA, ma, sa);
            moments(sumB, sumBB, mb, sb);
            double[] out = new double[na * nb];
            for (int p = 0; p < na; p++) {
                for (int q = 0; q < nb; q++) {
                    boolean constant = sa[p] <= CONSTANT * (1 + Math.abs(ma[p])) || sb[q] <= CONSTANT * (1 + Math.abs(mb[q]));
                    out[p * nb + q] = constant ? 0 : (c[p * nb + q] / n - ma[p] * mb[q]) / (sa[p] * sb[q]);
                }
            }
            return out;
        }

        private void moments(double[] sum, double[] sumSq, double[] mean, double[] std) {
            for (int i = 0; i < sum.length; i++) {
                mean[i] = sum[i] / n;
                std[i] = Math.sqrt(Math.max(0, sumSq[i] / n - mean[i] * mean[i]));
            }
        }
    }
}
