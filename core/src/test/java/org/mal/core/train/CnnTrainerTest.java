package org.mal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.cnn.CnnModel;
import org.mal.core.data.Dataset;
import org.mal.core.model.Metrics;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CnnTrainerTest {
    /** 28x28 images of noise with a bright 7x7 square in quadrant {@code label} (jittered by up to 3 pixels): four classes. */
    static Dataset squares(String name, int rows, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * 784];
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) {
            int label = random.nextInt(4);
            y[r] = label;
            for (int k = 0; k < 784; k++) x[r * 784 + k] = 0.3f * random.nextFloat();
            int top = (label / 2) * 14 + 3 + random.nextInt(4) - 2, left = (label % 2) * 14 + 3 + random.nextInt(4) - 2;
            for (int i = 0; i < 7; i++) for (int j = 0; j < 7; j++) x[r * 784 + (top + i) * 28 + left + j] = 0.6f + 0.3f * random.nextFloat();
        }
        return new Dataset(name, 784, 4, x, y);
    }

    static final Dataset TRAIN = squares("squares-train", 320, 1);
    static final Dataset TEST = squares("squares-test", 200, 2);

    static CnnArchitecture small() {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 2, 1, true), new CnnLayer.BatchNorm2d(4, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(4, 6, 3, 1, 1, false), new CnnLayer.BatchNorm2d(6, 1e-5), new CnnLayer.Relu(), new CnnLayer.AvgPool2d(2, 2),
                new CnnLayer.Flatten(), new CnnLayer.Linear(6 * 9, 8, true), new CnnLayer.Relu(), new CnnLayer.Linear(8, 4, true)));
    }

    @Test
    void theTrainingGraphComputesWhatTheModelComputes() {
        // without batch norm, train and eval mode agree: the graph (conv weights permuted to ND4J's layout, pooling,
        // flatten, linear) must give CnnModel's logits
        CnnArchitecture noBn = new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 3, 5, 2, 2, true), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(3, 5, 3, 1, 0, false), new CnnLayer.Relu(), new CnnLayer.GlobalAvgPool(),
                new CnnLayer.Flatten(), new CnnLayer.Linear(5, 4, true)));
        CnnModel model = CnnTrainer.initialWeights(noBn, 3);
        SameDiff sd = CnnTrainer.graph(model);
        INDArray x = TEST.features(0, 10);
        INDArray graph = sd.output(Map.of(Trainer.INPUT, x), CnnTrainer.LOGITS).get(CnnTrainer.LOGITS);
        INDArray direct = model.logits(x);
        assertTrue(graph.sub(direct).amaxNumber().doubleValue() <= 1e-5, graph + " vs " + direct);
    }

    @Test
    void theTrainingGraphOfAResNetGivesTheModelsTrainModeLogits() {
        // batch norms (also inside the blocks) normalise with batch statistics in both
        CnnArchitecture resnet = new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 2, 1, false), new CnnLayer.BatchNorm2d(4, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.ResidualBlock(4, 4, 1), new CnnLayer.ResidualBlock(4, 6, 2),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(6, 4, true)));
        CnnModel model = CnnTrainer.initialWeights(resnet, 4);
        INDArray x = TEST.features(0, 12);
        INDArray graph = CnnTrainer.graph(model).output(Map.of(Trainer.INPUT, x), CnnTrainer.LOGITS).get(CnnTrainer.LOGITS);
        INDArray direct = model.logitsTrainMode(x, CnnModel.BatchStatistics.NONE);
        assertTrue(graph.sub(direct).amaxNumber().doubleValue() <= 1e-4, graph + " vs " + direct);
        CnnModel trained = CnnTrainer.train(model, TRAIN, new TrainConfig(Optimizer.ADAM, 1e-2, 1, 64, 4), TrainingListener.NONE);
        assertTrue(CnnEvaluation.evaluate(trained, TEST).loss() < CnnEvaluation.evaluate(model, TEST).loss());
    }

    @Test
    void learnsASpatialTaskAndGivesEvalModeStatistics() {
        List<Long> steps = new ArrayList<>();
        List<Metrics> epochs = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void stepDone(long step, long total) { steps.add(step); assertEquals(5L * 10, total); }
            @Override public void epochDone(int epoch, Metrics sample) { epochs.add(sample); }
        };
        CnnModel before = CnnTrainer.initialWeights(small(), 5);
        CnnModel after = CnnTrainer.train(before, TRAIN, new TrainConfig(Optimizer.ADAM, 3e-2, 5, 32, 5), listener);
        assertEquals(50, steps.size(), "320 rows in batches of 32 make 10 steps per epoch");
        assertEquals(5, epochs.size());
        assertTrue(epochs.get(4).loss() < epochs.get(0).loss(), epochs.toString());
        Metrics test = CnnEvaluation.evaluate(after, TEST);
        assertTrue(test.accuracy() > 0.9, "test accuracy " + test);
        assertTrue(test.loss() < CnnEvaluation.evaluate(before, TEST).loss());
        assertEquals(50L, after.params().get("1.num_batches_tracked").getLong(0), "counts optimizer steps as PyTorch does");
        assertTrue(after.params().get("5.running_var").sub(1.0).amaxNumber().doubleValue() > 1e-3, "running statistics were measured");
        assertEquals(0.0, CnnTrainer.initialWeights(small(), 5).params().get("0.weight").sub(before.params().get("0.weight")).amaxNumber().doubleValue(),
                "the start model is not modified");
    }

    @Test
    void sameSeedGivesBitIdenticalTensors() {
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-2, 1, 32, 7);
        CnnModel a = CnnTrainer.train(small(), TRAIN, config, TrainingListener.NONE);
        CnnModel b = CnnTrainer.train(small(), TRAIN, config, TrainingListener.NONE);
        a.params().forEach((name, t) -> assertEquals(t, b.params().get(name), name));
        CnnModel c = CnnTrainer.train(small(), TRAIN, new TrainConfig(Optimizer.ADAM, 1e-2, 1, 32, 8), TrainingListener.NONE);
        assertNotEquals(a.params().get("0.weight"), c.params().get("0.weight"), "another seed gives other weights");
    }

    @Test
    void initialWeightsFollowPyTorchsBounds() {
        CnnModel m = CnnTrainer.initialWeights(small(), 1);
        assertTrue(m.params().get("0.weight").amaxNumber().doubleValue() <= 1 / 3.0);
        assertTrue(m.params().get("4.weight").amaxNumber().doubleValue() <= 1 / 6.0);
        assertTrue(m.params().get("4.weight").amaxNumber().doubleValue() > 0.9 / 6.0);
        assertEquals(Nd4j.ones(DataType.FLOAT, 4), m.params().get("1.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnTrainer.train(small(), new Dataset("wrong", 784, 10, new float[784], new int[] {0}), new TrainConfig(Optimizer.ADAM, 1e-2, 1, 32, 1),
                        TrainingListener.NONE));
        assertTrue(e.getMessage().startsWith("the CNN (1x28x28 images, 4 classes) does not fit dataset"), e.getMessage());
    }
}
