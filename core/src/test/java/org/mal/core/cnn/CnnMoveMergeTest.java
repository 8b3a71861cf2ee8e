package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.zoo.CnnZooArchitectures;
import org.mal.core.zoo.ZooSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Issue 21: the merges a search move makes between two CNNs ({@link CnnMoveMerge}). */
class CnnMoveMergeTest {
    static final CnnMoveMerge.Method WEIGHT = new CnnMoveMerge.Method(CnnMoveMerge.Matching.WEIGHT, 100, CnnRepair.Correction.NONE, 1, 0);

    static CnnArchitecture zoo(ZooSpec.Network n, Integer... widths) { return CnnZooArchitectures.of(n, List.of(widths), 1, 28, 28, 10); }

    /** Images and labels as a dataset of flat rows (labels: the base's own predictions, so accuracy is checkable). */
    static Dataset rows(CnnModel labeller, int n, long seed) {
        INDArray x = CnnTestNets.images(n, seed, DataType.FLOAT);
        int[] labels = labeller.logits(x).argMax(1).toIntVector();
        return new Dataset("rows" + seed, 784, 10, x.data().asFloat(), labels);
    }

    @Test
    void searchLayersAreTheConvsResidualBlocksAndLinearLayersInModuleOrder() {
        // plain depth 3: conv-BN-ReLU-pool, conv-BN-ReLU-pool, conv-BN-ReLU, GAP, flatten, linear
        assertEquals(List.of(0, 4, 8, 13), CnnMoveMerge.layers(zoo(ZooSpec.Network.CNN, 8, 16, 16)));
        // resnet depth 3: stem conv-BN-ReLU-pool, block, pool, block, GAP, flatten, linear
        assertEquals(List.of(0, 4, 6, 9), CnnMoveMerge.layers(zoo(ZooSpec.Network.RESNET, 8, 16, 16)));
    }

    @Test
    void aPermutedCopyMergedWholeGivesTheBasesFunctionAtEveryLambdaAndTheNaiveMergeDoesNot() {
        CnnArchitecture arch = CnnTestNets.resnet(4, 6);
        CnnModel base = CnnTestNets.random(arch, 1, DataType.DOUBLE);
        CnnModel target = base.permuted(CnnTestNets.randomPerms(arch, 2));
        LayerMap whole = LayerMap.identity(CnnMoveMerge.layers(arch).size());
        assertTrue(CnnMoveMerge.isWhole(arch, arch, whole));
        CnnMoveMerge.Merges m = CnnMoveMerge.prepare(base, target, whole, WEIGHT, null);
        assertEquals("weight/whole", m.described());
        INDArray x = CnnTestNets.images(6, 3, DataType.DOUBLE);
        INDArray want = base.logits(x);
        for (double l : new double[] {0.25, 0.5, 1.0}) {
            assertTrue(CnnTestNets.maxAbsDiff(want, m.aligned().apply(l).logits(x)) < 1e-10, "aligned merge at λ = " + l);
        }
        assertTrue(CnnTestNets.maxAbsDiff(want, m.naive().apply(0.5).logits(x)) > 1e-3, "the naive midpoint is another function");
    }

    @Test
    void aWholeMoveZipsWithItsSettingsAndAPartialMapRefusesZipByName() {
        CnnArchitecture arch = CnnTestNets.resnet(4, 6);
        CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(arch, 1, DataType.DOUBLE));
        CnnModel target = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(5, 7), 2, DataType.DOUBLE));
        Dataset training = rows(base, 40, 5);
        org.mal.core.align.Zip.Settings s = new org.mal.core.align.Zip.Settings(0.7, 0.25);
        CnnMoveMerge.Method zip = new CnnMoveMerge.Method(CnnMoveMerge.Matching.ZIP, 100, CnnRepair.Correction.NONE, 40, 0, s);
        assertTrue(zip.needsRows());
        LayerMap whole = LayerMap.identity(CnnMoveMerge.layers(arch).size());
        CnnMoveMerge.Merges m = CnnMoveMerge.prepare(base, target, whole, zip, training);
        assertEquals("zip/whole", m.described());
        CnnAlignment want = CnnZip.align(base, target, training.features(0, training.size()), CnnMoveMerge.BATCH, s);
        want.zipGroups().forEach((g, z) -> assertTrue(java.util.Arrays.deepEquals(z, m.alignment().zip(g)), g));
        CnnModel at = m.aligned().apply(0.5);
        CnnModel direct = CnnMerge.convex(base, CnnTransplant.aligned(base, target, want), 0.5);
        direct.params().forEach((name, t) -> assertTrue(CnnTestNets.maxAbsDiff(t, at.params().get(name)) == 0, name));
        assertSame(base, m.aligned().apply(0));
        var e = assertThrows(IllegalArgumentException.class, () -> CnnMoveMerge.prepare(base, target, new LayerMap(List.of(new LayerMap.Pair(0, 0))), zip, training));
        assertTrue(e.getMessage().startsWith("zip of a partial CNN layer map is not built"), e.getMessage());
    }

    @Test
    void lambdaZeroIsTheBaseItselfWhateverTheMapAndCorrection() {
        CnnModel base = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 4, 8, 8), 1, DataType.FLOAT);
        CnnModel target = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 8, 4, 8), 2, DataType.FLOAT);
        Dataset training = rows(base, 40, 5);
        for (CnnRepair.Correction c : CnnRepair.Correction.values()) {
            CnnMoveMerge.Method method = new CnnMoveMerge.Method(CnnMoveMerge.Matching.WEIGHT, 100, c, 40, 0);
            for (String map : new String[] {"0:0,1:1,2:2,3:3", "1:2", "0:0,2:1"}) {
                CnnMoveMerge.Merges m = CnnMoveMerge.prepare(base, target, LayerMap.parse(map), method, training);
                assertSame(base, m.aligned().apply(0), c + " " + map);
                assertSame(base, m.naive().apply(0), c + " " + map);
            }
        }
    }

    @Test
    void aPartialMapMergesTheMappedConvAndItsBatchNormOnly() {
        CnnModel base = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 4, 8, 8), 1, DataType.FLOAT);
        CnnModel target = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 8, 16, 4), 2, DataType.FLOAT);
        LayerMap map = LayerMap.parse("2:1");   // the base's third conv (module 8) receives the target's second (module 4), 16 -> 8 channels
        assertFalse(CnnMoveMerge.isWhole(base.architecture(), target.architecture(), map));
        CnnModel merged = CnnMoveMerge.prepare(base, target, map, WEIGHT, null).aligned().apply(0.5);
        java.util.Set<String> mapped = java.util.Set.of("8.weight", "9.weight", "9.bias", "9.running_mean", "9.running_var");
        for (var e : base.params().entrySet()) {
            if (mapped.contains(e.getKey())) assertTrue(CnnTestNets.maxAbsDiff(e.getValue(), merged.params().get(e.getKey())) > 0, e.getKey());
            else assertSame(e.getValue(), merged.params().get(e.getKey()), e.getKey());
        }
    }

    @Test
    void mapsThatCannotBeMergedAreRefusedNamingThePairAndWhy() {
        CnnArchitecture plain = zoo(ZooSpec.Network.CNN, 4, 8, 8);
        CnnArchitecture resnet = zoo(ZooSpec.Network.RESNET, 4, 8, 8);
        CnnArchitecture resnetOther = zoo(ZooSpec.Network.RESNET, 8, 8, 4);   // identity then projection: another structure
        assertTrue(CnnMoveMerge.isWhole(resnet, zoo(ZooSpec.Network.RESNET, 8, 16, 16), LayerMap.identity(4)), "channel counts may differ");
        assertFalse(CnnMoveMerge.isWhole(resnet, resnetOther, LayerMap.identity(4)), "the shortcuts differ");
        assertFalse(CnnMoveMerge.mergeable(resnet, resnetOther, LayerMap.identity(4)));
        var e = assertThrows(IllegalArgumentException.class, () -> CnnMoveMerge.modulePairs(resnet, resnetOther, LayerMap.parse("1:1")));
        assertTrue(e.getMessage().contains("pair 1:1") && e.getMessage().contains("plain convs only"), e.getMessage());
        assertTrue(CnnMoveMerge.mergeable(resnet, plain, LayerMap.parse("0:0")), "both stems read the image");
        e = assertThrows(IllegalArgumentException.class, () -> CnnMoveMerge.modulePairs(resnet, plain, LayerMap.parse("0:1")));
        assertTrue(e.getMessage().contains("reads the image"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CnnMoveMerge.modulePairs(plain, plain, LayerMap.parse("4:0")));
        assertTrue(e.getMessage().contains("search layers 0..3"), e.getMessage());
        assertFalse(CnnMoveMerge.mergeable(plain, plain, LayerMap.parse("3:3")), "the head alone is not a conv");
    }

    @Test
    void rowsAgreeWithTheEvaluationAndGiveEachRowsCorrectness() {
        CnnModel m = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 4, 8, 8), 1, DataType.FLOAT);
        CnnModel other = CnnTestNets.random(zoo(ZooSpec.Network.CNN, 4, 8, 8), 2, DataType.FLOAT);
        Dataset d = rows(m, 30, 9);
        var r = CnnMoveMerge.rows(other, d);
        var e = CnnEvaluation.evaluate(other, d);
        assertEquals(e.loss(), r.metrics().loss(), 1e-12);
        assertEquals(e.accuracy(), r.metrics().accuracy(), 1e-12);
        int[] predicted = other.logits(d.features(0, d.size())).argMax(1).toIntVector();
        for (int i = 0; i < d.size(); i++) assertEquals(predicted[i] == d.label(i), r.correct()[i], "row " + i);
        assertTrue(CnnMoveMerge.rows(m, d).metrics().accuracy() == 1.0, "the labeller gets its own labels right");
    }
}
