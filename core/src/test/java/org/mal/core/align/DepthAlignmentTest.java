package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DepthAlignmentTest {

    /** CKA through its definition: HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)), K = XXᵀ, HSIC(K, L) = tr(KHLH). */
    private static double ckaByDefinition(double[][] x, double[][] y) {
        double[][] k = gram(x);
        double[][] l = gram(y);
        return hsic(k, l) / Math.sqrt(hsic(k, k) * hsic(l, l));
    }

    private static double[][] gram(double[][] x) {
        int n = x.length;
        double[][] g = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) for (int d = 0; d < x[0].length; d++) g[i][j] += x[i][d] * x[j][d];
        return g;
    }

    private static double hsic(double[][] k, double[][] l) {
        int n = k.length;
        double[][] kc = center(k);
        double[][] lc = center(l);
        double t = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) t += kc[i][j] * lc[j][i];
        return t;
    }

    private static double[][] center(double[][] k) {
        int n = k.length;
        double[] row = new double[n];
        double[] col = new double[n];
        double all = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) { row[i] += k[i][j] / n; col[j] += k[i][j] / n; all += k[i][j] / ((double) n * n); }
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i][j] = k[i][j] - row[i] - col[j] + all;
        return c;
    }

    private static double[][] random(int n, int p, Random r) {
        double[][] x = new double[n][p];
        for (double[] row : x) for (int j = 0; j < p; j++) row[j] = r.nextGaussian();
        return x;
    }

    @Test
    void linearCkaMatchesItsDefinitionAndItsInvariances() {
        Random r = new Random(1);
        for (int t = 0; t < 5; t++) {
            double[][] x = random(20, 4, r);
            double[][] y = random(20, 6, r);
            for (int i = 0; i < 20; i++) y[i][0] += 2 * x[i][1];   // some shared signal
            double expected = ckaByDefinition(x, y);
            assertEquals(expected, DepthAlignment.linearCka(Nd4j.create(x), Nd4j.create(y)), 1e-10);
        }
        double[][] x = random(30, 5, r);
        double[][] scaledPermuted = new double[30][5];
        for (int i = 0; i < 30; i++) for (int j = 0; j < 5; j++) scaledPermuted[i][j] = 3 * x[i][(j + 2) % 5];
        assertEquals(1.0, DepthAlignment.linearCka(Nd4j.create(x), Nd4j.create(scaledPermuted)), 1e-12);
        assertEquals(0.0, DepthAlignment.linearCka(Nd4j.create(x), Nd4j.ones(DataType.DOUBLE, 30, 3)), 0.0, "a constant side");
    }

    private static double smaValue(double[][] c, int[] a) {
        double v = 0;
        for (int k = 0; k < a.length; k++) v += c[a[k]][k];
        return v;
    }

    private static double lmaValue(double[][] c, int[] start) {
        double v = 0;
        for (int k = 0; k < start.length; k++) {
            int end = k + 1 < start.length ? start[k + 1] : c.length;
            for (int l = start[k]; l < end; l++) v += c[l][k];
        }
        return v;
    }

    /** Every strictly increasing choice of n of m indices. */
    private static void increasing(int m, int n, int from, int[] partial, int k, List<int[]> out) {
        if (k == n) { out.add(partial.clone()); return; }
        for (int l = from; l <= m - (n - k); l++) { partial[k] = l; increasing(m, n, l + 1, partial, k + 1, out); }
    }

    @Test
    void bothProgramsMatchBruteForceOnSmallCases() {
        Random r = new Random(7);
        for (int m = 1; m <= 7; m++) {
            for (int n = 1; n <= m; n++) {
                for (int t = 0; t < 20; t++) {
                    double[][] c = new double[m][n];
                    for (double[] row : c) for (int k = 0; k < n; k++) row[k] = t % 3 == 0 ? r.nextInt(3) : r.nextDouble() * 2 - 1;
                    List<int[]> choices = new ArrayList<>();
                    increasing(m, n, 0, new int[n], 0, choices);
                    double bestSma = choices.stream().mapToDouble(a -> smaValue(c, a)).max().orElseThrow();
                    int[] a = DepthAlignment.alignLayers(c);
                    for (int k = 1; k < n; k++) assertTrue(a[k] > a[k - 1], "strictly increasing");
                    assertEquals(bestSma, smaValue(c, a), 1e-12, "SMA m=" + m + " n=" + n);
                    // LMA: runs start at 0 and at an increasing choice of n-1 cut points in 1..m-1
                    double bestLma = Double.NEGATIVE_INFINITY;
                    List<int[]> cuts = new ArrayList<>();
                    increasing(m - 1, n - 1, 0, new int[n - 1], 0, cuts);
                    for (int[] cut : cuts) {
                        int[] start = new int[n];
                        for (int k = 1; k < n; k++) start[k] = cut[k - 1] + 1;
                        bestLma = Math.max(bestLma, lmaValue(c, start));
                    }
                    int[] start = DepthAlignment.segment(c);
                    assertEquals(0, start[0]);
                    for (int k = 1; k < n; k++) assertTrue(start[k] > start[k - 1], "non-empty runs");
                    assertEquals(bestLma, lmaValue(c, start), 1e-12, "LMA m=" + m + " n=" + n);
                }
            }
        }
    }

    @Test
    void aDeepModelMadeByInsertingNearIdentityLayersIsSegmentedBack() {
        TaskData blobs = Synthetic.gaussianBlobs("blobs", 300, 100, 10, 3, 3);
        Model shallow = Trainer.train(Architecture.mlp(10, List.of(12, 9, 7), 3), blobs.train(),
                new TrainConfig(Optimizer.ADAM, 1e-2, 3, 32, 4), TrainingListener.NONE);
        // deep: insert a near-identity layer after shallow hidden layer 0 and two after hidden layer 2
        int[] insertAfter = {1, 0, 2};   // how many near-identity layers follow each shallow hidden layer
        Random r = new Random(5);
        List<Integer> widths = new ArrayList<>();
        Map<Integer, INDArray[]> layers = new LinkedHashMap<>();
        int deepIndex = 0;
        for (int k = 0; k < 3; k++) {
            widths.add(shallow.architecture().hiddenWidths().get(k));
            layers.put(deepIndex, new INDArray[] {shallow.weight(k), shallow.bias(k)});
            deepIndex++;
            int w = shallow.architecture().hiddenWidths().get(k);
            for (int e = 0; e < insertAfter[k]; e++) {
                INDArray eye = Nd4j.eye(w).castTo(DataType.FLOAT);
                INDArray noise = Nd4j.create(new float[w * w], new long[] {w, w}, DataType.FLOAT);
                for (int i = 0; i < w; i++) for (int j = 0; j < w; j++) noise.putScalar(i, j, 0.05f * (float) r.nextGaussian());
                widths.add(w);
                layers.put(deepIndex++, new INDArray[] {eye.add(noise), Nd4j.zeros(DataType.FLOAT, w)});
            }
        }
        layers.put(deepIndex, new INDArray[] {shallow.weight(3), shallow.bias(3)});
        Architecture deepArch = Architecture.mlp(10, widths, 3);
        Map<String, INDArray> params = new LinkedHashMap<>();
        layers.forEach((i, wb) -> {
            params.put(Architecture.weightName(i), wb[0]);
            params.put(Architecture.biasName(i), wb[1]);
        });
        Model deep = new Model(deepArch, params);

        double[][] c = DepthAlignment.similarity(deep, shallow, blobs.test());
        assertEquals(6, c.length);
        assertEquals(3, c[0].length);
        int[] a = DepthAlignment.alignLayers(c);
        // The planted runs are [0, 2), [2, 3), [3, 6). An inserted layer computes nearly what the layer
        // before it does (CKA 0.998 either way here), so SMA may pick either one of a run, but never
        // a layer of another run.
        int[] runStart = {0, 2, 3, 6};
        for (int k = 0; k < 3; k++) {
            assertTrue(a[k] >= runStart[k] && a[k] < runStart[k + 1], "shallow layer " + k + " matched to deep " + a[k]);
        }
        int[] start = DepthAlignment.segment(c);
        assertArrayEquals(new int[] {0, 2, 3}, start, "LMA: each inserted layer joins the run of the layer it follows");
    }

    @Test
    void rejectsMatricesItCannotAlign() {
        assertThrows(IllegalArgumentException.class, () -> DepthAlignment.alignLayers(new double[][] {{1, 2}}));
        assertThrows(IllegalArgumentException.class, () -> DepthAlignment.segment(new double[][] {{Double.NaN}}));
        assertThrows(IllegalArgumentException.class, () -> DepthAlignment.linearCka(Nd4j.ones(3, 2), Nd4j.ones(4, 2)));
    }
}
