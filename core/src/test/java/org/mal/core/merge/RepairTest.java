package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.align.Zip;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RepairTest {
    static INDArray rows(int n, int features, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * features];
        for (int k = 0; k < v.length; k++) v[k] = (float) r.nextGaussian();
        return Nd4j.createFromArray(v).reshape(n, features);
    }

    static int[] shuffled(int n, Random r) {
        int[] p = new int[n];
        for (int k = 0; k < n; k++) p[k] = k;
        for (int k = n - 1; k > 0; k--) {
            int j = r.nextInt(k + 1);
            int t = p[k];
            p[k] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Design invariant 8: REPAIR of a model with a permuted copy of itself gives back the model's function at every λ. */
    @Test
    void aPermutedCopyRepairedGivesBackTheBaseAtEveryLambda() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(16, 10), 3), 4);
        Random r = new Random(9);
        Model target = base.permuted(Map.of(Architecture.groupName(0), shuffled(16, r), Architecture.groupName(1), shuffled(10, r)));
        LayerMap map = LayerMap.identity(3);
        Alignment a = WeightMatching.align(base, target, map, new WeightMatching.Settings(100, 1));
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        INDArray x = rows(500, 12, 3);
        INDArray expected = base.logits(x);
        for (double lambda : new double[] {0, 0.25, 0.5, 0.75, 1}) {
            Model repaired = Repair.convex(base, target, a, aligned, lambda, x);
            INDArray got = repaired.logits(x);
            double err = got.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            assertTrue(err < 1e-4, "λ = " + lambda + ": relative error " + err);
            assertEquals(base.architecture(), repaired.architecture(), "a plain MLP of the base's architecture");
        }
        assertSame(base, Repair.convex(base, target, a, aligned, 0, x), "λ = 0 is the base itself");
    }

    /** A slow reference: the same statistics and fold, in plain loops over float arrays. */
    @Test
    void matchesAPlainJavaComputationOnAHeterogeneousPair() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 6), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(10, 4), 3), 2);   // wider, then narrower
        LayerMap map = LayerMap.identity(3);
        Alignment a = WeightMatching.align(base, target, map, new WeightMatching.Settings(100, 1));
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        INDArray x = rows(300, 12, 5);
        double lambda = 0.4;
        Model fast = Repair.convex(base, target, a, aligned, lambda, x);

        float[][] xs = x.toFloatMatrix();
        double[][][] sb = statsSlow(base, xs);
        double[][][] st = statsSlow(target, xs);
        Model merged = Merge.convex(base, aligned, lambda);
        float[][][] w = new float[3][][];
        float[][] b = new float[3][];
        for (int l = 0; l < 3; l++) {
            w[l] = merged.weight(l).castTo(DataType.FLOAT).toFloatMatrix();
            b[l] = merged.bias(l).castTo(DataType.FLOAT).toFloatVector();
        }
        for (int l = 0; l < 2; l++) {   // hidden layers, in order
            int[] t = a.match(l, l).orElseThrow().targetForBase();
            // the merged layer's statistics with earlier layers repaired
            double[][] m = statsOfLayer(w, b, xs, l);
            for (int u = 0; u < w[l].length; u++) {
                double mt = t[u] >= 0 ? st[l][0][t[u]] : sb[l][0][u];
                double dt = t[u] >= 0 ? st[l][1][t[u]] : sb[l][1][u];
                double meanStar = (1 - lambda) * sb[l][0][u] + lambda * mt;
                double stdStar = (1 - lambda) * sb[l][1][u] + lambda * dt;
                double s = stdStar / Math.sqrt(m[1][u] * m[1][u] + Repair.EPSILON);
                for (int k = 0; k < w[l][u].length; k++) w[l][u][k] = (float) (s * w[l][u][k]);
                b[l][u] = (float) (meanStar + s * (b[l][u] - m[0][u]));
            }
        }
        for (int l = 0; l < 3; l++) {
            float[][] fw = fast.weight(l).castTo(DataType.FLOAT).toFloatMatrix();
            for (int u = 0; u < fw.length; u++) assertArrayEquals(w[l][u], fw[u], 1e-4f, "layer " + l + " unit " + u);
            assertArrayEquals(b[l], fast.bias(l).castTo(DataType.FLOAT).toFloatVector(), 1e-4f, "layer " + l + " bias");
        }
        int[] t1 = a.match(1, 1).orElseThrow().targetForBase();
        assertTrue(java.util.Arrays.stream(t1).anyMatch(v -> v < 0), "the narrower target pads some base units of layer 1");
    }

    /** Per layer: {mean[], std[]} of the pre-activation, by loops. */
    static double[][][] statsSlow(Model m, float[][] xs) {
        int depth = m.architecture().depth();
        float[][][] w = new float[depth][][];
        float[][] b = new float[depth][];
        for (int l = 0; l < depth; l++) {
            w[l] = m.weight(l).castTo(DataType.FLOAT).toFloatMatrix();
            b[l] = m.bias(l).castTo(DataType.FLOAT).toFloatVector();
        }
        double[][][] out = new double[depth][][];
        for (int l = 0; l < depth; l++) out[l] = statsOfLayer(w, b, xs, l);
        return out;
    }

    /** {mean[], std[]} of layer {@code l}'s pre-activation over the rows, earlier layers with ReLU. */
    static double[][] statsOfLayer(float[][][] w, float[][] b, float[][] xs, int l) {
        int units = w[l].length;
        double[] sum = new double[units];
        double[] sq = new double[units];
        for (float[] row : xs) {
            double[] h = new double[row.length];
            for (int k = 0; k < row.length; k++) h[k] = row[k];
            for (int layer = 0; layer <= l; layer++) {
                double[] z = new double[w[layer].length];
                for (int u = 0; u < z.length; u++) {
                    double acc = b[layer][u];
                    for (int k = 0; k < h.length; k++) acc += w[layer][u][k] * h[k];
                    z[u] = acc;
                }
                if (layer == l) {
                    for (int u = 0; u < units; u++) {
                        sum[u] += z[u];
                        sq[u] += z[u] * z[u];
                    }
                } else {
                    for (int u = 0; u < z.length; u++) z[u] = Math.max(0, z[u]);
                    h = z;
                }
            }
        }
        double[][] out = new double[2][units];
        for (int u = 0; u < units; u++) {
            out[0][u] = sum[u] / xs.length;
            out[1][u] = Math.sqrt(Math.max(0, sq[u] / xs.length - out[0][u] * out[0][u]));
        }
        return out;
    }

    /** The closed form is exact where the merged layer's inputs are unchanged (the first merged layer), and the identity on a permuted copy. */
    @Test
    void theClosedFormIsTheMeasuredRepairOnTheFirstMergedLayerAndTheIdentityOnACopy() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 6), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(10, 4), 3), 2);
        INDArray x = rows(300, 12, 5);
        LayerMap first = LayerMap.parse("0:0");
        Alignment a = WeightMatching.align(base, target, first, new WeightMatching.Settings(100, 1));
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        for (double lambda : new double[] {0.3, 0.7}) {
            INDArray measured = Repair.convex(base, target, a, aligned, lambda, x).logits(x);
            INDArray closed = Repair.closedForm(base, target, a, aligned, lambda, x).logits(x);
            double err = closed.sub(measured).norm2Number().doubleValue() / measured.norm2Number().doubleValue();
            assertTrue(err < 1e-4, "λ = " + lambda + ": " + err);
        }
        Random r = new Random(2);
        Model copy = base.permuted(Map.of(Architecture.groupName(0), shuffled(8, r), Architecture.groupName(1), shuffled(6, r)));
        Alignment ca = WeightMatching.align(base, copy, LayerMap.identity(3), new WeightMatching.Settings(100, 1));
        INDArray expected = base.logits(x);
        INDArray got = Repair.closedForm(base, copy, ca, Transplant.alignedTensors(base, copy, ca), 0.5, x).logits(x);
        assertTrue(got.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue() < 1e-4);
    }

    /** Zip's groups as REPAIR sees them: a zip of a permuted copy (one target unit per base unit) is repaired back to the base. */
    @Test
    void aZippedPermutedCopyRepairedGivesBackTheBase() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(16, 10), 3), 4);
        Random r = new Random(9);
        int[] p0 = shuffled(16, r);
        int[] p1 = shuffled(10, r);
        Model target = base.permuted(Map.of(Architecture.groupName(0), p0, Architecture.groupName(1), p1));
        List<int[][]> groups = List.of(inverseGroups(p0), inverseGroups(p1));
        Map<String, INDArray> aligned = Zip.alignedTensors(base, target, groups);
        INDArray x = rows(500, 12, 3);
        INDArray expected = base.logits(x);
        var curve = Repair.measured(base, Repair.View.zipped(target, groups, x), aligned, x);
        for (double lambda : new double[] {0.25, 0.5, 1}) {
            INDArray got = curve.apply(lambda).logits(x);
            double err = got.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
            assertTrue(err < 1e-4, "λ = " + lambda + ": relative error " + err);
        }
        assertSame(base, curve.apply(0), "λ = 0 is the base itself");
    }

    /**
     * Zipped units take the statistics of the zipped group's merged pre-activation (the mean of its
     * members' in the target's own network), checked by loops: after REPAIR every merged hidden
     * layer's pre-activation has the interpolated mean and standard deviation; a base unit whose group
     * is empty keeps its own.
     */
    @Test
    void zippedGroupsTakeTheirMergedPreActivationsStatistics() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 6), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(10, 4), 3), 2);
        List<int[][]> groups = List.of(
                new int[][] {{0, 1}, {2}, {3}, {4}, {5}, {6, 7}, {8}, {9}},
                new int[][] {{2}, {0}, {}, {1, 3}, {}, {}});
        INDArray x = rows(400, 12, 5);
        double lambda = 0.4;
        Model repaired = Repair.measured(base, Repair.View.zipped(target, groups, x), Zip.alignedTensors(base, target, groups), x).apply(lambda);

        float[][] xs = x.toFloatMatrix();
        double[][][] sb = statsSlow(base, xs);
        double[][][] got = statsSlow(repaired, xs);
        for (int l = 0; l < 2; l++) {
            double[][] group = groupStatsSlow(target, xs, l, groups.get(l));
            for (int u = 0; u < groups.get(l).length; u++) {
                boolean empty = groups.get(l)[u].length == 0;
                double meanStar = (1 - lambda) * sb[l][0][u] + lambda * (empty ? sb[l][0][u] : group[0][u]);
                double stdStar = (1 - lambda) * sb[l][1][u] + lambda * (empty ? sb[l][1][u] : group[1][u]);
                assertEquals(meanStar, got[l][0][u], 1e-3 * (1 + Math.abs(meanStar)), "layer " + l + " unit " + u + " mean");
                assertEquals(stdStar, got[l][1][u], 1e-3 * (1 + stdStar), "layer " + l + " unit " + u + " std");
            }
        }
    }

    /** For a permutation p (new unit k = old unit p[k]): per old unit u, the one new unit holding it. */
    static int[][] inverseGroups(int[] p) {
        int[][] out = new int[p.length][];
        for (int k = 0; k < p.length; k++) out[p[k]] = new int[] {k};
        return out;
    }

    /** {mean[], std[]} per group of the mean of its members' pre-activations in layer {@code l}, by loops. */
    static double[][] groupStatsSlow(Model m, float[][] xs, int l, int[][] groups) {
        int depth = m.architecture().depth();
        float[][][] w = new float[depth][][];
        float[][] b = new float[depth][];
        for (int k = 0; k < depth; k++) {
            w[k] = m.weight(k).castTo(DataType.FLOAT).toFloatMatrix();
            b[k] = m.bias(k).castTo(DataType.FLOAT).toFloatVector();
        }
        double[] sum = new double[groups.length];
        double[] sq = new double[groups.length];
        for (float[] row : xs) {
            double[] h = new double[row.length];
            for (int k = 0; k < row.length; k++) h[k] = row[k];
            double[] z = null;
            for (int layer = 0; layer <= l; layer++) {
                z = new double[w[layer].length];
                for (int u = 0; u < z.length; u++) {
                    double acc = b[layer][u];
                    for (int k = 0; k < h.length; k++) acc += w[layer][u][k] * h[k];
                    z[u] = acc;
                }
                if (layer < l) {
                    h = new double[z.length];
                    for (int u = 0; u < z.length; u++) h[u] = Math.max(0, z[u]);
                }
            }
            for (int g = 0; g < groups.length; g++) {
                if (groups[g].length == 0) continue;
                double v = 0;
                for (int t : groups[g]) v += z[t];
                v /= groups[g].length;
                sum[g] += v;
                sq[g] += v * v;
            }
        }
        double[][] out = new double[2][groups.length];
        for (int g = 0; g < groups.length; g++) {
            out[0][g] = sum[g] / xs.length;
            out[1][g] = Math.sqrt(Math.max(0, sq[g] / xs.length - out[0][g] * out[0][g]));
        }
        return out;
    }
}
