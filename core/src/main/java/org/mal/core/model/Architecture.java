package org.mal.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An ordered stack of layers. Dense layers are counted from 0 (the first {@code Linear} is layer 0)
 * everywhere a user names a layer. Parameter tensors are named as PyTorch names the state dict of
 * {@code nn.Sequential(Linear, ReLU, Linear, ReLU, ..., Linear)}: layer {@code i} owns
 * {@code "<2i>.weight"} ([out, in]) and {@code "<2i>.bias"} ([out]), so a PyTorch user can
 * {@code load_state_dict} our files.
 *
 * <p>The hidden units between layer {@code i} and layer {@code i + 1} form one permutation group
 * named {@code "P_i"}: see {@link #permutationSpec()}.
 */
public record Architecture(int inputSize, List<Layer> layers) {

    @JsonCreator
    public Architecture(@JsonProperty("inputSize") int inputSize, @JsonProperty("layers") List<Layer> layers) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("an architecture needs at least one layer");
        if (inputSize <= 0) throw new IllegalArgumentException("inputSize must be positive, got " + inputSize);
        int width = inputSize;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            if (layer.inputSize() != width) {
                throw new IllegalArgumentException("layer " + i + " expects " + layer.inputSize() + " inputs but receives " + width);
            }
            boolean last = i == layers.size() - 1;
            if (!last && layer.activation() == Activation.SOFTMAX) {
                throw new IllegalArgumentException("layer " + i + ": softmax is only allowed on the output layer");
            }
            width = layer.outputSize();
        }
        this.inputSize = inputSize;
        this.layers = List.copyOf(layers);
    }

    /** A ReLU MLP with a softmax output: {@code in -> hidden[0] -> ... -> out}. */
    public static Architecture mlp(int inputSize, List<Integer> hiddenWidths, int outputSize) {
        List<Layer> layers = new ArrayList<>();
        int width = inputSize;
        for (int h : hiddenWidths) {
            layers.add(new DenseLayer(width, h, Activation.RELU));
            width = h;
        }
        layers.add(new DenseLayer(width, outputSize, Activation.SOFTMAX));
        return new Architecture(inputSize, layers);
    }

    @JsonIgnore
    public int outputSize() { return layers.get(layers.size() - 1).outputSize(); }

    /** Number of layers with parameters (dense layers for an MLP). */
    @JsonIgnore
    public int depth() { return layers.size(); }

    /** Output widths of every layer but the last. */
    @JsonIgnore
    public List<Integer> hiddenWidths() {
        return layers.subList(0, layers.size() - 1).stream().map(Layer::outputSize).collect(Collectors.toList());
    }

    /** Name prefix of layer {@code i}'s tensors, e.g. {@code "4."} for layer 2. */
    public static String prefix(int layer) { return (2 * layer) + "."; }

    public static String weightName(int layer) { return prefix(layer) + "weight"; }

    public static String biasName(int layer) { return prefix(layer) + "bias"; }

    /** Every parameter tensor in order: layer 0's, then layer 1's, ... */
    @JsonIgnore
    public List<Layer.ParamSpec> params() {
        List<Layer.ParamSpec> all = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) all.addAll(layers.get(i).params(prefix(i)));
        return all;
    }

    /** Total number of scalar parameters. */
    @JsonIgnore
    public long parameterCount() {
        long n = 0;
        for (Layer.ParamSpec p : params()) {
            long size = 1;
            for (long d : p.shape()) size *= d;
            n += size;
        }
        return n;
    }

    /** Multiply-adds of one forward pass of one sample. */
    @JsonIgnore
    public long macsPerSample() {
        long n = 0;
        for (Layer l : layers) n += (long) l.inputSize() * l.outputSize();
        return n;
    }

    /**
     * Which tensor axes share one permutation of hidden units, in the manner of Git Re-Basin's
     * {@code PermutationSpec}: group {@code P_i} holds the output axes of layer {@code i} and the
     * input axes of layer {@code i + 1}. The network's input and output units are never permuted.
     */
    @JsonIgnore
    public PermutationSpec permutationSpec() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Map<String, List<PermutationSpec.AxisRef>> groups = new LinkedHashMap<>();
        for (int i = 0; i < layers.size() - 1; i++) {
            sizes.put(groupName(i), layers.get(i).outputSize());
            groups.put(groupName(i), new ArrayList<>());
        }
        for (int i = 0; i < layers.size(); i++) {
            for (Layer.ParamSpec p : layers.get(i).params(prefix(i))) {
                for (int axis = 0; axis < p.axes().size(); axis++) {
                    String group = switch (p.axes().get(axis)) {
                        case OUTPUT_UNITS -> i < layers.size() - 1 ? groupName(i) : null;
                        case INPUT_UNITS -> i > 0 ? groupName(i - 1) : null;
                        case OTHER -> null;
                    };
                    if (group != null) groups.get(group).add(new PermutationSpec.AxisRef(p.name(), axis));
                }
            }
        }
        return new PermutationSpec(sizes, groups);
    }

    /** Name of the permutation group after layer {@code i}. */
    public static String groupName(int layer) { return "P_" + layer; }

    /** A short human description such as {@code 784-128-64-10}. */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(inputSize);
        for (Layer l : layers) sb.append('-').append(l.outputSize());
        return sb.toString();
    }
}
