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
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
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
        INDArray x = TEST.features(0, 10);
        INDArray graph = CnnTrainer.trainModeLogits(model, x);
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
        INDArray graph = CnnTrainer.trainModeLogits(model, x);
        INDArray direct = model.logitsTrainMode(x, CnnModel.BatchStatistics.NONE);
        assertTrue(graph.sub(direct).amaxNumber().doubleValue() <= 1e-4, graph + " vs " + direct);
        CnnModel trained = CnnTrainer.train(model, TRAIN, new TrainConfig(Optimizer.ADAM, 1e-2, 1, 64, 4), TrainingListener.NONE);
        assertTrue(CnnEvaluation.evaluate(trained, TEST).loss() < CnnEvaluation.evaluate(model, TEST).loss());
    }

    /**
     * The SameDiff graph the trainer used before issue 21's speed-up, as the reference for the hand-written gradients:
     * SameDiff's autodiff with libnd4j's own conv2d gradient ({@code conv2d_bp}) and batch norm written in elementary ops.
     */
    static SameDiff referenceGraph(CnnModel start) {
        CnnArchitecture arch = start.architecture();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder(Trainer.INPUT, DataType.FLOAT, -1, 784);
        SDVariable label = sd.placeHolder(Trainer.LABEL, DataType.FLOAT, -1, arch.outputSize());
        SDVariable h = sd.reshape(x, -1, 1, 28, 28);
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer layer = arch.layers().get(i);
            String p = i + ".";
            if (layer instanceof CnnLayer.Conv2d c) {
                h = referenceConv(sd, start, h, c, p);
            } else if (layer instanceof CnnLayer.BatchNorm2d b) {
                h = referenceBatchNorm(sd, start, h, p, b.channels());
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                SDVariable out = sd.nn.relu(referenceBatchNorm(sd, start, referenceConv(sd, start, h, r.conv1(), p + "conv1."), p + "bn1.", r.outChannels()), 0);
                out = referenceBatchNorm(sd, start, referenceConv(sd, start, out, r.conv2(), p + "conv2."), p + "bn2.", r.outChannels());
                SDVariable shortcut = r.projection() ? referenceBatchNorm(sd, start, referenceConv(sd, start, h, r.downsample(), p + "downsample.0."),
                        p + "downsample.1.", r.outChannels()) : h;
                h = sd.nn.relu(out.add(shortcut), 0);
            } else if (layer instanceof CnnLayer.Relu) {
                h = sd.nn.relu(h, 0);
            } else if (layer instanceof CnnLayer.MaxPool2d m) {
                h = sd.cnn().maxPooling2d(h, Pooling2DConfig.builder().kH(m.kernel()).kW(m.kernel()).sH(m.stride()).sW(m.stride()).pH(0).pW(0).dH(1).dW(1)
                        .paddingMode(PaddingMode.VALID).type(Pooling2D.Pooling2DType.MAX).isNHWC(false).build());
            } else if (layer instanceof CnnLayer.AvgPool2d m) {
                h = sd.cnn().avgPooling2d(h, Pooling2DConfig.builder().kH(m.kernel()).kW(m.kernel()).sH(m.stride()).sW(m.stride()).pH(0).pW(0).dH(1).dW(1)
                        .paddingMode(PaddingMode.VALID).type(Pooling2D.Pooling2DType.AVG).divisor(Pooling2D.Divisor.INCLUDE_PADDING).isNHWC(false).build());
            } else if (layer instanceof CnnLayer.GlobalAvgPool) {
                h = sd.mean(h, true, 2, 3);
            } else if (layer instanceof CnnLayer.Flatten) {
                h = sd.reshape(h, -1, arch.shapeAfter(i)[0]);
            } else if (layer instanceof CnnLayer.Linear l) {
                h = sd.mmul(h, sd.var(p + "weight", start.params().get(p + "weight").dup()), false, true, false);
                if (l.bias()) h = h.add(sd.var(p + "bias", start.params().get(p + "bias").dup()));
            } else {
                throw new IllegalStateException("reference graph has no " + layer.describe());
            }
        }
        sd.loss.softmaxCrossEntropy("loss", label, sd.identity("logits", h), null);
        return sd;
    }

    private static SDVariable referenceConv(SameDiff sd, CnnModel start, SDVariable h, CnnLayer.Conv2d c, String prefix) {
        SDVariable w = sd.var(prefix + "weight", start.params().get(prefix + "weight").dup()).permute(2, 3, 1, 0);
        Conv2DConfig config = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride()).pH(c.padding()).pW(c.padding())
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        return c.bias() ? sd.cnn().conv2d(h, w, sd.var(prefix + "bias", start.params().get(prefix + "bias").dup()), config) : sd.cnn().conv2d(h, w, config);
    }

    private static SDVariable referenceBatchNorm(SameDiff sd, CnnModel start, SDVariable h, String prefix, int channels) {
        SDVariable gamma = sd.var(prefix + "weight", start.params().get(prefix + "weight").dup()).reshape(1, channels, 1, 1);
        SDVariable beta = sd.var(prefix + "bias", start.params().get(prefix + "bias").dup()).reshape(1, channels, 1, 1);
        SDVariable mean = sd.mean(h, true, 0, 2, 3);
        SDVariable centred = h.sub(mean);
        SDVariable variance = sd.mean(centred.mul(centred), true, 0, 2, 3);
        return centred.div(sd.math.sqrt(variance.add(1e-5))).mul(gamma).add(beta);
    }

    @Test
    void handWrittenGradientsEqualSameDiffsAutodiff() {
        // CnnBackprop's gradients against SameDiff's autodiff of the same function: stride 1 and 2, 3x3, 1x1 and 5x5 kernels,
        // biases, max pooling, a residual block with a projection, global pooling, random batch-norm affine parameters
        CnnArchitecture pooled = new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 4, 3, 2, 1, true), new CnnLayer.BatchNorm2d(4, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.Conv2d(4, 5, 3, 1, 1, true), new CnnLayer.BatchNorm2d(5, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.ResidualBlock(5, 6, 1), new CnnLayer.ResidualBlock(6, 6, 1), new CnnLayer.ResidualBlock(6, 6, 2),
                new CnnLayer.Conv2d(6, 3, 1, 1, 0, false), new CnnLayer.Relu(),
                new CnnLayer.Conv2d(3, 4, 5, 1, 2, false), new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(4, 4, true)));
        CnnArchitecture flattened = new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, 3, 5, 1, 0, true), new CnnLayer.Relu(), new CnnLayer.AvgPool2d(3, 3),
                new CnnLayer.Conv2d(3, 4, 3, 2, 0, true), new CnnLayer.BatchNorm2d(4, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.Flatten(), new CnnLayer.Linear(4 * 9, 8, true), new CnnLayer.Relu(), new CnnLayer.Linear(8, 4, false)));
        for (CnnArchitecture arch : List.of(pooled, flattened)) assertGradientsMatch(arch);
    }

    private static void assertGradientsMatch(CnnArchitecture arch) {
        CnnModel model = CnnTrainer.initialWeights(arch, 11);
        Random random = new Random(12);
        java.util.Map<String, INDArray> params = new java.util.LinkedHashMap<>(model.params());
        for (String name : model.params().keySet()) {
            String prefix = name.substring(0, name.lastIndexOf('.') + 1);
            boolean affine = name.endsWith(".weight") || name.endsWith(".bias");
            if (affine && params.containsKey(prefix + "running_mean")) {
                float[] v = new float[(int) params.get(name).length()];
                for (int k = 0; k < v.length; k++) v[k] = 0.5f + random.nextFloat();
                params.put(name, Nd4j.create(v, params.get(name).shape(), DataType.FLOAT));
            }
        }
        model = new CnnModel(arch, params);
        INDArray x = TRAIN.features(0, 24);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 24, 4);
        for (int r = 0; r < 24; r++) y.putScalar(r, TRAIN.label(r), 1f);
        Map<String, INDArray> feed = Map.of(Trainer.INPUT, x, Trainer.LABEL, y);
        SameDiff reference = referenceGraph(model);
        List<String> vars = new ArrayList<>();
        for (CnnArchitecture.Param p : arch.params()) if (reference.hasVariable(p.name())) vars.add(p.name());
        Map<String, INDArray> want = quietly(() -> reference.calculateGradients(feed, vars));
        Map<String, INDArray> got = CnnTrainer.gradients(model, x, y);
        assertEquals(new java.util.TreeSet<>(vars), new java.util.TreeSet<>(got.keySet()), "a gradient for every trainable tensor");
        double largest = 0;
        for (String v : vars) largest = Math.max(largest, want.get(v).amaxNumber().doubleValue());
        for (String v : vars) {
            double err = got.get(v).sub(want.get(v)).amaxNumber().doubleValue();
            int module = Integer.parseInt(v.substring(0, v.indexOf('.')));
            boolean beforeBatchNorm = v.equals(module + ".bias") && arch.layers().get(module) instanceof CnnLayer.Conv2d
                    && arch.layers().get(module + 1) instanceof CnnLayer.BatchNorm2d;
            if (beforeBatchNorm) {
                // the batch norm subtracts the batch mean: the true gradient is 0 and both sides are float32 noise
                assertTrue(got.get(v).amaxNumber().doubleValue() <= 1e-3 * largest, v + " should be ~0: " + got.get(v));
                continue;
            }
            double scale = Math.max(want.get(v).amaxNumber().doubleValue(), 1e-3 * largest);
            assertTrue(err <= 1e-4 * scale, v + ": gradient differs by " + err + " (largest entry " + scale + ")\n" + got.get(v) + "\nvs\n" + want.get(v));
        }
    }

    private static <T> T quietly(java.util.function.Supplier<T> s) {
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            return s.get();
        } finally {
            System.setOut(out);
        }
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

    /**
     * The trainer runs each step in an ND4J workspace (its off-heap memory must not grow with the steps): the weights it
     * returns equal, bit for bit, those of the same steps run here without a workspace, for a plain net and a ResNet, over
     * two epochs whose last batch is smaller (the workspace's learned size is then too large, not too small, and with a
     * smaller first batch it would spill); no workspace stays open and no returned tensor lives in one.
     */
    @Test
    void stepsInTheWorkspaceEqualTheSameStepsWithoutOne() {
        Dataset train = TRAIN.subset("squares-300", java.util.stream.IntStream.range(0, 300).toArray());
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-2, 2, 32, 7);
        for (CnnArchitecture arch : List.of(small(), org.mal.core.zoo.CnnZooArchitectures.of(org.mal.core.zoo.ZooSpec.Network.RESNET, List.of(4, 6, 4), 1, 28, 28, 4))) {
            CnnModel trained = CnnTrainer.train(arch, train, config, TrainingListener.NONE);
            assertTrue(!Nd4j.getWorkspaceManager().anyWorkspaceActiveForCurrentThread(), "a workspace stayed open");
            CnnBackprop net = new CnnBackprop(arch, CnnTrainer.initialWeights(arch, config.seed()).params());
            org.nd4j.linalg.learning.config.IUpdater u = config.optimizer().updater(config.learningRate());
            Map<String, org.nd4j.linalg.learning.GradientUpdater> updaters = new java.util.LinkedHashMap<>();
            net.params().forEach((name, t) -> updaters.put(name, u.instantiate(Nd4j.zeros(DataType.FLOAT, 1, u.stateSize(t.length())), true)));
            Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
            int iteration = 0;
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                batches.reset();
                while (batches.hasNext()) {
                    org.nd4j.linalg.dataset.api.DataSet b = batches.next();
                    net.backward(net.forward(b.getFeatures(), arch.inputShape()), b.getLabels());
                    for (Map.Entry<String, INDArray> e : net.params().entrySet()) {
                        INDArray g = net.gradients().get(e.getKey());
                        updaters.get(e.getKey()).applyUpdater(g, iteration, epoch);
                        e.getValue().subi(g);
                    }
                    iteration++;
                }
            }
            assertEquals(20, iteration);
            net.params().forEach((name, t) -> assertEquals(t, trained.params().get(name), arch.describe() + " " + name));
            trained.params().forEach((name, t) -> assertTrue(!t.isAttached(), name + " lives in a workspace"));
        }
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
