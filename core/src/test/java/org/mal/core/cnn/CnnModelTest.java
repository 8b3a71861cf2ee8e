package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The forward pass against a direct, loop-by-loop reference written here from the definitions. */
class CnnModelTest {

    // ---- the reference: one sample at a time, float64, maps as double[c][h][w] ----

    private static double[][][] conv(double[][][] x, double[] w, double[] b, int out, int k, int stride, int pad) {
        int in = x.length, h = x[0].length, wd = x[0][0].length;
        int oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
        double[][][] y = new double[out][oh][ow];
        for (int o = 0; o < out; o++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    double s = b == null ? 0 : b[o];
                    for (int i = 0; i < in; i++) {
                        for (int u = 0; u < k; u++) {
                            for (int v = 0; v < k; v++) {
                                int yy = r * stride - pad + u, xx = c * stride - pad + v;
                                if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
                                s += w[((o * in + i) * k + u) * k + v] * x[i][yy][xx];
                            }
                        }
                    }
                    y[o][r][c] = s;
                }
            }
        }
        return y;
    }

    private static double[][][] pool(double[][][] x, int k, int stride, boolean max) {
        int oh = (x[0].length - k) / stride + 1, ow = (x[0][0].length - k) / stride + 1;
        double[][][] y = new double[x.length][oh][ow];
        for (int ch = 0; ch < x.length; ch++) {
            for (int r = 0; r < oh; r++) {
                for (int c = 0; c < ow; c++) {
                    double m = max ? Double.NEGATIVE_INFINITY : 0;
                    for (int u = 0; u < k; u++) {
                        for (int v = 0; v < k; v++) {
                            double e = x[ch][r * stride + u][c * stride + v];
                            m = max ? Math.max(m, e) : m + e / (k * k);
                        }
                    }
                    y[ch][r][c] = m;
                }
            }
        }
        return y;
    }

    private static void batchNorm(double[][][] maps, Map<String, INDArray> p, String n, double eps) {
        double[] g = d(p.get(n + "weight")), be = d(p.get(n + "bias")), m = d(p.get(n + "running_mean")), v = d(p.get(n + "running_var"));
        for (int ch = 0; ch < maps.length; ch++) {
            for (double[] row : maps[ch]) for (int s = 0; s < row.length; s++) row[s] = (row[s] - m[ch]) / Math.sqrt(v[ch] + eps) * g[ch] + be[ch];
        }
    }

    private static void relu(double[][][] maps) {
        for (double[][] ch : maps) for (double[] row : ch) for (int s = 0; s < row.length; s++) row[s] = Math.max(0, row[s]);
    }

    private static double[] d(INDArray t) { return t.castTo(DataType.DOUBLE).dup('c').data().asDouble(); }

    /** Logits of one image by direct loops over the architecture. */
    static double[] reference(CnnModel model, double[] image) {
        CnnArchitecture arch = model.architecture();
        double[][][] maps = new double[arch.channels()][arch.height()][arch.width()];
        for (int c = 0, k = 0; c < arch.channels(); c++) for (int r = 0; r < arch.height(); r++) for (int s = 0; s < arch.width(); s++) maps[c][r][s] = image[k++];
        double[] rows = null;
        Map<String, INDArray> p = model.params();
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer layer = arch.layers().get(i);
            String n = i + ".";
            if (layer instanceof CnnLayer.Conv2d c) {
                maps = conv(maps, d(p.get(n + "weight")), c.bias() ? d(p.get(n + "bias")) : null, c.outChannels(), c.kernel(), c.stride(), c.padding());
            } else if (layer instanceof CnnLayer.BatchNorm2d b) {
                batchNorm(maps, p, n, b.eps());
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                double[][][] out = conv(maps, d(p.get(n + "conv1.weight")), null, r.outChannels(), 3, r.stride(), 1);
                batchNorm(out, p, n + "bn1.", 1e-5);
                relu(out);
                out = conv(out, d(p.get(n + "conv2.weight")), null, r.outChannels(), 3, 1, 1);
                batchNorm(out, p, n + "bn2.", 1e-5);
                double[][][] shortcut = maps;
                if (r.projection()) {
                    shortcut = conv(maps, d(p.get(n + "downsample.0.weight")), null, r.outChannels(), 1, r.stride(), 0);
                    batchNorm(shortcut, p, n + "downsample.1.", 1e-5);
                }
                for (int ch = 0; ch < out.length; ch++) for (int y = 0; y < out[ch].length; y++) for (int z = 0; z < out[ch][y].length; z++) out[ch][y][z] += shortcut[ch][y][z];
                relu(out);
                maps = out;
            } else if (layer instanceof CnnLayer.Relu) {
                if (rows != null) for (int s = 0; s < rows.length; s++) rows[s] = Math.max(0, rows[s]);
                else for (double[][] ch : maps) for (double[] row : ch) for (int s = 0; s < row.length; s++) row[s] = Math.max(0, row[s]);
            } else if (layer instanceof CnnLayer.MaxPool2d m) {
                maps = pool(maps, m.kernel(), m.stride(), true);
            } else if (layer instanceof CnnLayer.AvgPool2d a) {
                maps = pool(maps, a.kernel(), a.stride(), false);
            } else if (layer instanceof CnnLayer.GlobalAvgPool) {
                maps = pool(maps, maps[0].length, 1, false);
            } else if (layer instanceof CnnLayer.Flatten) {
                rows = new double[maps.length * maps[0].length * maps[0][0].length];
                int k = 0;
                for (double[][] ch : maps) for (double[] row : ch) for (double e : row) rows[k++] = e;
            } else if (layer instanceof CnnLayer.Linear l) {
                double[] w = d(p.get(n + "weight"));
                double[] b = l.bias() ? d(p.get(n + "bias")) : new double[l.outFeatures()];
                double[] y = new double[l.outFeatures()];
                for (int o = 0; o < y.length; o++) {
                    double s = b[o];
                    for (int j = 0; j < l.inFeatures(); j++) s += w[o * l.inFeatures() + j] * rows[j];
                    y[o] = s;
                }
                rows = y;
            }
        }
        return rows;
    }

    private static void assertMatchesReference(CnnModel model, INDArray x, double tolerance) {
        INDArray logits = model.logits(x);
        assertArrayEquals(new long[] {x.size(0), 10}, logits.shape());
        double[] all = d(x);
        for (int r = 0; r < x.size(0); r++) {
            double[] image = java.util.Arrays.copyOfRange(all, r * 784, (r + 1) * 784);
            double[] want = reference(model, image);
            double[] got = d(logits.getRow(r));
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], got[k], tolerance * Math.max(1, Math.abs(want[k])), "row " + r + " logit " + k);
            }
        }
    }

    @Test
    void forwardPassOfEveryLayerTypeMatchesDirectLoopsInDouble() {
        CnnModel model = CnnTestNets.random(CnnTestNets.plain(4, 6, 5, 12), 1, DataType.DOUBLE);
        assertMatchesReference(model, CnnTestNets.images(3, 2, DataType.DOUBLE), 1e-10);
    }

    @Test
    void forwardPassWithGlobalPoolingAndNoBiasMatchesDirectLoopsInFloat() {
        CnnModel model = CnnTestNets.random(CnnTestNets.pooled(5, 7), 3, DataType.FLOAT);
        INDArray x = CnnTestNets.images(4, 4, DataType.FLOAT);
        assertEquals(DataType.FLOAT, model.logits(x).dataType());
        assertMatchesReference(model, x, 1e-4);
    }

    @Test
    void residualBlocksWithIdentityAndProjectionShortcutsMatchDirectLoops() {
        CnnModel model = CnnTestNets.random(CnnTestNets.resnet(), 8, DataType.DOUBLE);
        assertMatchesReference(model, CnnTestNets.images(2, 9, DataType.DOUBLE), 1e-10);
        CnnArchitecture arch = model.architecture();
        assertArrayEquals(new long[] {8, 14, 14}, arch.shapeAfter(4));
        assertEquals(List.of("3.conv1.weight", "3.bn1.weight", "3.bn1.bias", "3.bn1.running_mean", "3.bn1.running_var", "3.bn1.num_batches_tracked",
                "3.conv2.weight", "3.bn2.weight", "3.bn2.bias", "3.bn2.running_mean", "3.bn2.running_var", "3.bn2.num_batches_tracked"),
                arch.params().stream().map(CnnArchitecture.Param::name).filter(x -> x.startsWith("3.")).toList());
        assertTrue(arch.params().stream().anyMatch(x -> x.name().equals("4.downsample.0.weight") && java.util.Arrays.equals(x.shape(), new long[] {8, 6, 1, 1})));
        assertTrue(arch.params().stream().noneMatch(x -> x.name().startsWith("5.downsample")));
    }

    @Test
    void acceptsNchwBatchesAndFlatRowsAlike() {
        CnnModel model = CnnTestNets.random(CnnTestNets.pooled(3, 4), 5, DataType.DOUBLE);
        INDArray flat = CnnTestNets.images(2, 6, DataType.DOUBLE);
        assertEquals(0.0, CnnTestNets.maxAbsDiff(model.logits(flat), model.logits(flat.reshape('c', 2, 1, 28, 28))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.logits(Nd4j.zeros(DataType.DOUBLE, 2, 783)));
        assertTrue(e.getMessage().contains("[batch, 1, 28, 28]"), e.getMessage());
    }

    @Test
    void architectureFollowsShapesAndNamesTensorsAsNnSequential() {
        CnnArchitecture arch = CnnTestNets.plain(4, 6, 5, 12);
        assertArrayEquals(new long[] {4, 28, 28}, arch.shapeAfter(0));
        assertArrayEquals(new long[] {4, 14, 14}, arch.shapeAfter(3));
        assertArrayEquals(new long[] {6, 7, 7}, arch.shapeAfter(4));
        assertArrayEquals(new long[] {6, 3, 3}, arch.shapeAfter(7));
        assertArrayEquals(new long[] {45}, arch.shapeAfter(10));
        assertEquals(10, arch.outputSize());
        assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
                "4.weight", "5.weight", "5.bias", "5.running_mean", "5.running_var", "5.num_batches_tracked", "8.weight", "8.bias",
                "11.weight", "11.bias", "13.weight", "13.bias"), arch.params().stream().map(CnnArchitecture.Param::name).toList());
    }

    @Test
    void networksThatDoNotFitAreRejectedNamingTheModule() {
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class, () -> new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 1, 1, true), new CnnLayer.Conv2d(3, 4, 3, 1, 1, true), new CnnLayer.Flatten(),
                new CnnLayer.Linear(4 * 28 * 28, 10, true))));
        assertEquals("module 1: Conv2d(3, 4, kernel_size=3, stride=1, padding=1) expects 3 channels but receives 4", channels.getMessage());
        IllegalArgumentException flatten = assertThrows(IllegalArgumentException.class, () -> new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 1, 1, true), new CnnLayer.Linear(4, 10, true))));
        assertTrue(flatten.getMessage().startsWith("module 1: Linear(in_features=4, out_features=10) needs rows but receives maps [4, 28, 28]"), flatten.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> new CnnArchitecture(1, 4, 4, List.of(
                new CnnLayer.MaxPool2d(5, 1), new CnnLayer.Flatten(), new CnnLayer.Linear(1, 10, true))));
        assertTrue(small.getMessage().contains("smaller than the kernel 5"), small.getMessage());
        IllegalArgumentException maps = assertThrows(IllegalArgumentException.class, () -> new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 1, 1, true))));
        assertTrue(maps.getMessage().contains("must end in rows"), maps.getMessage());
    }

    @Test
    void tensorsThatDoNotFitAreRejected() {
        CnnArchitecture arch = CnnTestNets.pooled(3, 4);
        Map<String, INDArray> params = new LinkedHashMap<>(CnnTestNets.random(arch, 1, DataType.FLOAT).params());
        params.put("0.weight", Nd4j.zeros(DataType.FLOAT, 3, 1, 5, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CnnModel(arch, params));
        assertEquals("tensor 0.weight has shape [3, 1, 5, 5], the CNN needs [3, 1, 3, 3]", e.getMessage());
        params.put("0.weight", Nd4j.zeros(DataType.FLOAT, 3, 1, 3, 3));
        params.put("1.num_batches_tracked", Nd4j.scalar(DataType.FLOAT, 0f));
        e = assertThrows(IllegalArgumentException.class, () -> new CnnModel(arch, params));
        assertEquals("tensor 1.num_batches_tracked has type FLOAT; it must be INT64", e.getMessage());
    }
}
