package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CnnPairingTest {
    private static final double[] LAMBDAS = CnnChannelMatchingTest.LAMBDAS;

    private static List<CnnLayerMap.Pair> pairs(String... s) {
        return java.util.Arrays.stream(s).map(CnnLayerMap.Pair::parse).toList();
    }

    /**
     * Weight matching's merge of {@code target} into {@code base} under {@code pairing} computes the base's function at every λ
     * (float64, 1e-10), with and without the batch-norm reset (the reset measures statistics that the planted nets' batch norms
     * do not use for it: see below); λ = 0 is the base itself; the naive alignment's midpoint is another function.
     */
    private static void checkPlanted(CnnModel base, CnnModel target, CnnPairing pairing, String what) {
        INDArray x = CnnChannelMatchingTest.spread(5, 99);
        INDArray want = base.logits(x);
        DoubleFunction<CnnModel> weight = CnnPairing.curve(base, target, pairing, "weight", CnnRepair.Correction.NONE, null, 10);
        for (double lambda : LAMBDAS) {
            CnnModel merged = weight.apply(lambda);
            assertEquals(base.architecture(), merged.architecture(), what);
            double diff = CnnTestNets.maxAbsDiff(want, merged.logits(x));
            assertTrue(diff <= 1e-10, what + " at λ " + lambda + ": logits differ by " + diff);
        }
        assertSame(base, weight.apply(0));
        INDArray images = CnnChannelMatchingTest.spread(20, 5);
        assertSame(base, CnnPairing.curve(base, target, pairing, "weight", CnnRepair.Correction.BN_RESET, images, 10).apply(0), what);
        assertSame(base, CnnPairing.curve(base, target, pairing, "naive", CnnRepair.Correction.NONE, null, 10).apply(0), what);
        CnnModel naive = CnnPairing.curve(base, target, pairing, "naive", CnnRepair.Correction.NONE, null, 10).apply(0.5);
        assertTrue(CnnTestNets.maxAbsDiff(want, naive.logits(x)) > 1e-3, what + ": the naive midpoint is the base's function");
    }

    @Test
    void otherWidthsOfOneStructureAreAWholePairThatMergesToTheBasesFunctionAtEveryLambda() {
        CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.plain(6, 8, 5, 7), 1, DataType.DOUBLE));
        CnnModel wider = CnnChannelMatchingTest.permuted(CnnTestNets.withDeadChannels(base, CnnTestNets.plain(9, 11, 7, 10), 2), 3);
        CnnPairing p = CnnPairing.of(base.architecture(), wider.architecture());
        assertInstanceOf(CnnPairing.Whole.class, p);
        checkPlanted(base, wider, p, "plain, target wider (padding dropped)");
        CnnModel paddedBase = CnnTestNets.withDeadChannels(base, CnnTestNets.plain(9, 11, 7, 10), 4);
        checkPlanted(paddedBase, CnnChannelMatchingTest.permuted(base, 5), CnnPairing.of(paddedBase.architecture(), base.architecture()),
                "plain, target narrower (zero padding)");
        CnnModel rbase = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), 6, DataType.DOUBLE));
        CnnModel rtarget = CnnChannelMatchingTest.permuted(CnnTestNets.withDeadChannels(rbase, CnnTestNets.resnet(7, 8), 7), 8);
        checkPlanted(rbase, rtarget, CnnPairing.of(rbase.architecture(), rtarget.architecture()), "resnet, target wider");
    }

    @Test
    void aDeeperWiderPlainTargetIsMappedByRelativeDepthAndMergesToTheBasesFunctionAtEveryLambda() {
        CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnLayerMapTest.shallow(5, 7), 1, DataType.DOUBLE));
        CnnModel target = CnnLayerMapTest.deeperCopy(base, 11);
        CnnPairing p = CnnPairing.of(base.architecture(), target.architecture());
        assertEquals(new CnnPairing.Layers(pairs("0<-0", "4<-7"), List.of()), p);
        checkPlanted(base, target, p, "plain, target deeper and wider");
    }

    /**
     * A deeper, wider ResNet that holds {@link CnnTestNets#resnet(int, int)}: the base's stem and blocks with one dead channel
     * per stage, plus an extra identity-shortcut block after the first whose branch ends in a batch norm of weight and bias 0
     * (so the block passes its non-negative input through its final ReLU unchanged); every group then permuted.
     */
    static CnnModel deeperResnet(CnnModel base, int a, int b, long seed) {
        CnnModel wide = CnnTestNets.withDeadChannels(base, CnnTestNets.resnet(a + 1, b + 1), seed);
        List<CnnLayer> layers = new ArrayList<>(wide.architecture().layers());
        layers.add(4, new CnnLayer.ResidualBlock(a + 1, a + 1, 1));
        CnnArchitecture deep = new CnnArchitecture(1, 28, 28, layers);
        CnnModel own = CnnTestNets.random(deep, seed + 1, DataType.DOUBLE);
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (CnnArchitecture.Param param : deep.params()) {
            String name = param.name();
            int module = Integer.parseInt(name.substring(0, name.indexOf('.')));
            String rest = name.substring(name.indexOf('.'));
            if (module == 4) p.put(name, own.params().get(name));
            else p.put(name, wide.params().get((module > 4 ? module - 1 : module) + rest));
        }
        p.put("4.bn2.weight", Nd4j.zeros(DataType.DOUBLE, a + 1));
        p.put("4.bn2.bias", Nd4j.zeros(DataType.DOUBLE, a + 1));
        CnnModel target = new CnnModel(deep, p);
        return target.permuted(CnnTestNets.randomPerms(deep, seed + 2));
    }

    @Test
    void aDeeperResNetWithOtherShortcutsIsMappedBlockToBlockAndMergesToTheBasesFunctionAtEveryLambda() {
        for (long seed = 1; seed <= 2; seed++) {
            CnnModel base = CnnChannelMatchingTest.alive(CnnTestNets.random(CnnTestNets.resnet(4, 6), seed, DataType.DOUBLE));
            CnnModel target = deeperResnet(base, 4, 6, 20 + seed);
            // the extra block leaves the function as it is (so the planted case is one)
            INDArray x = CnnChannelMatchingTest.spread(5, 99);
            assertTrue(CnnTestNets.maxAbsDiff(base.logits(x), target.logits(x)) <= 1e-10);
            CnnPairing p = CnnPairing.of(base.architecture(), target.architecture());
            assertEquals(new CnnPairing.Layers(pairs("0<-0", "3<-3", "4<-5", "5<-6"), List.of()), p);
            checkPlanted(base, target, p, "resnet, target deeper and wider, seed " + seed);
            // the block pairs' groups: the identity blocks stay in the stream they read, the projection starts one
            CnnLayerMap.Mapped m = CnnLayerMap.align(base, target, ((CnnPairing.Layers) p).pairs(), CnnChannelMatching.Settings.DEFAULT);
            assertEquals(List.of("P_0<-P_0", "P_3.inner<-P_3.inner", "P_4.inner<-P_5.inner", "P_4<-P_5", "P_5.inner<-P_6.inner"),
                    m.alignment().targetForBase().keySet().stream().sorted().toList());
        }
    }

    @Test
    void plainAgainstResidualMapsTheStemAndListsTheRefusedPairs() {
        CnnArchitecture plain = CnnLayerMapTest.shallow(5, 7);
        CnnArchitecture resnet = CnnTestNets.resnet(4, 6);
        CnnPairing p = CnnPairing.of(resnet, plain);
        CnnPairing.Layers layers = assertInstanceOf(CnnPairing.Layers.class, p);
        assertEquals(pairs("0<-0"), layers.pairs());
        assertEquals(3, layers.skipped().size());
        assertTrue(layers.skipped().get(0).startsWith("pair 3<-"), layers.skipped().toString());
        assertTrue(layers.skipped().get(0).contains("layer maps pair convs with convs and residual blocks with residual blocks"), layers.skipped().toString());
        assertEquals("layer map [0<-0]", p.describe());
    }

    @Test
    void pairsThatCannotBeAlignedSayWhy() {
        CnnArchitecture a = CnnTestNets.plain(6, 8, 5, 7);
        CnnArchitecture tenClasses = CnnTestNets.plain(6, 8, 5, 7);
        List<CnnLayer> fewer = new ArrayList<>(tenClasses.layers());
        CnnLayer.Linear last = (CnnLayer.Linear) fewer.remove(fewer.size() - 1);
        fewer.add(new CnnLayer.Linear(last.inFeatures(), 3, true));
        CnnArchitecture threeClasses = new CnnArchitecture(1, 28, 28, fewer);
        assertEquals(new CnnPairing.Unaligned("the base has 10 outputs, the target 3"), CnnPairing.of(a, threeClasses));
        // one conv each, kernels 3 and 5: nothing to map
        CnnArchitecture k3 = new CnnArchitecture(1, 28, 28, List.of(new CnnLayer.Conv2d(1, 4, 3, 1, 1, true), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(4, 10, true)));
        CnnArchitecture k5 = new CnnArchitecture(1, 28, 28, List.of(new CnnLayer.Conv2d(1, 4, 5, 1, 2, true), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(4, 10, true)));
        CnnPairing.Unaligned u = assertInstanceOf(CnnPairing.Unaligned.class, CnnPairing.of(k3, k5));
        assertTrue(u.reason().startsWith("not one structure (module 0 differs beyond its channel counts"), u.reason());
        assertTrue(u.reason().endsWith("no unit pair can be mapped: pair 0<-0: base Conv2d(1, 4, kernel_size=3, stride=1, padding=1) and target "
                + "Conv2d(1, 4, kernel_size=5, stride=1, padding=2) differ beyond their channel counts"), u.reason());
        CnnModel m3 = CnnTestNets.random(k3, 1, DataType.DOUBLE);
        CnnModel m5 = CnnTestNets.random(k5, 2, DataType.DOUBLE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnPairing.curve(m3, m5, u, "weight", CnnRepair.Correction.NONE, null, 10));
        assertTrue(e.getMessage().startsWith("this pair cannot be merged: not one structure"), e.getMessage());
        CnnModel shallow = CnnTestNets.random(CnnLayerMapTest.shallow(5, 7), 3, DataType.DOUBLE);
        CnnModel deep = CnnTestNets.random(CnnLayerMapTest.deep(5, 7), 4, DataType.DOUBLE);
        e = assertThrows(IllegalArgumentException.class, () -> CnnPairing.curve(shallow, deep, CnnPairing.of(shallow.architecture(), deep.architecture()),
                "weight", CnnRepair.Correction.REPAIR, null, 10));
        assertEquals("repair: a layer-map merge (layer map [0<-0,4<-7]) takes none or bn-reset", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CnnPairing.curve(shallow, deep, new CnnPairing.Whole(), "activation",
                CnnRepair.Correction.NONE, null, 10));
        assertEquals("pairs are aligned by naive, weight or zip, not activation", e.getMessage());
    }

    @Test
    void orderedMapsAreEveryOneToOneMapInDepthOrderWithoutTheRefusedPairs() {
        List<CnnPairing.Layers> maps = CnnPairing.orderedMaps(CnnLayerMapTest.shallow(5, 7), CnnLayerMapTest.deep(6, 8), 10);
        assertEquals(List.of(pairs("0<-0", "4<-4"), pairs("0<-0", "4<-7"), pairs("4<-7")), maps.stream().map(CnnPairing.Layers::pairs).toList());
        assertEquals(1, maps.get(2).skipped().size());
        assertEquals("pair 0<-4: the base's conv reads the image and the target's reads channels", maps.get(2).skipped().get(0));
        // a deeper base than its target: every choice of base units, in order
        assertEquals(3, CnnPairing.orderedMaps(CnnLayerMapTest.deep(6, 8), CnnLayerMapTest.shallow(5, 7), 10).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnPairing.orderedMaps(CnnLayerMapTest.shallow(5, 7), CnnLayerMapTest.deep(6, 8), 2));
        assertTrue(e.getMessage().startsWith("3 layer maps between"), e.getMessage());
    }
}
