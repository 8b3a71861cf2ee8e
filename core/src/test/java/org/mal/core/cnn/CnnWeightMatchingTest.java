package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.model.PermutationSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class CnnWeightMatchingTest {

    @Test
    void recoversAPlantedChannelPermutationAndMergesToTheBasesFunctionAtEveryLambda() {
        for (CnnArchitecture arch : List.of(CnnTestNets.plain(8, 12, 10, 16), CnnTestNets.pooled(9, 11), CnnTestNets.resnet())) {
            for (long s = 1; s <= 3; s++) {
                long seed = s;
                CnnModel base = CnnTestNets.random(arch, seed, DataType.DOUBLE);
                Map<String, int[]> planted = CnnTestNets.randomPerms(arch, 100 + seed);
                CnnModel target = base.permuted(planted);
                CnnWeightMatching.Result r = CnnWeightMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
                planted.forEach((g, p) -> assertArrayEquals(PermutationSpec.inverse(p), r.perms().get(g), arch.describe() + " seed " + seed + " " + g));
                assertTrue(r.objectiveAfter() > r.objectiveBefore(), r.toString());
                CnnModel aligned = target.permuted(r.perms());
                base.params().forEach((name, t) -> assertEquals(t, aligned.params().get(name), name));   // exactly the base again
                INDArray x = CnnTestNets.images(6, seed, DataType.DOUBLE);
                INDArray want = base.logits(x);
                for (double lambda : new double[] {0, 0.25, 0.5, 0.75, 1}) {
                    double diff = CnnTestNets.maxAbsDiff(want, CnnMerge.convex(base, aligned, lambda).logits(x));
                    assertTrue(diff <= 1e-10, "lambda " + lambda + ": " + diff);
                }
                // without the alignment the midpoint is another function: the check above is not vacuous
                assertTrue(CnnTestNets.maxAbsDiff(want, CnnMerge.convex(base, target, 0.5).logits(x)) > 1e-3);
            }
        }
    }

    @Test
    void recoversAPlantedPermutationInFloat32ToTheTolerance() {
        CnnArchitecture arch = CnnTestNets.plain(8, 12, 10, 16);
        CnnModel base = CnnTestNets.random(arch, 4, DataType.FLOAT);
        CnnModel target = base.permuted(CnnTestNets.randomPerms(arch, 5));
        CnnModel aligned = target.permuted(CnnWeightMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT).perms());
        INDArray x = CnnTestNets.images(6, 6, DataType.FLOAT);
        assertTrue(CnnTestNets.maxAbsDiff(base.logits(x), CnnMerge.convex(base, aligned, 0.5).logits(x)) <= 1e-5);
    }

    @Test
    void alignsIndependentNetworksWithoutChangingTheTargetsFunction() {
        CnnArchitecture arch = CnnTestNets.plain(8, 12, 10, 16);
        CnnModel base = CnnTestNets.random(arch, 21, DataType.DOUBLE);
        CnnModel target = CnnTestNets.random(arch, 22, DataType.DOUBLE);
        CnnWeightMatching.Result r = CnnWeightMatching.align(base, target, new CnnChannelMatching.Settings(100, 7));
        assertTrue(r.objectiveAfter() > r.objectiveBefore() + 1e-6, r.objectiveBefore() + " -> " + r.objectiveAfter());
        assertEquals(r.objectiveAfter(), CnnWeightMatching.objective(base, target, r.perms()), 1e-9);
        CnnModel aligned = target.permuted(r.perms());
        INDArray x = CnnTestNets.images(4, 8, DataType.DOUBLE);
        assertTrue(CnnTestNets.maxAbsDiff(target.logits(x), aligned.logits(x)) <= 1e-10);
        // seeded: the same settings give the same permutations
        CnnWeightMatching.Result again = CnnWeightMatching.align(base, target, new CnnChannelMatching.Settings(100, 7));
        r.perms().forEach((g, p) -> assertArrayEquals(p, again.perms().get(g), g));
        // coordinate descent ends where no group's assignment can improve: one more sweep from there gains nothing
        CnnWeightMatching.Result more = CnnWeightMatching.align(base, aligned, new CnnChannelMatching.Settings(1, 3));
        assertEquals(r.objectiveAfter(), more.objectiveBefore(), 1e-9 * Math.abs(r.objectiveAfter()));
        assertEquals(more.objectiveBefore(), more.objectiveAfter(), 1e-9 * Math.abs(more.objectiveBefore()));
    }

    @Test
    void lambdaZeroIsExactlyTheBaseAndTheMergeKeepsTheBasesCounters() {
        CnnArchitecture arch = CnnTestNets.pooled(4, 5);
        CnnModel base = CnnTestNets.random(arch, 1, DataType.FLOAT);
        CnnModel target = CnnTestNets.random(arch, 2, DataType.FLOAT);
        assertSame(base, CnnMerge.convex(base, target, 0));
        CnnModel mid = CnnMerge.convex(base, target, 0.5);
        assertEquals(base.params().get("1.num_batches_tracked"), mid.params().get("1.num_batches_tracked"));
        INDArray w = base.params().get("0.weight").add(target.params().get("0.weight")).muli(0.5);
        assertTrue(CnnTestNets.maxAbsDiff(w, mid.params().get("0.weight")) <= 1e-7);
        assertEquals(target.params().get("3.weight"), CnnMerge.convex(base, target, 1).params().get("3.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CnnMerge.convex(base, target, 1.5));
        assertEquals("lambda must be in [0, 1], got 1.5", e.getMessage());
    }

    @Test
    void differentChannelCountsAreRejectedNamingBothNetworks() {
        CnnModel base = CnnTestNets.random(CnnTestNets.pooled(4, 5), 1, DataType.FLOAT);
        CnnModel target = CnnTestNets.random(CnnTestNets.pooled(6, 5), 1, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnWeightMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT));
        assertTrue(e.getMessage().startsWith("CNN weight matching needs one architecture for both models (for different channel counts use CnnChannelMatching): base Sequential(input 1x28x28: (0) Conv2d(1, 4,"),
                e.getMessage());
    }
}
