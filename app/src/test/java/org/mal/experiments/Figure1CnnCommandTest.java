package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnPairing;
import org.mal.core.model.Metrics;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;
import org.mal.core.zoo.CnnZooArchitectures;
import org.mal.core.zoo.ZooSpec;

class Figure1CnnCommandTest {
    private static final TaskData IMAGES = Synthetic.gaussianBlobs("images", 120, 60, 784, 3, 7);

    private static CnnModel permutedCopy(CnnModel model, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, int[]> perms = new LinkedHashMap<>();
        model.architecture().permutationSpec().sizes().forEach((group, size) -> {
            int[] p = new int[size];
            for (int i = 0; i < size; i++) p[i] = i;
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            perms.put(group, p);
        });
        return model.permuted(perms);
    }

    @Test
    void aPermutedCopyMergesFlatWithWeightMatchingAndNotNaively() {
        CnnArchitecture arch = CnnZooArchitectures.of(ZooSpec.Network.RESNET, List.of(4, 6, 4), 1, 28, 28, 3);
        // a trained base (an untrained one is near chance everywhere, so a naive merge could not be worse)
        CnnModel base = CnnTrainer.train(arch, IMAGES.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 3, 16, 3), TrainingListener.NONE);
        CnnModel target = permutedCopy(base, 4);
        Dataset test = IMAGES.test();
        CnnPairing pairing = CnnPairing.of(arch, arch);
        assertInstanceOf(CnnPairing.Whole.class, pairing);
        Metrics own = CnnEvaluation.evaluate(base, test);
        Figure1CnnCommand.Curves c = Figure1CnnCommand.curves(base, target, pairing, test, IMAGES.train(), 5, own, CnnEvaluation.evaluate(target, test));
        assertEquals(List.of(0.0, 0.25, 0.5, 0.75, 1.0), java.util.Arrays.stream(c.lambdas()).boxed().toList());
        for (int k = 0; k < 5; k++) {
            assertEquals(c.loss()[1][0], c.loss()[1][k], 1e-5, "weight matching recovers the permutation: the merge is the base at every lambda");
        }
        assertEquals(0.0, c.barrier(1), 1e-5);
        assertTrue(c.auc(1) < c.auc(0), "naive merging of permuted copies is worse: " + c.auc(0) + " vs " + c.auc(1));
        assertTrue(c.barrier(0) > 1e-3, "naive barrier " + c.barrier(0));
        for (int m = 0; m < 3; m++) assertEquals(own.loss(), c.loss()[m][0], 0.0, "every method starts at the base");
        assertEquals(c.loss()[0][4], c.target().loss(), 1e-5, "the naive merge at 1 is the target");
        assertEquals(c.accuracy()[1][2], c.midpointAccuracy(1), 0.0);
        // trapezoid rule on the grid: the flat curve's area is its value
        assertEquals(c.loss()[1][0], c.auc(1), 1e-5);
    }

    @Test
    void aPairOfOtherDepthAndWidthsIsMergedByALayerMapAndItsBarrierIsAgainstTheParents() {
        CnnArchitecture a = CnnZooArchitectures.of(ZooSpec.Network.CNN, List.of(4, 6, 4), 1, 28, 28, 3);
        CnnArchitecture b = CnnZooArchitectures.of(ZooSpec.Network.CNN, List.of(6, 8), 1, 28, 28, 3);
        CnnModel base = CnnTrainer.train(a, IMAGES.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 2, 16, 3), TrainingListener.NONE);
        CnnModel target = CnnTrainer.train(b, IMAGES.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 2, 16, 4), TrainingListener.NONE);
        CnnPairing pairing = CnnPairing.of(a, b);
        assertEquals("layer map [0<-0,4<-4,8<-4]", pairing.describe());   // the middle unit rounds up (0.5 -> 1)
        Dataset test = IMAGES.test();
        Metrics ownA = CnnEvaluation.evaluate(base, test);
        Metrics ownB = CnnEvaluation.evaluate(target, test);
        Figure1CnnCommand.Curves c = Figure1CnnCommand.curves(base, target, pairing, test, IMAGES.train(), 3, ownA, ownB);
        for (int m = 0; m < 3; m++) {
            assertEquals(ownA.loss(), c.loss()[m][0], 0.0);
            double want = Math.max(Math.max(0, c.loss()[m][1] - (ownA.loss() + ownB.loss()) / 2), c.loss()[m][2] - ownB.loss());
            assertEquals(want, c.barrier(m), 1e-12);
        }
        // the layer map keeps the base's head: at lambda 1 the merge is not the target
        assertTrue(Math.abs(c.loss()[1][2] - ownB.loss()) > 1e-6);
    }

    @Test
    void labelsDropTaskAndSeed() {
        assertEquals("cnn-pyramid-8x16x8", Figure1CnnCommand.architectureLabel("fashion-mnist-cnn-pyramid-8x16x8-s2", "fashion-mnist"));
        assertEquals("resnet-equal-8x8x8", Figure1CnnCommand.architectureLabel("mnist-resnet-equal-8x8x8", "mnist"));
    }
}
