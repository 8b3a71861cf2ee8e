package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

class LmcTest {
    private static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 600, 300, 12, 3, 42);
    private static final TaskData OTHER = Synthetic.gaussianBlobs("other", 600, 300, 12, 3, 43);

    private static Model trained(List<Integer> widths, TaskData task, long seed) {
        return Trainer.train(Architecture.mlp(12, widths, 3), task.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 3, 32, seed),
                TrainingListener.NONE);
    }

    @Test
    void gridIsLinspace() {
        double[] g = Lmc.grid(25);
        assertEquals(25, g.length);
        assertEquals(0, g[0]);
        assertEquals(1, g[24]);
        assertEquals(0.5, g[12], 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Lmc.grid(1));
    }

    @Test
    void barrierAreaAndThresholdFollowTheirDefinitions() {
        double[] x = {0, 0.25, 0.5, 0.75, 1};
        double[] loss = {1.0, 1.02, 1.5, 2.0, 1.4};
        assertEquals(2.0 - 0.5 * (1.0 + 1.4), Lmc.barrier(loss), 1e-12);
        assertEquals(0.25 * (0.5 * (1.0 + 1.4) + 1.02 + 1.5 + 2.0), Lmc.area(x, loss), 1e-12);
        assertEquals(1, Lmc.thresholdIndex(loss, 0.05), "1.02 is within 5% of 1.0; 1.5 is not");
        assertEquals(0, Lmc.thresholdIndex(new double[] {1.0, 1.2, 1.0}, 0.05), "the run from λ = 0 must be unbroken");
    }

    @Test
    void reusingTheUnchangedPrefixGivesTheSameNumbersAsFullEvaluation() {
        Model base = trained(List.of(10, 8, 6), BLOBS, 1);
        Model target = trained(List.of(7, 9, 6), OTHER, 2);
        LayerMap map = LayerMap.parse("2:2,3:3");
        Alignment a = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map));
        double[] grid = Lmc.grid(5);
        Lmc.Report r = Lmc.evaluate(base, aligned, naive, List.of(BLOBS.test(), OTHER.test()), grid, 0.05, 64);
        for (int k = 0; k < grid.length; k++) {
            Metrics direct = Evaluator.evaluate(Merge.convex(base, aligned, grid[k]), BLOBS.test());
            assertEquals(direct.loss(), r.tasks().get(0).aligned().loss()[k], 1e-6); // batches of 64 vs 2,000 sum in another order
            assertEquals(direct.accuracy(), r.tasks().get(0).aligned().accuracy()[k], 0);
            Metrics directNaive = Evaluator.evaluate(Merge.convex(base, naive, grid[k]), OTHER.test());
            assertEquals(directNaive.loss(), r.tasks().get(1).naive().loss()[k], 1e-6);
        }
        assertEquals(Evaluator.evaluate(base, BLOBS.test()).loss(), r.tasks().get(0).aligned().loss()[0], 1e-6, "λ = 0 is the base");
        assertEquals(r.auc() / r.naiveAuc(), r.aucRatio(), 1e-12);
        assertTrue(r.lambdaStar() >= 0 && r.lambdaStar() <= 1);
        assertEquals(List.of("blobs/test", "other/test"), List.copyOf(r.accuracyAtLambdaStar().keySet()));
    }

    @Test
    void aPermutedCopyHasZeroBarrierWhenAlignedButNotNaively() {
        Model base = trained(List.of(16, 16), BLOBS, 3);
        Model target = org.mal.core.align.WeightMatchingTest.randomlyPermuted(base, new java.util.Random(4));
        LayerMap map = LayerMap.identity(3);
        Alignment a = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Lmc.Report r = Lmc.evaluate(base, Transplant.alignedTensors(base, target, a),
                Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map)),
                List.of(BLOBS.test()), Lmc.grid(25), 0.05, 1000);
        assertEquals(0, r.barrier(), 1e-9);
        assertTrue(r.naiveBarrier() > 0.01, "naive interpolation between permuted copies has a barrier: " + r.naiveBarrier());
        assertTrue(r.aucRatio() < 1);
        assertEquals(1.0, r.lambdaStar());
        assertArrayEquals(Lmc.grid(25), r.lambdas());
    }
}
