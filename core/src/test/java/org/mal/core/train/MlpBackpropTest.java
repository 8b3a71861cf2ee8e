package org.mal.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.DenseLayer;
import org.mal.core.model.Layer;
import org.mal.core.model.Model;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link MlpBackprop} against SameDiff, the trainer it replaced: gradients against SameDiff's
 * autodiff of the same loss, and whole training runs against SameDiff's {@code fit} on the same
 * batches with the same updater.
 */
class MlpBackpropTest {
    private static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 600, 300, 12, 3, 42);

    @Test
    void gradientsEqualSameDiffsAutodiff() {
        for (Architecture arch : List.of(Architecture.mlp(12, List.of(16, 8), 3), Architecture.mlp(12, List.of(), 3),
                Architecture.mlp(12, List.of(20, 5, 7), 3))) {
            Model model = Trainer.initialWeights(arch, 11);
            int[] rows = new int[37];
            for (int i = 0; i < rows.length; i++) rows[i] = (i * 13) % BLOBS.train().size();
            INDArray x = BLOBS.train().features(rows);
            INDArray y = BLOBS.train().oneHot(rows);
            int[] labels = new int[rows.length];
            for (int i = 0; i < rows.length; i++) labels[i] = BLOBS.train().label(rows[i]);
            MlpBackprop net = new MlpBackprop(model, Optimizer.SGD, 0.1);
            net.gradient(x, labels);
            Map<String, INDArray> ours = net.gradients();

            SameDiff sd = graph(model);
            Map<String, INDArray> theirs = sd.calculateGradients(Map.of(Trainer.INPUT, x, Trainer.LABEL, y), ours.keySet());
            for (String name : ours.keySet()) {
                assertClose(theirs.get(name), ours.get(name), 1e-5, arch.describe() + " " + name);
            }
        }
    }

    @Test
    void trainingEqualsSameDiffsFitForEveryOptimizer() {
        Architecture arch = Architecture.mlp(12, List.of(16, 8), 3);
        for (Optimizer optimizer : Optimizer.values()) {
            TrainConfig config = new TrainConfig(optimizer, optimizer == Optimizer.ADAM ? 1e-2 : 5e-2, 3, 32, 7);
            Model start = Trainer.initialWeights(arch, config.seed());
            Model ours = Trainer.train(start, BLOBS.train(), config, TrainingListener.NONE);
            Model theirs = sameDiffFit(start, BLOBS.train(), config);
            double moved = 0;
            for (String name : ours.params().keySet()) {
                assertClose(theirs.params().get(name), ours.params().get(name), 1e-4, optimizer + " " + name);
                moved = Math.max(moved, ours.params().get(name).sub(start.params().get(name)).amaxNumber().doubleValue());
            }
            assertTrue(moved > 1e-2, optimizer + ": the weights moved (" + moved + "), so the comparison means something");
        }
    }

    @Test
    void theLastSmallerBatchAndAnotherSeedAreHandled() {
        Architecture arch = Architecture.mlp(12, List.of(16), 3);
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-2, 2, 64, 3);     // 600 rows: 9 batches of 64 and one of 24
        Model start = Trainer.initialWeights(arch, 3);
        Model ours = Trainer.train(start, BLOBS.train(), config, TrainingListener.NONE);
        Model theirs = sameDiffFit(start, BLOBS.train(), config);
        for (String name : ours.params().keySet()) assertClose(theirs.params().get(name), ours.params().get(name), 1e-4, name);
        Model other = Trainer.train(start, BLOBS.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 2, 64, 4), TrainingListener.NONE);
        assertNotEquals(ours.contentHash(), other.contentHash(), "another seed shuffles the batches otherwise");
    }

    @Test
    void rejectsHiddenLayersThatAreNotRelu() {
        Architecture arch = new Architecture(12, List.of(new DenseLayer(12, 8, Activation.IDENTITY), new DenseLayer(8, 3, Activation.SOFTMAX)));
        var e = assertThrows(IllegalArgumentException.class, () -> Trainer.train(arch, BLOBS.train(),
                new TrainConfig(Optimizer.ADAM, 1e-3, 1, 8, 1), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("ReLU hidden layers only") && e.getMessage().contains("layer 0"), e.getMessage());
    }

    private static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        assertEquals(expected.length(), actual.length(), what);
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE).reshape(expected.shape())).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": largest difference " + diff + " against largest value " + scale);
    }

    /** The MLP's loss as a SameDiff graph: what {@link Trainer#train} built before {@link MlpBackprop}. */
    private static SameDiff graph(Model start) {
        Architecture arch = start.architecture();
        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder(Trainer.INPUT, DataType.FLOAT, -1, arch.inputSize());
        SDVariable label = sd.placeHolder(Trainer.LABEL, DataType.FLOAT, -1, arch.outputSize());
        for (int i = 0; i < arch.depth(); i++) {
            SDVariable w = sd.var(Architecture.weightName(i), start.weight(i).castTo(DataType.FLOAT).dup());
            SDVariable b = sd.var(Architecture.biasName(i), start.bias(i).castTo(DataType.FLOAT).dup());
            SDVariable z = sd.mmul(h, w, false, true, false).add(b);
            h = arch.layers().get(i).activation() == Activation.RELU ? sd.nn.relu(z, 0) : z;
        }
        sd.loss.softmaxCrossEntropy("loss", label, h, null);
        return sd;
    }

    /** The trainer before {@link MlpBackprop}: SameDiff's {@code fit}, one epoch per call, on {@link Batches}. */
    private static Model sameDiffFit(Model start, Dataset train, TrainConfig config) {
        SameDiff sd = graph(start);
        sd.setTrainingConfig(TrainingConfig.builder().updater(config.optimizer().updater(config.learningRate()))
                .dataSetFeatureMapping(Trainer.INPUT).dataSetLabelMapping(Trainer.LABEL).build());
        Trainer.createGradientsQuietly(sd);
        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        for (int epoch = 1; epoch <= config.epochs(); epoch++) sd.fit(batches, 1);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (Layer.ParamSpec p : start.architecture().params()) params.put(p.name(), sd.getVariable(p.name()).getArr().dup('c'));
        return new Model(start.architecture(), params);
    }
}
