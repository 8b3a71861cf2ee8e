package org.mal.core.cnn;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link CnnArchitecture} with its tensors, named and shaped as the state dict of the
 * {@code nn.Sequential} it mirrors. Float tensors are all float32 or all float64 (the forward pass
 * runs in that type); each batch norm's {@code num_batches_tracked} is an int64 scalar.
 *
 * <p>The model treats its tensors as immutable: nothing here writes into them, and callers that
 * hand tensors in must not modify them afterwards.
 */
public final class CnnModel {
    private final CnnArchitecture architecture;
    private final Map<String, INDArray> params;
    private final DataType floatType;

    public CnnModel(CnnArchitecture architecture, Map<String, INDArray> params) {
        this.architecture = architecture;
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        DataType type = null;
        for (CnnArchitecture.Param spec : architecture.params()) {
            INDArray t = params.get(spec.name());
            if (t == null) {
                throw new IllegalArgumentException("the CNN needs tensor " + spec.name() + " " + Arrays.toString(spec.shape())
                        + " but the weights only have " + params.keySet());
            }
            if (!Arrays.equals(t.shape(), spec.shape())) {
                throw new IllegalArgumentException("tensor " + spec.name() + " has shape " + Arrays.toString(t.shape()) + ", the CNN needs "
                        + Arrays.toString(spec.shape()));
            }
            if (spec.int64()) {
                if (t.dataType() != DataType.INT64) throw new IllegalArgumentException("tensor " + spec.name() + " has type " + t.dataType() + "; it must be INT64");
            } else {
                if (t.dataType() != DataType.FLOAT && t.dataType() != DataType.DOUBLE) {
                    throw new IllegalArgumentException("tensor " + spec.name() + " has type " + t.dataType() + "; only FLOAT and DOUBLE are supported");
                }
                if (type != null && t.dataType() != type) {
                    throw new IllegalArgumentException("tensor " + spec.name() + " is " + t.dataType() + " but earlier tensors are " + type + "; use one float type");
                }
                type = t.dataType();
            }
            ordered.put(spec.name(), t);
        }
        if (ordered.size() != params.size()) {
            TreeSet<String> extra = new TreeSet<>(params.keySet());
            extra.removeAll(ordered.keySet());
            throw new IllegalArgumentException("weights have tensors the CNN does not name: " + extra);
        }
        this.params = Collections.unmodifiableMap(ordered);
        this.floatType = type == null ? DataType.FLOAT : type;
    }

    public CnnArchitecture architecture() { return architecture; }

    /** The tensors in state-dict order; an unmodifiable map of tensors that must not be written. */
    public Map<String, INDArray> params() { return params; }

    /** FLOAT or DOUBLE: the type of the float tensors and of the forward pass. */
    public DataType floatType() { return floatType; }

    /** This model with channels permuted (see {@link CnnPermutationSpec#apply}): the same function. */
    public CnnModel permuted(Map<String, int[]> perms) {
        return new CnnModel(architecture, architecture.permutationSpec().apply(params, perms));
    }

    /** This model's tensors cast to {@code type} (FLOAT or DOUBLE); counters stay int64. */
    public CnnModel castTo(DataType type) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.forEach((name, t) -> out.put(name, t.dataType() == DataType.INT64 ? t : t.castTo(type)));
        return new CnnModel(architecture, out);
    }

    /**
     * Logits of a batch of images: {@code x} is {@code [batch, c, h, w]} or flat rows
     * {@code [batch, c·h·w]} (C order, as an IDX image row), in the architecture's input shape.
     * Computed in the model's float type; {@code x} is not modified.
     */
    public INDArray logits(INDArray x) {
        INDArray h = input(x);
        for (int i = 0; i < architecture.layers().size(); i++) h = layerOutput(i, h);
        return h;
    }

    /** Output of module {@code i} for its input {@code h} (a new array; {@code h} is not modified). Eval mode. */
    public INDArray layerOutput(int i, INDArray h) {
        return layerOutput(i, h, null);
    }

    /**
     * Batch statistics seen by batch norms in train mode: per batch norm (its tensor prefix, e.g.
     * {@code "5."} or {@code "3.bn1."}) the batch's channel means and unbiased variances.
     */
    public interface BatchStatistics {
        /** Ignores the statistics. */
        BatchStatistics NONE = (prefix, mean, variance) -> { };

        void record(String prefix, INDArray mean, INDArray unbiasedVariance);
    }

    /**
     * Logits in train mode for batch norms (each normalises with its batch's mean and biased
     * variance, and reports them to {@code stats}), as PyTorch's {@code net.train()} computes them;
     * nothing else differs between the modes here. {@code x} is not modified.
     */
    public INDArray logitsTrainMode(INDArray x, BatchStatistics stats) {
        INDArray h = input(x);
        for (int i = 0; i < architecture.layers().size(); i++) h = layerOutput(i, h, stats);
        return h;
    }

    private INDArray input(INDArray x) {
        long[] in = architecture.inputShape();
        long per = in[0] * in[1] * in[2];
        if (x.rank() == 2 && x.size(1) == per) x = x.reshape('c', x.size(0), in[0], in[1], in[2]);
        if (x.rank() != 4 || x.size(1) != in[0] || x.size(2) != in[1] || x.size(3) != in[2]) {
            throw new IllegalArgumentException("input has shape " + Arrays.toString(x.shape()) + "; the CNN takes [batch, " + in[0] + ", " + in[1]
                    + ", " + in[2] + "] or [batch, " + per + "]");
        }
        return x.dataType() == floatType ? x : x.castTo(floatType);
    }

    /** Module {@code i}; batch norms in train mode when {@code stats} is not null. */
    private INDArray layerOutput(int i, INDArray h, BatchStatistics stats) {
        CnnLayer layer = architecture.layers().get(i);
        String p = i + ".";
        if (layer instanceof CnnLayer.Conv2d c) {
            return conv(h, c, params.get(p + "weight"), c.bias() ? params.get(p + "bias") : null);
        }
        if (layer instanceof CnnLayer.BatchNorm2d b) {
            return batchNorm(h, p, b.eps(), stats);
        }
        if (layer instanceof CnnLayer.Relu) {
            return Nd4j.nn().relu(h, 0.0);
        }
        if (layer instanceof CnnLayer.MaxPool2d m) {
            return Nd4j.exec(new MaxPooling2D(h, null, pooling(m.kernel(), m.stride(), Pooling2D.Pooling2DType.MAX)))[0];
        }
        if (layer instanceof CnnLayer.AvgPool2d a) {
            return Nd4j.exec(new AvgPooling2D(h, null, pooling(a.kernel(), a.stride(), Pooling2D.Pooling2DType.AVG)))[0];
        }
        if (layer instanceof CnnLayer.GlobalAvgPool) {
            return h.mean(2, 3).reshape(h.size(0), h.size(1), 1, 1);
        }
        if (layer instanceof CnnLayer.Flatten) {
            return h.dup('c').reshape('c', h.size(0), h.length() / h.size(0));
        }
        if (layer instanceof CnnLayer.Linear l) {
            INDArray w = params.get(p + "weight");
            INDArray z = Nd4j.createUninitialized(w.dataType(), new long[] {h.rows(), w.rows()}, 'c');
            INDArray bias = l.bias() ? params.get(p + "bias") : Nd4j.zeros(w.dataType(), w.rows());
            Nd4j.exec(DynamicCustomOp.builder("xw_plus_b").addInputs(h, w.transpose(), bias).addOutputs(z).build());
            return z;
        }
        if (layer instanceof CnnLayer.ResidualBlock r) {
            INDArray out = Nd4j.nn().relu(batchNorm(conv(h, r.conv1(), params.get(p + "conv1.weight"), null), p + "bn1.", BN_EPS, stats), 0.0);
            out = batchNorm(conv(out, r.conv2(), params.get(p + "conv2.weight"), null), p + "bn2.", BN_EPS, stats);
            INDArray shortcut = r.projection()
                    ? batchNorm(conv(h, r.downsample(), params.get(p + "downsample.0.weight"), null), p + "downsample.1.", BN_EPS, stats)
                    : h;
            return Nd4j.nn().relu(out.addi(shortcut), 0.0);
        }
        throw new IllegalStateException("no forward pass for " + layer.describe());
    }

    /**
     * The inner activation of residual block {@code i} (eval mode): {@code relu(bn1(conv1(h)))}, the
     * input of its {@code conv2}, which activation matching and statistics read; {@code h} is not modified.
     */
    public INDArray residualInner(int i, INDArray h) {
        if (!(architecture.layers().get(i) instanceof CnnLayer.ResidualBlock r)) {
            throw new IllegalArgumentException("module " + i + " is " + architecture.layers().get(i).describe() + ", not a residual block");
        }
        String p = i + ".";
        return Nd4j.nn().relu(batchNorm(conv(h, r.conv1(), params.get(p + "conv1.weight"), null), p + "bn1.", BN_EPS, null), 0.0);
    }

    /** Batch norm eps inside residual blocks (PyTorch's default). */
    static final double BN_EPS = CnnLayer.BatchNorm2d.DEFAULT_EPS;

    private static INDArray conv(INDArray h, CnnLayer.Conv2d c, INDArray weight, INDArray bias) {
        Conv2DConfig config = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride()).pH(c.padding()).pW(c.padding())
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
        return Nd4j.exec(new Conv2D(h, weight, bias, config))[0];
    }

    /**
     * Batch norm of the tensors under {@code prefix}: eval mode ({@code stats == null}) with the
     * running statistics, folded per channel as {@code y = x · s + t}, {@code s = γ / √(v + ε)},
     * {@code t = β − μ · s}; train mode with the batch's mean and biased variance over batch,
     * height and width, reported to {@code stats} (variance made unbiased, as PyTorch tracks it).
     */
    private INDArray batchNorm(INDArray h, String prefix, double eps, BatchStatistics stats) {
        long channels = h.size(1);
        INDArray gamma = params.get(prefix + "weight");
        INDArray beta = params.get(prefix + "bias");
        if (stats == null) {
            INDArray scale = Nd4j.math().sqrt(params.get(prefix + "running_var").add(eps)).rdivi(1.0).muli(gamma);
            INDArray shift = beta.sub(params.get(prefix + "running_mean").mul(scale));
            return perChannel(perChannel(h, scale, false), shift, true);
        }
        INDArray mean = h.mean(0, 2, 3);
        INDArray centred = Nd4j.createUninitialized(h.dataType(), h.shape());
        Nd4j.exec(new BroadcastSubOp(h, mean, centred, 1));
        long n = h.size(0) * h.size(2) * h.size(3);
        INDArray biased = centred.mul(centred).mean(0, 2, 3);
        stats.record(prefix, mean, biased.mul((double) n / (n - 1)));
        INDArray scale = Nd4j.math().sqrt(biased.add(eps)).rdivi(1.0).muli(gamma);
        return perChannel(Nd4j.exec(new BroadcastMulOp(centred, scale, centred, 1)), beta, true);
    }

    /**
     * {@code x[:, c, :, :] · v[c]} (or {@code + v[c]} with {@code add}) into a new array, by ND4J's broadcast op along
     * axis 1. (Materialising {@code v} with {@code INDArray.broadcast} first cost about 1 s per 500 MNIST rows at 8
     * channels: the evaluation of a CNN was mostly that.)
     */
    private static INDArray perChannel(INDArray x, INDArray v, boolean add) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape());
        return Nd4j.exec(add ? new BroadcastAddOp(x, v, out, 1) : new BroadcastMulOp(x, v, out, 1));
    }

    private static Pooling2DConfig pooling(int kernel, int stride, Pooling2D.Pooling2DType type) {
        return Pooling2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).type(type).divisor(Pooling2D.Divisor.INCLUDE_PADDING).isNHWC(false).build();
    }

    @Override
    public String toString() { return "CnnModel(" + architecture.describe() + ")"; }
}
