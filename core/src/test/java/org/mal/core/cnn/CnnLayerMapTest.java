package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CnnLayerMapTest {

    /** conv 0 → BN → ReLU → maxpool → conv 4 (c1 → c2) → BN → ReLU → global pooling → flatten → linear. */
    static CnnArchitecture shallow(int c1, int c2) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c1, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c1, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c1, c2, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c2, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(c2, 10, true)));
    }

    /** {@link #shallow} with one more conv (4: c1 → c1) → BN → ReLU before the conv 7 (c1 → c2). */
    static CnnArchitecture deep(int c1, int c2) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c1, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c1, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c1, c1, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c1, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.Conv2d(c1, c2, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c2, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(c2, 10, true)));
    }

    /**
     * A deeper, wider target that holds the base: its conv 0 and BN 1 are the base's plus one dead
     * channel, its conv 4 and BN 5 are the identity (a centre tap; mean 0, variance 1 − ε), its conv 7
     * and BN 8 are the base's conv 4 and BN 5 plus one dead channel; its linear is its own. Then every
     * group is randomly permuted.
     */
    static CnnModel deeperCopy(CnnModel base, long seed) {
        CnnArchitecture s = base.architecture();
        int c1 = ((CnnLayer.Conv2d) s.layers().get(0)).outChannels();
        int c2 = ((CnnLayer.Conv2d) s.layers().get(4)).outChannels();
        CnnModel wide = CnnTestNets.withDeadChannels(base, shallow(c1 + 1, c2 + 1), seed);
        CnnModel own = CnnTestNets.random(deep(c1 + 1, c2 + 1), seed + 1, DataType.DOUBLE);
        Map<String, INDArray> p = new LinkedHashMap<>(own.params());
        for (String v : List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked")) {
            p.put("1." + v, wide.params().get("1." + v));
            p.put("8." + v, wide.params().get("5." + v));
        }
        p.put("0.weight", wide.params().get("0.weight"));
        p.put("7.weight", wide.params().get("4.weight"));
        INDArray identity = Nd4j.zeros(DataType.DOUBLE, c1 + 1, c1 + 1, 3, 3);
        for (int c = 0; c <= c1; c++) identity.putScalar(new long[] {c, c, 1, 1}, 1.0);
        p.put("4.weight", identity);
        p.put("5.weight", Nd4j.ones(DataType.DOUBLE, c1 + 1));
        p.put("5.bias", Nd4j.zeros(DataType.DOUBLE, c1 + 1));
        p.put("5.running_mean", Nd4j.zeros(DataType.DOUBLE, c1 + 1));
        p.put("5.running_var", Nd4j.ones(DataType.DOUBLE, c1 + 1).subi(1e-5));
        CnnModel target = new CnnModel(deep(c1 + 1, c2 + 1), p);
        return target.permuted(CnnTestNets.randomPerms(target.architecture(), seed + 2));
    }

    @Test
    void aDeeperWiderTargetsConvsMergedIntoTheBasesGiveTheBasesFunctionAtEveryLambda() {
        for (long seed = 1; seed <= 3; seed++) {
            CnnModel base = CnnTestNets.random(shallow(5, 7), seed, DataType.DOUBLE);
            CnnModel target = deeperCopy(base, 10 + seed);
            INDArray x = CnnTestNets.images(4, seed, DataType.DOUBLE);
            INDArray want = base.logits(x);
            List<CnnLayerMap.Pair> map = List.of(new CnnLayerMap.Pair(0, 0), new CnnLayerMap.Pair(4, 7));
            CnnLayerMap.Mapped m = CnnLayerMap.align(base, target, map, CnnChannelMatching.Settings.DEFAULT);
            assertEquals(List.of("P_0<-P_0", "P_4<-P_7", "P_0<-P_4"), List.copyOf(m.alignment().targetForBase().keySet()));
            for (double lambda : CnnChannelMatchingTest.LAMBDAS) {
                CnnModel merged = CnnLayerMap.merge(base, m, lambda);
                assertEquals(base.architecture(), merged.architecture());
                double diff = CnnTestNets.maxAbsDiff(want, merged.logits(x));
                assertTrue(diff <= 1e-10, "seed " + seed + " λ " + lambda + ": " + diff + "; " + m.alignment());
            }
            assertSame(base, CnnLayerMap.merge(base, m, 0));
            // the naive map (channel p to channel p) merges another function
            CnnModel naive = CnnLayerMap.merge(base, CnnLayerMap.naive(base, target, map), 0.5);
            assertTrue(CnnTestNets.maxAbsDiff(want, naive.logits(x)) > 1e-3);
            // the unmapped linear stays the base's; the mapped tensors move only where the target differs
            assertEquals(base.params().get("9.weight"), CnnLayerMap.merge(base, m, 0.5).params().get("9.weight"));
        }
    }

    @Test
    void pairsAreCheckedNamingWhatDiffers() {
        CnnModel base = CnnTestNets.random(shallow(5, 7), 1, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(deep(6, 8), 2, DataType.DOUBLE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnLayerMap.align(base, target, List.of(new CnnLayerMap.Pair(4, 0)), CnnChannelMatching.Settings.DEFAULT));
        assertEquals("pair 4<-0: the target's conv reads the image and the base's reads channels", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CnnLayerMap.naive(base, target, List.of(new CnnLayerMap.Pair(4, 5))));
        assertEquals("layer maps pair top-level convs and residual blocks; the target's module 5 is BatchNorm2d(6)", e.getMessage());
        CnnModel pooled = CnnTestNets.random(CnnTestNets.pooled(4, 5), 3, DataType.DOUBLE);
        e = assertThrows(IllegalArgumentException.class, () -> CnnLayerMap.naive(base, pooled, List.of(new CnnLayerMap.Pair(0, 0))));
        assertEquals("pair 0<-0: base Conv2d(1, 5, kernel_size=3, stride=1, padding=1, bias=False) and target Conv2d(1, 4, kernel_size=3, stride=2, padding=0) "
                + "differ beyond their channel counts", e.getMessage());
        assertEquals(new CnnLayerMap.Pair(4, 7), CnnLayerMap.Pair.parse(" 4 <- 7"));
        e = assertThrows(IllegalArgumentException.class, () -> CnnLayerMap.Pair.parse("4->7"));
        assertEquals("a layer map pair is written base<-target, e.g. 4<-7; got 4->7", e.getMessage());
    }
}
