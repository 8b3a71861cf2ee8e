package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.UnitMatch;
import org.mal.core.merge.Repair;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class CnnRepairTest {

    /** conv-ReLU-maxpool ×2, conv-ReLU, global pooling, linear: cnn-pair's net without batch norms. */
    static CnnArchitecture noBatchNorm(int c1, int c2, int c3) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c1, 3, 1, 1, true), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c1, c2, 3, 1, 1, true), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c2, c3, 3, 1, 1, true), new CnnLayer.Relu(), new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(),
                new CnnLayer.Linear(c3, 10, true)));
    }

    /** An MLP {@code in → h1 → h2 → out} as a CNN of 1×1 convolutions over {@code in}-channel 1×1 images. */
    static CnnArchitecture oneByOne(int in, int h1, int h2, int out) {
        return new CnnArchitecture(in, 1, 1, List.of(
                new CnnLayer.Conv2d(in, h1, 1, 1, 0, true), new CnnLayer.Relu(),
                new CnnLayer.Conv2d(h1, h2, 1, 1, 0, true), new CnnLayer.Relu(),
                new CnnLayer.Flatten(), new CnnLayer.Linear(h2, out, true)));
    }

    /** The MLP a {@link #oneByOne} CNN computes, with its tensors (float64). */
    static Model asMlp(CnnModel m) {
        List<CnnLayer> l = m.architecture().layers();
        CnnLayer.Conv2d c0 = (CnnLayer.Conv2d) l.get(0);
        CnnLayer.Conv2d c2 = (CnnLayer.Conv2d) l.get(2);
        CnnLayer.Linear out = (CnnLayer.Linear) l.get(5);
        Architecture arch = Architecture.mlp(c0.inChannels(), List.of(c0.outChannels(), c2.outChannels()), out.outFeatures());
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put(Architecture.weightName(0), m.params().get("0.weight").reshape(c0.outChannels(), c0.inChannels()).castTo(DataType.DOUBLE));
        p.put(Architecture.biasName(0), m.params().get("0.bias").castTo(DataType.DOUBLE));
        p.put(Architecture.weightName(1), m.params().get("2.weight").reshape(c2.outChannels(), c2.inChannels()).castTo(DataType.DOUBLE));
        p.put(Architecture.biasName(1), m.params().get("2.bias").castTo(DataType.DOUBLE));
        p.put(Architecture.weightName(2), m.params().get("5.weight").castTo(DataType.DOUBLE));
        p.put(Architecture.biasName(2), m.params().get("5.bias").castTo(DataType.DOUBLE));
        return new Model(arch, p);
    }

    /** The MLP alignment of a {@link #oneByOne} CNN alignment: groups 0 and 1 are P_0 and P_2, input and output fixed. */
    static Alignment asMlp(CnnAlignment a, int in, int out) {
        List<UnitMatch> matches = new ArrayList<>();
        matches.add(new UnitMatch(-1, -1, identity(in)));
        matches.add(new UnitMatch(0, 0, a.match("P_0")));
        matches.add(new UnitMatch(1, 1, a.match("P_2")));
        matches.add(new UnitMatch(2, 2, identity(out)));
        return new Alignment("weight", LayerMap.identity(3).toString(), matches, 0, 0, 0, 0);
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    static INDArray rows(int n, int features, long seed) {
        java.util.Random random = new java.util.Random(seed);
        double[] v = new double[n * features];
        for (int i = 0; i < v.length; i++) v[i] = random.nextGaussian();
        return org.nd4j.linalg.factory.Nd4j.create(v, new long[] {n, features}, DataType.DOUBLE);
    }

    @Test
    void equalsMalsMlpRepairOnACnnOfOneByOneConvolutions() {
        // widths differ both ways: the base pads group 0 (9 vs 7) and drops target units of group 1 (5 vs 8)
        CnnModel base = CnnTestNets.random(oneByOne(12, 9, 5, 4), 1, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(oneByOne(12, 7, 8, 4), 2, DataType.DOUBLE);
        CnnAlignment a = CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
        INDArray x = rows(200, 12, 3);
        DoubleFunction<CnnModel> cnn = CnnRepair.curve(base, target, a, CnnRepair.Correction.REPAIR, x, 64);
        Model mlpBase = asMlp(base);
        Alignment mlpAlignment = asMlp(a, 12, 4);
        Model aligned = asMlp(CnnTransplant.aligned(base, target, a));
        DoubleFunction<Model> mlp = Repair.measured(mlpBase, asMlp(target), mlpAlignment, aligned.params(), x);
        for (double lambda : new double[] {0.25, 0.5, 0.75, 1}) {
            Model want = mlp.apply(lambda);
            Model got = asMlp(cnn.apply(lambda));
            double plainDiff = 0;
            Model plain = asMlp(CnnMerge.convex(base, CnnTransplant.aligned(base, target, a), lambda));
            for (String name : want.params().keySet()) {
                double diff = CnnTestNets.maxAbsDiff(want.params().get(name), got.params().get(name));
                assertTrue(diff <= 1e-10, "λ " + lambda + " " + name + ": " + diff);
                plainDiff = Math.max(plainDiff, CnnTestNets.maxAbsDiff(want.params().get(name), plain.params().get(name)));
            }
            assertTrue(plainDiff > 1e-2, "REPAIR changed nothing at λ " + lambda);
        }
        assertSame(base, cnn.apply(0));
    }

    @Test
    void afterRepairEveryPointHasItsInterpolatedStatistics() {
        CnnModel base = CnnTestNets.random(noBatchNorm(6, 8, 7), 11, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(noBatchNorm(5, 10, 7), 12, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(24, 13, DataType.DOUBLE);
        CnnAlignment a = CnnActivationMatching.align(base, target, x, 10);
        assertEquals(List.of(0, 3, 6), CnnRepair.points(base.architecture()));
        double lambda = 0.4;
        CnnModel repaired = CnnRepair.curve(base, target, a, CnnRepair.Correction.REPAIR, x, 10).apply(lambda);
        CnnModel plain = CnnRepair.curve(base, target, a, CnnRepair.Correction.NONE, x, 10).apply(lambda);
        double before = 0;
        for (int i : CnnRepair.points(base.architecture())) {
            CnnRepair.ChannelStats want = CnnRepair.targets(CnnRepair.stats(base, i, x, 10), CnnRepair.stats(target, i, x, 10), a.match("P_" + i), lambda);
            CnnRepair.ChannelStats got = CnnRepair.stats(repaired, i, x, 7);      // other batches: the same statistics
            CnnRepair.ChannelStats merged = CnnRepair.stats(plain, i, x, 10);
            // σ_m, what the fold at i measured: the repaired net with layer i as merged (later folds do not reach it)
            Map<String, INDArray> unfolded = new LinkedHashMap<>(repaired.params());
            unfolded.put(i + ".weight", plain.params().get(i + ".weight"));
            unfolded.put(i + ".bias", plain.params().get(i + ".bias"));
            CnnRepair.ChannelStats measured = CnnRepair.stats(new CnnModel(base.architecture(), unfolded), i, x, 10);
            for (int c = 0; c < want.mean().length; c++) {
                assertEquals(want.mean()[c], got.mean()[c], 1e-9, "point " + i + " channel " + c + " mean");
                // s·σ_m = std*·σ_m/√(σ_m² + ε): std* up to the ε of the fold
                double sm = measured.std()[c];
                assertEquals(want.std()[c] * sm / Math.sqrt(sm * sm + Repair.EPSILON), got.std()[c], 1e-10, "point " + i + " channel " + c + " std");
                before = Math.max(before, Math.abs(merged.std()[c] - want.std()[c]));
            }
        }
        assertTrue(before > 1e-2, "the unrepaired merge already had the target statistics: " + before);
    }

    @Test
    void statisticsArePerChannelOverRowsAndPositionsAsADirectLoop() {
        CnnModel m = CnnTestNets.random(noBatchNorm(3, 4, 5), 21, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(5, 22, DataType.DOUBLE);
        CnnRepair.ChannelStats s = CnnRepair.stats(m, 3, x, 2);
        INDArray z = x.reshape(5, 1, 28, 28);
        for (int k = 0; k <= 3; k++) z = m.layerOutput(k, z);           // [5, 4, 14, 14]
        for (int c = 0; c < 4; c++) {
            double sum = 0;
            double sumSq = 0;
            int n = 0;
            for (int r = 0; r < 5; r++) for (int y = 0; y < 14; y++) for (int w = 0; w < 14; w++) {
                double v = z.getDouble(r, c, y, w);
                sum += v;
                n++;
            }
            double mean = sum / n;
            for (int r = 0; r < 5; r++) for (int y = 0; y < 14; y++) for (int w = 0; w < 14; w++) {
                double d = z.getDouble(r, c, y, w) - mean;
                sumSq += d * d;
            }
            assertEquals(mean, s.mean()[c], 1e-12);
            assertEquals(Math.sqrt(sumSq / n), s.std()[c], 1e-10);
        }
    }

    /**
     * Invariant 8: the corrected merge of a model with a permuted copy of itself is the model at
     * every λ. Exact (1e-10) for the batch-norm reset when the model's statistics were measured on
     * the same rows; up to the fold's ε where layers are REPAIRed ({@code s = σ/√(σ² + ε)}).
     */
    @Test
    void theCorrectedMergeOfAModelWithAPermutedCopyOfItselfIsTheModel() {
        INDArray x = CnnChannelMatchingTest.spread(32, 31);
        record Case(CnnModel model, CnnRepair.Correction correction, double tolerance) {}
        CnnModel withBn = BatchNormStatistics.reset(CnnTestNets.random(CnnTestNets.plain(6, 7, 5, 8), 32, DataType.DOUBLE), x, 8);
        CnnModel resnet = BatchNormStatistics.reset(CnnTestNets.random(CnnTestNets.resnet(4, 6), 33, DataType.DOUBLE), x, 8);
        for (Case c : List.of(new Case(withBn, CnnRepair.Correction.BN_RESET, 1e-10), new Case(resnet, CnnRepair.Correction.BN_RESET, 1e-10),
                new Case(resnet, CnnRepair.Correction.REPAIR, 1e-10),           // every conv of a ResNet has a batch norm: REPAIR is the reset
                new Case(withBn, CnnRepair.Correction.REPAIR, 1e-3),            // plus the conv 8 and the hidden linear
                new Case(CnnTestNets.random(noBatchNorm(6, 8, 7), 34, DataType.DOUBLE), CnnRepair.Correction.REPAIR, 1e-3))) {
            CnnModel base = c.model();
            CnnModel target = CnnChannelMatchingTest.permuted(base, 35);
            CnnAlignment a = CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
            DoubleFunction<CnnModel> curve = CnnRepair.curve(base, target, a, c.correction(), x, 8);
            INDArray want = base.logits(x);
            double scale = want.amaxNumber().doubleValue();
            for (double lambda : CnnChannelMatchingTest.LAMBDAS) {
                double diff = CnnTestNets.maxAbsDiff(want, curve.apply(lambda).logits(x));
                assertTrue(diff <= c.tolerance() * scale, base.architecture().describe() + " " + c.correction() + " λ " + lambda + ": " + diff);
            }
            assertSame(base, curve.apply(0));
        }
        // not vacuous: the same correction after the naive (unaligned) merge is another function
        CnnModel base = CnnTestNets.random(noBatchNorm(6, 8, 7), 34, DataType.DOUBLE);
        CnnModel target = CnnChannelMatchingTest.permuted(base, 35);
        CnnModel naive = CnnRepair.curve(base, target, CnnChannelMatching.naive(base, target), CnnRepair.Correction.REPAIR, x, 8).apply(0.5);
        assertTrue(CnnTestNets.maxAbsDiff(base.logits(x), naive.logits(x)) > 1e-2);
    }

    @Test
    void aPlantedWiderTargetMergesToTheBasesFunctionWithRepair() {
        INDArray x = CnnChannelMatchingTest.spread(32, 41);
        CnnModel base = BatchNormStatistics.reset(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 42, DataType.DOUBLE), x, 8);
        CnnModel target = CnnChannelMatchingTest.permuted(CnnTestNets.withDeadChannels(base, CnnTestNets.plain(9, 11, 7, 10), 43), 44);
        CnnAlignment a = CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
        DoubleFunction<CnnModel> curve = CnnRepair.curve(base, target, a, CnnRepair.Correction.REPAIR, x, 8);
        INDArray want = base.logits(x);
        for (double lambda : CnnChannelMatchingTest.LAMBDAS) {
            double diff = CnnTestNets.maxAbsDiff(want, curve.apply(lambda).logits(x));
            assertTrue(diff <= 1e-3 * want.amaxNumber().doubleValue(), "λ " + lambda + ": " + diff);
        }
    }

    @Test
    void correctionsAreNamedAndABatchNormResetNeedsBatchNorms() {
        assertEquals(CnnRepair.Correction.BN_RESET, CnnRepair.Correction.parse("bn-reset"));
        assertEquals(CnnRepair.Correction.REPAIR, CnnRepair.Correction.parse("REPAIR"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CnnRepair.Correction.parse("reset"));
        assertEquals("unknown correction reset; use none, bn-reset or repair", e.getMessage());
        CnnModel m = CnnTestNets.random(noBatchNorm(3, 4, 5), 1, DataType.DOUBLE);
        e = assertThrows(IllegalArgumentException.class, () -> CnnRepair.curve(m, m, CnnChannelMatching.naive(m, m), CnnRepair.Correction.BN_RESET,
                CnnTestNets.images(4, 1, DataType.DOUBLE), 2));
        assertTrue(e.getMessage().startsWith("bn-reset: the base has no batch norms (Sequential(input 1x28x28: (0) Conv2d(1, 3,"), e.getMessage());
        assertTrue(e.getMessage().endsWith("); use repair"), e.getMessage());
    }
}
