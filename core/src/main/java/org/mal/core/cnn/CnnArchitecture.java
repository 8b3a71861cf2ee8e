package org.mal.core.cnn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A convolutional network as PyTorch's {@code nn.Sequential} of {@link CnnLayer}s over input
 * images {@code [channels, height, width]} (NCHW batches; MNIST is {@code [1, 28, 28]}). Module
 * {@code i} names its tensors {@code "<i>.weight"}, {@code "<i>.bias"}, and for batch norm also
 * {@code "<i>.running_mean"}, {@code "<i>.running_var"}, {@code "<i>.num_batches_tracked"}: the keys
 * of that {@code nn.Sequential}'s state dict, so PyTorch loads our files with {@code load_state_dict}.
 *
 * <p>The constructor follows the shapes from the input through every module and rejects a
 * network that does not fit, naming the module; the network must end in rows (the logits).
 *
 * @param layers the modules in {@code nn.Sequential} order; position = PyTorch index
 */
public record CnnArchitecture(int channels, int height, int width, List<CnnLayer> layers) {

    /** The tensor named {@code "<i>.num_batches_tracked"} of a batch norm: int64 scalar. */
    public static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    /** A batch norm's float vectors, in PyTorch's state-dict order. */
    public static final List<String> BATCH_NORM_VECTORS = List.of("weight", "bias", "running_mean", "running_var");

    @JsonCreator
    public CnnArchitecture(@JsonProperty("channels") int channels, @JsonProperty("height") int height, @JsonProperty("width") int width,
                           @JsonProperty("layers") List<CnnLayer> layers) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input must have positive channels, height and width, got " + channels + "x" + height + "x" + width);
        }
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("a CNN needs at least one module");
        long[] shape = {channels, height, width};
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("module " + i + ": " + e.getMessage(), e);
            }
        }
        if (shape.length != 1) {
            throw new IllegalArgumentException("a CNN must end in rows of logits, but its last module gives maps " + Arrays.toString(shape));
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.layers = List.copyOf(layers);
    }

    /** Shape of one input sample, {@code [channels, height, width]}. */
    @JsonIgnore
    public long[] inputShape() { return new long[] {channels, height, width}; }

    /** Shape of one sample after module {@code i} ({@code i = -1}: the input). */
    public long[] shapeAfter(int i) {
        long[] shape = inputShape();
        for (int k = 0; k <= i; k++) shape = layers.get(k).outputShape(shape);
        return shape;
    }

    /** Number of classes (length of the logits). */
    @JsonIgnore
    public int outputSize() { return (int) shapeAfter(layers.size() - 1)[0]; }

    /** A tensor of the network: its state-dict name, shape, and whether it is int64 ({@code num_batches_tracked}). */
    public record Param(String name, long[] shape, boolean int64) {
        @Override public long[] shape() { return shape.clone(); }

        @Override public boolean equals(Object o) {
            return o instanceof Param p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.int64 == int64;
        }

        @Override public int hashCode() { return name.hashCode(); }

        @Override public String toString() { return name + Arrays.toString(shape) + (int64 ? " int64" : ""); }
    }

    /** Every tensor, in state-dict order (module order; within a module PyTorch's order). */
    @JsonIgnore
    public List<Param> params() {
        List<Param> all = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String p = i + ".";
            CnnLayer layer = layers.get(i);
            if (layer instanceof CnnLayer.Conv2d c) {
                all.add(new Param(p + "weight", new long[] {c.outChannels(), c.inChannels(), c.kernel(), c.kernel()}, false));
                if (c.bias()) all.add(new Param(p + "bias", new long[] {c.outChannels()}, false));
            } else if (layer instanceof CnnLayer.BatchNorm2d b) {
                for (String n : BATCH_NORM_VECTORS) all.add(new Param(p + n, new long[] {b.channels()}, false));
                all.add(new Param(p + NUM_BATCHES_TRACKED, new long[0], true));
            } else if (layer instanceof CnnLayer.Linear l) {
                all.add(new Param(p + "weight", new long[] {l.outFeatures(), l.inFeatures()}, false));
                if (l.bias()) all.add(new Param(p + "bias", new long[] {l.outFeatures()}, false));
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                all.add(convWeight(p + "conv1.", r.conv1()));
                batchNorm(all, p + "bn1.", r.outChannels());
                all.add(convWeight(p + "conv2.", r.conv2()));
                batchNorm(all, p + "bn2.", r.outChannels());
                if (r.projection()) {
                    all.add(convWeight(p + "downsample.0.", r.downsample()));
                    batchNorm(all, p + "downsample.1.", r.outChannels());
                }
            }
        }
        return all;
    }

    private static Param convWeight(String prefix, CnnLayer.Conv2d c) {
        return new Param(prefix + "weight", new long[] {c.outChannels(), c.inChannels(), c.kernel(), c.kernel()}, false);
    }

    private static void batchNorm(List<Param> all, String prefix, int channels) {
        for (String n : BATCH_NORM_VECTORS) all.add(new Param(prefix + n, new long[] {channels}, false));
        all.add(new Param(prefix + NUM_BATCHES_TRACKED, new long[0], true));
    }

    /** Number of scalar parameters and float buffers (running statistics count; the int64 counters do not). */
    @JsonIgnore
    public long parameterCount() {
        long n = 0;
        for (Param p : params()) {
            if (p.int64()) continue;
            long size = 1;
            for (long d : p.shape()) size *= d;
            n += size;
        }
        return n;
    }

    /** Index of the last module with parameters (its outputs are the logits' units, never permuted). */
    private int lastParamLayer() {
        for (int i = layers.size() - 1; i >= 0; i--) if (layers.get(i).hasParams()) return i;
        return -1;
    }

    /**
     * Which tensor axes share one permutation (Git Re-Basin's spec for a plain CNN). Each
     * {@code Conv2d} and {@code Linear} but the last module with parameters starts a group
     * {@code "P_<i>"} (its position {@code i}) on its output axis: the weight's axis 0 and the bias.
     * The group runs with the activations through ReLU and pooling (which act per channel), onto the
     * four float vectors of every batch norm it meets, to the input axis (1) of the next conv or
     * linear. A {@code Flatten} of {@code [c, h, w]} maps makes each channel a block of {@code h·w}
     * consecutive inputs of the next linear, so the group acts there on blocks
     * ({@link CnnPermutationSpec.AxisRef#block()} = {@code h·w}); after global pooling {@code h·w = 1},
     * one input per channel. The network's input channels and logits are never permuted. Residual
     * blocks: see {@link #residual}.
     */
    @JsonIgnore
    public CnnPermutationSpec permutationSpec() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Map<String, List<CnnPermutationSpec.AxisRef>> groups = new LinkedHashMap<>();
        int last = lastParamLayer();
        String current = null;
        int block = 1;
        long[] shape = inputShape();
        for (int i = 0; i < layers.size(); i++) {
            CnnLayer layer = layers.get(i);
            String p = i + ".";
            if (layer instanceof CnnLayer.Conv2d c) {
                if (current != null) groups.get(current).add(new CnnPermutationSpec.AxisRef(p + "weight", 1, 1));
                current = i == last ? null : startGroup(sizes, groups, i, c.outChannels(), p, c.bias());
            } else if (layer instanceof CnnLayer.Linear l) {
                if (current != null) groups.get(current).add(new CnnPermutationSpec.AxisRef(p + "weight", 1, block));
                block = 1;
                current = i == last ? null : startGroup(sizes, groups, i, l.outFeatures(), p, l.bias());
            } else if (layer instanceof CnnLayer.BatchNorm2d && current != null) {
                for (String n : BATCH_NORM_VECTORS) groups.get(current).add(new CnnPermutationSpec.AxisRef(p + n, 0, 1));
            } else if (layer instanceof CnnLayer.Flatten) {
                block = (int) (shape[1] * shape[2]);
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                current = residual(sizes, groups, i, r, current);
            }
            shape = layer.outputShape(shape);
        }
        return new CnnPermutationSpec(sizes, groups);
    }

    /**
     * A residual block's groups: the block's input group (the stream, {@code stream}) reaches the
     * inputs of {@code conv1} and of the projection; a group {@code "P_<i>.inner"} runs from
     * {@code conv1}'s outputs through {@code bn1} to {@code conv2}'s inputs. The outputs of
     * {@code conv2} and {@code bn2} are added to the shortcut, so they must be in the shortcut's
     * basis: with the identity shortcut they join the stream group (one permutation for the stem and
     * every block of a stage); with a projection they start a new stream group {@code "P_<i>"} shared
     * with the projection's conv and batch norm. Returns the group of the block's output.
     */
    private static String residual(Map<String, Integer> sizes, Map<String, List<CnnPermutationSpec.AxisRef>> groups, int i,
                                   CnnLayer.ResidualBlock r, String stream) {
        String p = i + ".";
        if (stream != null) {
            groups.get(stream).add(new CnnPermutationSpec.AxisRef(p + "conv1.weight", 1, 1));
            if (r.projection()) groups.get(stream).add(new CnnPermutationSpec.AxisRef(p + "downsample.0.weight", 1, 1));
        }
        String inner = "P_" + i + ".inner";
        sizes.put(inner, r.outChannels());
        List<CnnPermutationSpec.AxisRef> innerAxes = new ArrayList<>();
        innerAxes.add(new CnnPermutationSpec.AxisRef(p + "conv1.weight", 0, 1));
        for (String n : BATCH_NORM_VECTORS) innerAxes.add(new CnnPermutationSpec.AxisRef(p + "bn1." + n, 0, 1));
        innerAxes.add(new CnnPermutationSpec.AxisRef(p + "conv2.weight", 1, 1));
        groups.put(inner, innerAxes);
        String out = stream;
        if (r.projection()) {
            out = "P_" + i;
            sizes.put(out, r.outChannels());
            groups.put(out, new ArrayList<>());
            groups.get(out).add(new CnnPermutationSpec.AxisRef(p + "downsample.0.weight", 0, 1));
            for (String n : BATCH_NORM_VECTORS) groups.get(out).add(new CnnPermutationSpec.AxisRef(p + "downsample.1." + n, 0, 1));
        }
        if (out != null) {
            groups.get(out).add(new CnnPermutationSpec.AxisRef(p + "conv2.weight", 0, 1));
            for (String n : BATCH_NORM_VECTORS) groups.get(out).add(new CnnPermutationSpec.AxisRef(p + "bn2." + n, 0, 1));
        }
        return out;
    }

    private static String startGroup(Map<String, Integer> sizes, Map<String, List<CnnPermutationSpec.AxisRef>> groups, int i, int size,
                                     String prefix, boolean bias) {
        String g = "P_" + i;
        sizes.put(g, size);
        List<CnnPermutationSpec.AxisRef> axes = new ArrayList<>();
        axes.add(new CnnPermutationSpec.AxisRef(prefix + "weight", 0, 1));
        if (bias) axes.add(new CnnPermutationSpec.AxisRef(prefix + "bias", 0, 1));
        groups.put(g, axes);
        return g;
    }

    /** The {@code nn.Sequential} this mirrors, one module per line, as PyTorch prints it. */
    public String describe() {
        StringBuilder sb = new StringBuilder("Sequential(input " + channels + "x" + height + "x" + width + ": ");
        for (int i = 0; i < layers.size(); i++) sb.append(i == 0 ? "" : ", ").append('(').append(i).append(") ").append(layers.get(i).describe());
        return sb.append(')').toString();
    }
}
