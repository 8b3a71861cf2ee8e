package org.mal.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.cnn.BatchNormStatistics;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.cnn.CnnModel;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains {@link CnnModel}s with SameDiff, as {@link Trainer} trains MLPs: softmax cross-entropy on
 * one-hot labels, the same seeded minibatches ({@link Batches}), the same optimizers; the same
 * architecture, data and config give bit-identical tensors on the same machine.
 *
 * <p>The graph: image rows reshaped to NCHW; {@code conv2d} (our {@code [out, in, k, k]} weights
 * permuted to ND4J's {@code [k, k, in, out]} inside the graph); batch norm in train mode, written
 * out in ops (per-channel batch mean and biased variance over batch, height and width);
 * {@code maxPooling2d}/{@code avgPooling2d}; mean over height and width for global pooling;
 * reshape for flatten; matrix product for linear; residual blocks from those ops and an add.
 *
 * <p>Running statistics: SameDiff's {@code fit} has no hook to update buffers between steps, so
 * they are not tracked as PyTorch does (momentum 0.1). After each epoch they are measured afresh
 * on a fixed sample of at most 2,000 training rows with {@link BatchNormStatistics#reset} (PyTorch's
 * {@code reset_bn_stats}); {@code num_batches_tracked} counts the optimizer steps, as in PyTorch.
 */
public final class CnnTrainer {
    private static final int MONITOR_ROWS = 2_000;

    private CnnTrainer() {}

    /**
     * PyTorch's default initialisation: conv and linear weights and biases uniform in
     * {@code [-1/sqrt(fan_in), 1/sqrt(fan_in)]} ({@code fan_in = in·k·k} for a conv), drawn from a
     * {@link SplittableRandom} seeded with {@code seed} in state-dict order, row-major; batch norm
     * weight 1, bias 0, running mean 0, running variance 1, counter 0. Float32.
     */
    public static CnnModel initialWeights(CnnArchitecture arch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) shapes.put(p.name(), p.shape());
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) {
            String name = p.name();
            String prefix = name.substring(0, name.lastIndexOf('.') + 1);
            boolean batchNorm = shapes.containsKey(prefix + "running_mean");
            long[] shape = p.shape();
            if (p.int64()) {
                params.put(name, Nd4j.scalar(DataType.INT64, 0L));
            } else if (batchNorm) {
                boolean one = name.endsWith(".weight") || name.endsWith(".running_var");
                params.put(name, one ? Nd4j.ones(DataType.FLOAT, shape) : Nd4j.zeros(DataType.FLOAT, shape));
            } else {
                long[] weight = shapes.get(prefix + "weight");      // a conv's or linear's: fan_in = in·k·k or in
                long fanIn = 1;
                for (int a = 1; a < weight.length; a++) fanIn *= weight[a];
                params.put(name, uniform(random, 1 / Math.sqrt(fanIn), shape));
            }
        }
        return new CnnModel(arch, params);
    }

    private static INDArray uniform(SplittableRandom random, double bound, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[Math.toIntExact(n)];
        for (int k = 0; k < v.length; k++) v[k] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return Nd4j.create(v, shape, DataType.FLOAT);
    }

    /** Trains from {@link #initialWeights}{@code (arch, config.seed())}. */
    public static CnnModel train(CnnArchitecture arch, Dataset train, TrainConfig config, TrainingListener listener) {
        return train(initialWeights(arch, config.seed()), train, config, listener);
    }

    /** Trains a float32 copy of {@code start}; {@code start} itself is not modified. */
    public static CnnModel train(CnnModel start, Dataset train, TrainConfig config, TrainingListener listener) {
        return train(start, train, config, listener, new org.nd4j.autodiff.listeners.Listener[0]);
    }

    /**
     * The same, with SameDiff listeners that hear every training step's ops as well (e.g. the op timer of
     * {@code bench/.../CnnTrainingProfile}); they must not change any value.
     */
    public static CnnModel train(CnnModel start, Dataset train, TrainConfig config, TrainingListener listener,
                                 org.nd4j.autodiff.listeners.Listener... opListeners) {
        CnnArchitecture arch = start.architecture();
        long[] in = arch.inputShape();
        if (train.featureCount() != in[0] * in[1] * in[2] || train.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("the CNN (" + in[0] + "x" + in[1] + "x" + in[2] + " images, " + arch.outputSize() + " classes) does not fit dataset "
                    + train);
        }
        start = start.castTo(DataType.FLOAT);
        SameDiff sd = graph(start);
        sd.setTrainingConfig(TrainingConfig.builder()
                .updater(config.optimizer().updater(config.learningRate()))
                .dataSetFeatureMapping(Trainer.INPUT)
                .dataSetLabelMapping(Trainer.LABEL)
                .build());
        Trainer.createGradientsQuietly(sd);

        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        long totalSteps = (long) batches.batchesPerEpoch() * config.epochs();
        Dataset monitor = train.size() <= MONITOR_ROWS ? train
                : train.subset(train.name() + "-monitor", Splits.stratified(train.labels(), train.classCount(), MONITOR_ROWS, config.seed()).selected());
        Trainer.StepCounter counter = new Trainer.StepCounter(listener, totalSteps);
        CnnModel current = start;
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            org.nd4j.autodiff.listeners.Listener[] all = java.util.Arrays.copyOf(opListeners, opListeners.length + 1);
            all[opListeners.length] = counter;
            sd.fit(batches, 1, all);
            current = snapshot(sd, start, counter.steps(), monitor, Math.max(2, config.batchSize()));
            for (INDArray t : current.params().values()) {
                if (t.dataType() != DataType.INT64 && (t.isNaN().any() || t.isInfinite().any())) {
                    throw new IllegalStateException("training diverged (NaN or infinite weights) in epoch " + epoch + " with " + config
                            + "; try a smaller learning rate");
                }
            }
            listener.epochDone(epoch, CnnEvaluation.evaluate(current, monitor));
        }
        return current;
    }

    /** Name of the logits in the training graph. */
    static final String LOGITS = "logits";

    /**
     * The training graph of a float32 model: placeholders {@link Trainer#INPUT} (image rows) and
     * {@link Trainer#LABEL} (one-hot), variables named as the model's tensors, {@link #LOGITS} and the
     * softmax cross-entropy {@code "loss"}. Batch norms use batch statistics (train mode).
     */
    static SameDiff graph(CnnModel start) {
        CnnArchitecture arch = start.architecture();
        long[] in = arch.inputShape();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder(Trainer.INPUT, DataType.FLOAT, -1, in[0] * in[1] * in[2]);
        SDVariable label = sd.placeHolder(Trainer.LABEL, DataType.FLOAT, -1, arch.outputSize());
        SDVariable h = sd.reshape(x, -1, in[0], in[1], in[2]);
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer layer = arch.layers().get(i);
            String p = i + ".";
            if (layer instanceof CnnLayer.Conv2d c) {
                h = conv(sd, start, h, c, p);
            } else if (layer instanceof CnnLayer.BatchNorm2d b) {
                h = batchNorm(sd, start, h, p, b.channels(), b.eps());
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                double eps = CnnLayer.BatchNorm2d.DEFAULT_EPS;
                SDVariable out = sd.nn.relu(batchNorm(sd, start, conv(sd, start, h, r.conv1(), p + "conv1."), p + "bn1.", r.outChannels(), eps), 0);
                out = batchNorm(sd, start, conv(sd, start, out, r.conv2(), p + "conv2."), p + "bn2.", r.outChannels(), eps);
                SDVariable shortcut = r.projection()
                        ? batchNorm(sd, start, conv(sd, start, h, r.downsample(), p + "downsample.0."), p + "downsample.1.", r.outChannels(), eps)
                        : h;
                h = sd.nn.relu(out.add(shortcut), 0);
            } else if (layer instanceof CnnLayer.Relu) {
                h = sd.nn.relu(h, 0);
            } else if (layer instanceof CnnLayer.MaxPool2d m) {
                h = sd.cnn().maxPooling2d(h, pooling(m.kernel(), m.stride(), Pooling2D.Pooling2DType.MAX));
            } else if (layer instanceof CnnLayer.AvgPool2d a) {
                h = sd.cnn().avgPooling2d(h, pooling(a.kernel(), a.stride(), Pooling2D.Pooling2DType.AVG));
            } else if (layer instanceof CnnLayer.GlobalAvgPool) {
                h = sd.mean(h, true, 2, 3);
            } else if (layer instanceof CnnLayer.Flatten) {
                h = sd.reshape(h, -1, arch.shapeAfter(i)[0]);
            } else if (layer instanceof CnnLayer.Linear l) {
                SDVariable w = sd.var(p + "weight", start.params().get(p + "weight").dup());
                h = sd.mmul(h, w, false, true, false);
                if (l.bias()) h = h.add(sd.var(p + "bias", start.params().get(p + "bias").dup()));
            } else {
                throw new IllegalStateException("no training graph for " + layer.describe());
            }
        }
        SDVariable logits = sd.identity(LOGITS, h);
        sd.loss.softmaxCrossEntropy("loss", label, logits, null);
        return sd;
    }

    /** A conv of the graph: our {@code [out, in, k, k]} weight variable, permuted to ND4J's {@code [k, k, in, out]}. */
    private static SDVariable conv(SameDiff sd, CnnModel start, SDVariable h, CnnLayer.Conv2d c, String prefix) {
        SDVariable w = sd.var(prefix + "weight", start.params().get(prefix + "weight").dup()).permute(2, 3, 1, 0);
        Conv2DConfig config = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride()).pH(c.padding()).pW(c.padding())
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        return c.bias() ? sd.cnn().conv2d(h, w, sd.var(prefix + "bias", start.params().get(prefix + "bias").dup()), config) : sd.cnn().conv2d(h, w, config);
    }

    /** Batch norm in train mode: the batch's per-channel mean and biased variance over batch, height and width. */
    private static SDVariable batchNorm(SameDiff sd, CnnModel start, SDVariable h, String prefix, int channels, double eps) {
        SDVariable gamma = sd.var(prefix + "weight", start.params().get(prefix + "weight").dup()).reshape(1, channels, 1, 1);
        SDVariable beta = sd.var(prefix + "bias", start.params().get(prefix + "bias").dup()).reshape(1, channels, 1, 1);
        SDVariable mean = sd.mean(h, true, 0, 2, 3);
        SDVariable centred = h.sub(mean);
        SDVariable variance = sd.mean(centred.mul(centred), true, 0, 2, 3);
        return centred.div(sd.math.sqrt(variance.add(eps))).mul(gamma).add(beta);
    }

    private static Pooling2DConfig pooling(int kernel, int stride, Pooling2D.Pooling2DType type) {
        return Pooling2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).type(type).divisor(Pooling2D.Divisor.INCLUDE_PADDING).isNHWC(false).build();
    }

    /** The graph's variables as a model, counters advanced by the steps, running statistics measured on {@code monitor}. */
    private static CnnModel snapshot(SameDiff sd, CnnModel start, long steps, Dataset monitor, int batchSize) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        start.params().forEach((name, t) -> {
            if (name.endsWith(CnnArchitecture.NUM_BATCHES_TRACKED)) {
                params.put(name, Nd4j.scalar(DataType.INT64, t.getLong(0) + steps));
            } else if (sd.hasVariable(name)) {
                params.put(name, sd.getVariable(name).getArr().dup('c'));
            } else {
                params.put(name, t);    // running statistics: measured below
            }
        });
        return BatchNormStatistics.reset(new CnnModel(start.architecture(), params), monitor.features(0, monitor.size()), batchSize);
    }
}
