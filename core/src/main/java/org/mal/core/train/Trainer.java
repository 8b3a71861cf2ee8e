package org.mal.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.data.Dataset;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Layer;
import org.mal.core.model.Model;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.ListenerResponse;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.listeners.records.LossCurve;
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
    private static final String INPUT = "input";
    private static final String LABEL = "label";

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

        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        long totalSteps = (long) batches.batchesPerEpoch() * config.epochs();
        sd.fit(batches, config.epochs(), new ProgressListener(listener, totalSteps));

        Map<String, INDArray> params = new LinkedHashMap<>();
        for (Layer.ParamSpec p : arch.params()) params.put(p.name(), sd.getVariable(p.name()).getArr().dup('c'));
        Model trained = new Model(arch, params);
        for (INDArray t : params.values()) {
            if (t.isNaN().any() || t.isInfinite().any()) {
                throw new IllegalStateException("training diverged (NaN or infinite weights) with " + config
                        + "; try a smaller learning rate");
            }
        }
        return trained;
    }

    /** Forwards SameDiff's callbacks to a {@link TrainingListener}. */
    private static final class ProgressListener extends BaseListener {
        private final TrainingListener listener;
        private final long totalSteps;
        private long step;
        private double epochLoss;
        private int epochSteps;

        ProgressListener(TrainingListener listener, long totalSteps) {
            this.listener = listener;
            this.totalSteps = totalSteps;
        }

        @Override
        public boolean isActive(Operation operation) { return operation == Operation.TRAINING; }

        @Override
        public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
            double value = loss.totalLoss();
            step++;
            epochLoss += value;
            epochSteps++;
            listener.stepDone(step, totalSteps, value);
        }

        @Override
        public ListenerResponse epochEnd(SameDiff sd, At at, LossCurve lossCurve, long epochTimeMillis) {
            listener.epochDone(at.epoch() + 1, epochSteps == 0 ? Double.NaN : epochLoss / epochSteps);
            epochLoss = 0;
            epochSteps = 0;
            return ListenerResponse.CONTINUE;
        }
    }
}
