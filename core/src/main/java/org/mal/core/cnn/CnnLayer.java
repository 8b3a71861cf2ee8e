package org.mal.core.cnn;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Arrays;

/**
 * One module of a {@link CnnArchitecture}, as one entry of PyTorch's {@code nn.Sequential}: the
 * module at position {@code i} owns the tensors {@code "<i>.weight"}, {@code "<i>.bias"}, ... of
 * its state dict; parameter-free modules (ReLU, pooling, flatten) own none but still take a
 * position, so the names of a MAL CNN are exactly those of the {@code nn.Sequential} it mirrors.
 *
 * <p>Activations flow as NCHW maps {@code [batch, channels, height, width]} until a {@link Flatten}
 * makes them rows {@code [batch, channels·height·width]} (C order, channel-major, as
 * {@code torch.flatten(x, 1)}), which {@link Linear} layers consume. {@link #outputShape} gives the
 * shape of one sample after the module: {@code [c, h, w]} for maps, {@code [n]} for rows.
 *
 * <p>Why a second layer family instead of new {@code org.mal.core.model.Layer} implementations: the
 * MLP {@code Architecture} names its tensors {@code "<2i>."} (Linear, ReLU pairs), counts layers as
 * dense layers everywhere a user names one, and its alignment code (weight matching, transplant,
 * zip, REPAIR) indexes units as "outputs of dense layer k". A conv net's tensors and groups do not
 * fit those indices; folding them in would have changed every MLP path. This family stands beside
 * it with its own permutation spec ({@link CnnPermutationSpec}) and aligner ({@link CnnChannelMatching}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = CnnLayer.Conv2d.class, name = "conv2d"),
        @JsonSubTypes.Type(value = CnnLayer.BatchNorm2d.class, name = "batchnorm2d"),
        @JsonSubTypes.Type(value = CnnLayer.Relu.class, name = "relu"),
        @JsonSubTypes.Type(value = CnnLayer.MaxPool2d.class, name = "maxpool2d"),
        @JsonSubTypes.Type(value = CnnLayer.AvgPool2d.class, name = "avgpool2d"),
        @JsonSubTypes.Type(value = CnnLayer.GlobalAvgPool.class, name = "globalavgpool"),
        @JsonSubTypes.Type(value = CnnLayer.Flatten.class, name = "flatten"),
        @JsonSubTypes.Type(value = CnnLayer.Linear.class, name = "linear"),
        @JsonSubTypes.Type(value = CnnLayer.ResidualBlock.class, name = "residual")})
public sealed interface CnnLayer {

    /**
     * The shape of one sample after this module, given the shape before it ({@code [c, h, w]} or
     * {@code [n]}); an {@link IllegalArgumentException} naming the module and both shapes when the
     * input does not fit.
     */
    long[] outputShape(long[] in);

    /** The PyTorch module this mirrors, e.g. {@code Conv2d(1, 8, kernel_size=3, stride=1, padding=1)}. */
    String describe();

    private static long[] requireMap(CnnLayer layer, long[] in) {
        if (in.length != 3) throw new IllegalArgumentException(layer.describe() + " needs [channels, height, width] maps but receives rows " + Arrays.toString(in));
        return in;
    }

    /** Output length of a window of {@code kernel} sliding by {@code stride} over {@code size + 2·padding}. */
    private static long slide(CnnLayer layer, long size, int kernel, int stride, int padding) {
        long padded = size + 2L * padding;
        if (padded < kernel) {
            throw new IllegalArgumentException(layer.describe() + ": a " + size + "-pixel side (padding " + padding + ") is smaller than the kernel " + kernel);
        }
        return (padded - kernel) / stride + 1;
    }

    /**
     * {@code nn.Conv2d(inChannels, outChannels, kernel, stride, padding, bias)} with a square kernel,
     * no dilation, one group, zero padding. Weight {@code [out, in, k, k]}, bias {@code [out]}.
     */
    record Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias) implements CnnLayer {
        public Conv2d {
            if (inChannels <= 0 || outChannels <= 0) throw new IllegalArgumentException("conv2d channels must be positive, got " + inChannels + " -> " + outChannels);
            if (kernel <= 0 || stride <= 0 || padding < 0) {
                throw new IllegalArgumentException("conv2d needs kernel >= 1, stride >= 1, padding >= 0; got kernel " + kernel + ", stride " + stride + ", padding " + padding);
            }
        }

        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            if (in[0] != inChannels) throw new IllegalArgumentException(describe() + " expects " + inChannels + " channels but receives " + in[0]);
            return new long[] {outChannels, slide(this, in[1], kernel, stride, padding), slide(this, in[2], kernel, stride, padding)};
        }

        @Override
        public String describe() {
            return "Conv2d(" + inChannels + ", " + outChannels + ", kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding
                    + (bias ? "" : ", bias=False") + ")";
        }
    }

    /**
     * {@code nn.BatchNorm2d(channels, eps)} in eval mode: {@code y = (x − running_mean) / √(running_var + eps) · weight + bias}
     * per channel. Tensors {@code weight, bias, running_mean, running_var} ({@code [channels]}) and
     * {@code num_batches_tracked} (an int64 scalar: carried, never used by the eval-mode function).
     */
    record BatchNorm2d(int channels, double eps) implements CnnLayer {
        public static final double DEFAULT_EPS = 1e-5;

        public BatchNorm2d {
            if (channels <= 0) throw new IllegalArgumentException("batchnorm2d channels must be positive, got " + channels);
            if (!(eps > 0)) throw new IllegalArgumentException("batchnorm2d eps must be positive, got " + eps);
        }

        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            if (in[0] != channels) throw new IllegalArgumentException(describe() + " expects " + channels + " channels but receives " + in[0]);
            return in.clone();
        }

        @Override
        public String describe() { return "BatchNorm2d(" + channels + (eps == DEFAULT_EPS ? "" : ", eps=" + eps) + ")"; }
    }

    /** {@code nn.ReLU()} on maps or rows. */
    record Relu() implements CnnLayer {
        @Override public long[] outputShape(long[] in) { return in.clone(); }

        @Override public String describe() { return "ReLU()"; }
    }

    /** {@code nn.MaxPool2d(kernel, stride)}, no padding. */
    record MaxPool2d(int kernel, int stride) implements CnnLayer {
        public MaxPool2d {
            if (kernel <= 0 || stride <= 0) throw new IllegalArgumentException("maxpool2d needs kernel and stride >= 1, got " + kernel + ", " + stride);
        }

        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            return new long[] {in[0], slide(this, in[1], kernel, stride, 0), slide(this, in[2], kernel, stride, 0)};
        }

        @Override public String describe() { return "MaxPool2d(kernel_size=" + kernel + ", stride=" + stride + ")"; }
    }

    /** {@code nn.AvgPool2d(kernel, stride)}, no padding: the mean of each window. */
    record AvgPool2d(int kernel, int stride) implements CnnLayer {
        public AvgPool2d {
            if (kernel <= 0 || stride <= 0) throw new IllegalArgumentException("avgpool2d needs kernel and stride >= 1, got " + kernel + ", " + stride);
        }

        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            return new long[] {in[0], slide(this, in[1], kernel, stride, 0), slide(this, in[2], kernel, stride, 0)};
        }

        @Override public String describe() { return "AvgPool2d(kernel_size=" + kernel + ", stride=" + stride + ")"; }
    }

    /** Global average pooling, {@code nn.AdaptiveAvgPool2d(1)}: each channel's mean, as a 1×1 map. */
    record GlobalAvgPool() implements CnnLayer {
        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            return new long[] {in[0], 1, 1};
        }

        @Override public String describe() { return "AdaptiveAvgPool2d(output_size=1)"; }
    }

    /** {@code nn.Flatten()}: {@code [c, h, w]} maps to rows of {@code c·h·w}, channel-major. */
    record Flatten() implements CnnLayer {
        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            return new long[] {in[0] * in[1] * in[2]};
        }

        @Override public String describe() { return "Flatten()"; }
    }

    /** {@code nn.Linear(in, out, bias)}: {@code y = x · Wᵀ + b}, weight {@code [out, in]}, bias {@code [out]}. */
    record Linear(int inFeatures, int outFeatures, boolean bias) implements CnnLayer {
        public Linear {
            if (inFeatures <= 0 || outFeatures <= 0) throw new IllegalArgumentException("linear sizes must be positive, got " + inFeatures + " -> " + outFeatures);
        }

        @Override
        public long[] outputShape(long[] in) {
            if (in.length != 1) throw new IllegalArgumentException(describe() + " needs rows but receives maps " + Arrays.toString(in) + " (a Flatten is missing)");
            if (in[0] != inFeatures) throw new IllegalArgumentException(describe() + " expects " + inFeatures + " inputs but receives " + in[0]);
            return new long[] {outFeatures};
        }

        @Override
        public String describe() { return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures + (bias ? "" : ", bias=False") + ")"; }
    }

    /**
     * A residual block as torchvision's {@code BasicBlock}: {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}
     * with 3×3 convs without bias ({@code conv1} with the block's stride, {@code conv2} stride 1,
     * padding 1), and a shortcut that is the identity, or, when the stride is not 1 or the channels
     * change, a projection {@code downsample = Sequential(Conv2d(in, out, 1, stride, bias=False),
     * BatchNorm2d(out))}. Its tensors are named as that module's state dict under the block's
     * position: {@code "<i>.conv1.weight"}, {@code "<i>.bn1.*"}, {@code "<i>.conv2.weight"},
     * {@code "<i>.bn2.*"}, {@code "<i>.downsample.0.weight"}, {@code "<i>.downsample.1.*"}.
     */
    record ResidualBlock(int inChannels, int outChannels, int stride) implements CnnLayer {
        public ResidualBlock {
            if (inChannels <= 0 || outChannels <= 0) throw new IllegalArgumentException("residual block channels must be positive, got " + inChannels + " -> " + outChannels);
            if (stride <= 0) throw new IllegalArgumentException("residual block stride must be positive, got " + stride);
        }

        /** Whether the shortcut is a projection (1×1 conv + batch norm) rather than the identity. */
        @JsonIgnore
        public boolean projection() { return stride != 1 || inChannels != outChannels; }

        /** The block's first conv. */
        @JsonIgnore
        public Conv2d conv1() { return new Conv2d(inChannels, outChannels, 3, stride, 1, false); }

        /** The block's second conv. */
        @JsonIgnore
        public Conv2d conv2() { return new Conv2d(outChannels, outChannels, 3, 1, 1, false); }

        /** The projection's conv (only used when {@link #projection()}). */
        @JsonIgnore
        public Conv2d downsample() { return new Conv2d(inChannels, outChannels, 1, stride, 0, false); }

        @Override
        public long[] outputShape(long[] in) {
            requireMap(this, in);
            if (in[0] != inChannels) throw new IllegalArgumentException(describe() + " expects " + inChannels + " channels but receives " + in[0]);
            return conv2().outputShape(conv1().outputShape(in));
        }

        @Override
        public String describe() { return "BasicBlock(" + inChannels + ", " + outChannels + ", stride=" + stride + (projection() ? ", downsample" : "") + ")"; }
    }

    /** Whether this module has tensors of its own. */
    @JsonIgnore
    default boolean hasParams() { return this instanceof Conv2d || this instanceof BatchNorm2d || this instanceof Linear || this instanceof ResidualBlock; }
}
