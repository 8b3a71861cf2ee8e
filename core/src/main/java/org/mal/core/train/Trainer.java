package org.mal.core.train;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Layer;
import org.mal.core.model.Model;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains dense models with SameDiff: softmax cross-entropy on one-hot labels, minibatches from
 * {@link Batches}, initial weights from {@link #initialWeights}. The same architecture, data and
 * config give bit-identical weights on the same machine.
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
        for (Layer layer : arch.layers()) {
            if (layer.activation() == Activation.IDENTITY && layer != arch.layers().get(arch.depth() - 1)) {
                throw new IllegalArgumentException("training supports ReLU hidden layers only");
            }
        }
        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder(INPUT, DataType.FLOAT, -1, arch.inputSize());
        SDVariable label = sd.placeHolder(LABEL, DataType.FLOAT, -1, arch.outputSize());
        for (int i = 0; i < arch.depth(); i++) {
            SDVariable w = sd.var(Architecture.weightName(i), start.weight(i).castTo(DataType.FLOAT).dup());
            SDVariable b = sd.var(Architecture.biasName(i), start.bias(i).castTo(DataType.FLOAT).dup());
            SDVariable z = sd.mmul(h, w, false, true, false).add(b);
            h = arch.layers().get(i).activation() == Activation.RELU ? sd.nn.relu(z, 0) : z;
        }
        sd.loss.softmaxCrossEntropy("loss", label, h, null);
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(config.optimizer().updater(config.learningRate()))
                .dataSetFeatureMapping(INPUT)
                .dataSetLabelMapping(LABEL)
                .build());

        createGradientsQuietly(sd);

        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        long totalSteps = (long) batches.batchesPerEpoch() * config.epochs();
        Dataset monitor = monitorSample(train, config.seed());
        StepCounter counter = new StepCounter(listener, totalSteps);
        Model current = start;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            sd.fit(batches, 1, counter);
            current = snapshot(sd, arch);
            if (!allFinite(current)) {
                throw new IllegalStateException("training diverged (NaN or infinite weights) in epoch " + epoch + " with "
                        + config + "; try a smaller learning rate");
            }
            listener.epochDone(epoch, Evaluator.evaluate(current, monitor));
        }
        return current;
    }

    /**
     * Fits the variables of a graph with {@link #INPUT} and {@link #LABEL} placeholders and a loss
     * (constants stay as they are): the optimizer loop of {@link #train}, for other graphs (NP Merge).
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

    private static Model snapshot(SameDiff sd, Architecture arch) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (Layer.ParamSpec p : arch.params()) params.put(p.name(), sd.getVariable(p.name()).getArr().dup('c'));
        return new Model(arch, params);
    }

    private static boolean allFinite(Model model) {
        for (INDArray t : model.params().values()) {
            if (t.isNaN().any() || t.isInfinite().any()) return false;
        }
        return true;
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

    /**
     * Counts optimizer steps for the listener. (The {@code Loss} SameDiff 1.0.0-M2.1 hands to
     * listeners and its loss curve read 0.0 in our runs, so losses come from {@link Evaluator}.)
     */
    static final class StepCounter extends BaseListener {
        private final TrainingListener listener;
        private final long totalSteps;
        private long step;

        StepCounter(TrainingListener listener, long totalSteps) {
            this.listener = listener;
            this.totalSteps = totalSteps;
        }

        /** Optimizer steps counted so far. */
        long steps() { return step; }

        @Override
        public boolean isActive(Operation operation) { return operation == Operation.TRAINING; }

        @Override
        public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
            listener.stepDone(++step, totalSteps);
        }
    }
}
