package org.mal.core.train;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Layer;
import org.mal.core.model.Model;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains dense models: softmax cross-entropy on one-hot labels, minibatches from {@link Batches},
 * initial weights from {@link #initialWeights}, the passes and optimizer step of {@link MlpBackprop}
 * (SameDiff's autodiff before issue 20; {@link #fit} still fits SameDiff graphs). The same
 * architecture, data and config give bit-identical weights on the same machine.
 */
public final class Trainer {
    /** Names of the placeholders of a training graph: features and one-hot labels. */
    public static final String INPUT = "input";
    public static final String LABEL = "label";
    private static final int MONITOR_ROWS = 2_000;

    private Trainer() {}

    /**
     * PyTorch's default {@code nn.Linear} initialisation: weights and biases uniform in
     * {@code [-1/sqrt(in), 1/sqrt(in)]} (Kaiming-uniform with a = sqrt(5)), drawn from a
     * {@link SplittableRandom} seeded with {@code seed}, layer by layer in order, weights row-major
     * before biases.
     */
    public static Model initialWeights(Architecture arch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (int i = 0; i < arch.depth(); i++) {
            Layer layer = arch.layers().get(i);
            float bound = (float) (1.0 / Math.sqrt(layer.inputSize()));
            for (Layer.ParamSpec p : layer.params(Architecture.prefix(i))) {
                long[] shape = p.shape();
                long n = 1;
                for (long d : shape) n *= d;
                float[] values = new float[Math.toIntExact(n)];
                for (int k = 0; k < values.length; k++) values[k] = (float) ((random.nextDouble() * 2 - 1) * bound);
                params.put(p.name(), Nd4j.create(values, shape, DataType.FLOAT));
            }
        }
        return new Model(arch, params);
    }

    /** Trains from {@link #initialWeights}{@code (arch, config.seed())}. */
    public static Model train(Architecture arch, Dataset train, TrainConfig config, TrainingListener listener) {
        return train(initialWeights(arch, config.seed()), train, config, listener);
    }

    /** Trains a copy of {@code start}; {@code start} itself is not modified. */
    public static Model train(Model start, Dataset train, TrainConfig config, TrainingListener listener) {
        Architecture arch = start.architecture();
        if (train.featureCount() != arch.inputSize() || train.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("model " + arch.describe() + " does not fit dataset " + train);
        }
        MlpBackprop net = new MlpBackprop(start, config.optimizer(), config.learningRate());
        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        long totalSteps = (long) batches.batchesPerEpoch() * config.epochs();
        Dataset monitor = monitorSample(train, config.seed());
        INDArray features = train.sharedFeatures();
        Model current = start;
        int iteration = 0;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            if (epoch > 1) batches.reset();
            while (batches.hasNext()) {
                int[] rows = batches.nextRows();
                int[] labels = new int[rows.length];
                for (int k = 0; k < rows.length; k++) labels[k] = train.label(rows[k]);
                net.step(net.batch(features, rows), labels, iteration);
                iteration++;
                listener.stepDone(iteration, totalSteps);
            }
            if (!net.finite()) {
                throw new IllegalStateException("training diverged (NaN or infinite weights) in epoch " + epoch + " with "
                        + config + "; try a smaller learning rate");
            }
            current = net.snapshot();
            listener.epochDone(epoch, Evaluator.evaluate(current, monitor));
        }
        return current;
    }

    /**
     * Fits the variables of a graph with {@link #INPUT} and {@link #LABEL} placeholders and a loss
     * (constants stay as they are) with SameDiff's {@code fit}, on the batches and with the updater that
     * {@link #train} would use, for graphs that are not plain MLPs (NP Merge).
     */
    public static void fit(SameDiff sd, Dataset data, Optimizer optimizer, double learningRate, int batchSize, int epochs, long seed) {
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(optimizer.updater(learningRate))
                .dataSetFeatureMapping(INPUT)
                .dataSetLabelMapping(LABEL)
                .build());
        createGradientsQuietly(sd);
        Batches batches = new Batches(data, batchSize, seed ^ 0x5DEECE66DL);
        for (int epoch = 1; epoch <= epochs; epoch++) sd.fit(batches, 1);
    }

    /** Rows of the training set whose loss is reported after each epoch: at most 2,000, fixed by the seed. */
    private static Dataset monitorSample(Dataset train, long seed) {
        if (train.size() <= MONITOR_ROWS) return train;
        int[] rows = Splits.stratified(train.labels(), train.classCount(), MONITOR_ROWS, seed).selected();
        return train.subset(train.name() + "-monitor", rows);
    }

    /**
     * Builds the gradient graph now rather than inside {@code fit}: SameDiff 1.0.0-M2.1 prints one
     * "Added differentiated op" line per op to standard output while doing so, which would corrupt
     * the output of a command line. Standard output is muted for that call only.
     */
    static void createGradientsQuietly(SameDiff sd) {
        synchronized (System.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(out);
            }
        }
    }
}
