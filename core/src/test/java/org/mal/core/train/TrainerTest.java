package org.mal.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {
    private static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 600, 300, 12, 3, 42);
    private static final Architecture ARCH = Architecture.mlp(12, List.of(16, 8), 3);

    @Test
    void sameSeedGivesBitIdenticalWeights() {
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-2, 2, 32, 7);
        Model a = Trainer.train(ARCH, BLOBS.train(), config, TrainingListener.NONE);
        Model b = Trainer.train(ARCH, BLOBS.train(), config, TrainingListener.NONE);
        assertEquals(a.contentHash(), b.contentHash());
        Model c = Trainer.train(ARCH, BLOBS.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 2, 32, 8), TrainingListener.NONE);
        assertNotEquals(a.contentHash(), c.contentHash(), "another seed gives other weights");
    }

    @Test
    void adamLearnsSeparableBlobsAndReportsEveryStepAndEpoch() {
        List<Long> steps = new ArrayList<>();
        List<Metrics> epochs = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void stepDone(long step, long total) { steps.add(step); assertEquals(3L * 19, total); }
            @Override public void epochDone(int epoch, Metrics sample) { epochs.add(sample); }
        };
        Model before = Trainer.initialWeights(ARCH, 3);
        Model after = Trainer.train(before, BLOBS.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 3, 32, 3), listener);
        assertEquals(57, steps.size(), "600 rows in batches of 32 make 19 steps per epoch");
        assertEquals(57L, steps.get(56));
        assertEquals(3, epochs.size());
        assertTrue(epochs.get(2).loss() < epochs.get(0).loss(), "training loss falls: " + epochs);
        Metrics test = Evaluator.evaluate(after, BLOBS.test());
        assertTrue(test.accuracy() > 0.9, "test accuracy " + test.accuracy());
        assertTrue(test.loss() < Evaluator.evaluate(before, BLOBS.test()).loss());
        assertEquals(Trainer.initialWeights(ARCH, 3).contentHash(), before.contentHash(), "the start model is not modified");
    }

    @Test
    void sgdAndMomentumLowerTheLoss() {
        Metrics untrained = Evaluator.evaluate(Trainer.initialWeights(ARCH, 5), BLOBS.test());
        for (Optimizer optimizer : List.of(Optimizer.SGD, Optimizer.MOMENTUM)) {
            Model m = Trainer.train(ARCH, BLOBS.train(), new TrainConfig(optimizer, 5e-2, 3, 32, 5), TrainingListener.NONE);
            Metrics trained = Evaluator.evaluate(m, BLOBS.test());
            assertTrue(trained.loss() < untrained.loss(), optimizer + ": " + trained + " vs " + untrained);
        }
    }

    @Test
    void initialWeightsAreUniformWithinOneOverSqrtFanIn() {
        Model m = Trainer.initialWeights(Architecture.mlp(100, List.of(50), 10), 1);
        for (int layer = 0; layer < 2; layer++) {
            double bound = 1 / Math.sqrt(layer == 0 ? 100 : 50);
            for (INDArray t : List.of(m.weight(layer), m.bias(layer))) {
                assertTrue(t.amaxNumber().doubleValue() <= bound);
                assertTrue(t.amaxNumber().doubleValue() > 0.9 * bound, "values spread over the range");
            }
        }
        assertArrayEquals(new long[] {50, 100}, m.weight(0).shape());
        assertEquals(m.contentHash(), Trainer.initialWeights(Architecture.mlp(100, List.of(50), 10), 1).contentHash());
    }

    @Test
    void divergingTrainingFailsClearly() {
        var e = assertThrows(IllegalStateException.class, () ->
                Trainer.train(ARCH, BLOBS.train(), new TrainConfig(Optimizer.SGD, 1e30, 1, 32, 1), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("diverged"), e.getMessage());
    }

    @Test
    void rejectsBadConfigsAndMismatchedData() {
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(Optimizer.ADAM, -1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(Optimizer.ADAM, 1e-3, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new TrainConfig(Optimizer.ADAM, 1e-3, 1, 0, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizer.parse("adagrad"));
        assertTrue(e.getMessage().contains("adam"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Trainer.train(Architecture.mlp(5, List.of(4), 3), BLOBS.train(),
                new TrainConfig(Optimizer.ADAM, 1e-3, 1, 8, 1), TrainingListener.NONE));
    }
}
