package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.align.ActivationMatching;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class CnnActivationMatchingTest {

    @Test
    void correlationsOverRowsAndPositionsEqualADirectPearsonLoop() {
        CnnModel a = CnnTestNets.random(CnnRepairTest.noBatchNorm(3, 4, 5), 1, DataType.DOUBLE);
        CnnModel b = CnnTestNets.random(CnnRepairTest.noBatchNorm(4, 3, 5), 2, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(7, 3, DataType.DOUBLE);
        // batches of 3, 3, 1 rows: the moments must add up across batches
        Map<String, CnnActivationMatching.Correlation> corr = CnnActivationMatching.correlations(a, b, x, 3);
        assertEquals(List.of("P_0#1", "P_3#1", "P_6#1"), List.copyOf(corr.keySet()));
        // P_3 is read at the input of conv 6: after ReLU and max pooling, [7, c, 7, 7]
        INDArray ha = x.reshape(7, 1, 28, 28);
        INDArray hb = ha;
        for (int k = 0; k < 6; k++) {
            ha = a.layerOutput(k, ha);
            hb = b.layerOutput(k, hb);
        }
        double[] got = corr.get("P_3#1").matrix();
        for (int p = 0; p < 4; p++) {
            for (int q = 0; q < 3; q++) {
                double[] u = new double[7 * 49];
                double[] v = new double[7 * 49];
                int n = 0;
                for (int r = 0; r < 7; r++) for (int y = 0; y < 7; y++) for (int w = 0; w < 7; w++) {
                    u[n] = ha.getDouble(r, p, y, w);
                    v[n++] = hb.getDouble(r, q, y, w);
                }
                assertEquals(pearson(u, v), got[p * 3 + q], 1e-10, "channel " + p + " with " + q);
            }
        }
    }

    private static double pearson(double[] u, double[] v) {
        double mu = 0;
        double mv = 0;
        for (int i = 0; i < u.length; i++) {
            mu += u[i] / u.length;
            mv += v[i] / v.length;
        }
        double c = 0;
        double su = 0;
        double sv = 0;
        for (int i = 0; i < u.length; i++) {
            c += (u[i] - mu) * (v[i] - mv);
            su += (u[i] - mu) * (u[i] - mu);
            sv += (v[i] - mv) * (v[i] - mv);
        }
        return su == 0 || sv == 0 ? 0 : c / Math.sqrt(su * sv);      // a constant (dead) channel correlates 0
    }

    @Test
    void samplesAfterAFlattenAreTheChannelsPositions() {
        // [2 rows, 3 channels x 4 positions] -> [8 samples, 3 channels]: sample r*4 + j, channel c = x[r, c*4 + j]
        INDArray rows = org.nd4j.linalg.factory.Nd4j.arange(24).castTo(DataType.DOUBLE).reshape(2, 12);
        INDArray s = CnnActivationMatching.samples(rows, 4);
        for (int r = 0; r < 2; r++) for (int j = 0; j < 4; j++) for (int c = 0; c < 3; c++) {
            assertEquals(rows.getDouble(r, c * 4 + j), s.getDouble(r * 4 + j, c), 0.0);
        }
        INDArray maps = org.nd4j.linalg.factory.Nd4j.arange(2 * 3 * 2 * 2).castTo(DataType.DOUBLE).reshape(2, 3, 2, 2);
        INDArray m = CnnActivationMatching.samples(maps, 1);
        for (int r = 0; r < 2; r++) for (int y = 0; y < 2; y++) for (int w = 0; w < 2; w++) for (int c = 0; c < 3; c++) {
            assertEquals(maps.getDouble(r, c, y, w), m.getDouble((r * 2 + y) * 2 + w, c), 0.0);
        }
    }

    @Test
    void equalsMalsMlpActivationMatchingOnACnnOfOneByOneConvolutions() {
        CnnModel base = CnnTestNets.random(CnnRepairTest.oneByOne(10, 9, 5, 4), 4, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(CnnRepairTest.oneByOne(10, 7, 8, 4), 5, DataType.DOUBLE);
        INDArray x = CnnRepairTest.rows(300, 10, 6).castTo(DataType.FLOAT).castTo(DataType.DOUBLE);   // the MLP reads float32 features
        CnnAlignment got = CnnActivationMatching.align(base, target, x, 64);
        float[] features = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        Dataset data = new Dataset("gaussian", 10, 4, features, new int[300]);
        Alignment want = ActivationMatching.align(CnnRepairTest.asMlp(base), CnnRepairTest.asMlp(target), LayerMap.identity(3), data);
        assertArrayEquals(want.match(0, 0).orElseThrow().targetForBase(), got.match("P_0"));
        assertArrayEquals(want.match(1, 1).orElseThrow().targetForBase(), got.match("P_2"));
        // rectangular both ways: two base units padded in group 0, three target units dropped in group 1
        assertEquals(2, java.util.Arrays.stream(got.match("P_0")).filter(v -> v < 0).count());
        assertTrue(java.util.Arrays.stream(got.match("P_2")).allMatch(v -> v >= 0));
        assertTrue(got.objectiveAfter() != got.objectiveBefore());
    }

    @Test
    void alignersByNameGiveTheirAlgorithmsResults() {
        CnnModel base = CnnTestNets.random(CnnRepairTest.noBatchNorm(3, 4, 5), 7, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(CnnRepairTest.noBatchNorm(4, 4, 6), 8, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(6, 9, DataType.DOUBLE);
        CnnAlignment n = CnnAligner.of("naive").align(base, target, x);
        CnnChannelMatching.naive(base, target).targetForBase().forEach((g, m) -> assertArrayEquals(m, n.match(g), g));
        CnnAlignment w = CnnAligner.of("weight").align(base, target, x);
        CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT).targetForBase().forEach((g, m) -> assertArrayEquals(m, w.match(g), g));
        CnnAlignment a = CnnAligner.of("activation").align(base, target, x);
        CnnActivationMatching.align(base, target, x, 3).targetForBase().forEach((g, m) -> assertArrayEquals(m, a.match(g), g));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> CnnAligner.of("np"));
        assertEquals("unknown CNN aligner np; use one of [naive, weight, activation, zip]", e.getMessage());
    }
}
