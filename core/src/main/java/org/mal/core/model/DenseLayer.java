package org.mal.core.model;

import java.util.List;
import java.util.Objects;

/**
 * A fully connected layer {@code y = act(x · Wᵀ + b)} with {@code W} of shape [out, in] and
 * {@code b} of shape [out], as PyTorch's {@code nn.Linear} stores them.
 */
public record DenseLayer(int inputSize, int outputSize, Activation activation) implements Layer {
    public DenseLayer {
        if (inputSize <= 0 || outputSize <= 0) {
            throw new IllegalArgumentException("dense layer sizes must be positive, got " + inputSize + " -> " + outputSize);
        }
        Objects.requireNonNull(activation, "activation");
    }

    @Override
    public List<ParamSpec> params(String prefix) {
        return List.of(
                new ParamSpec(prefix + "weight", new long[] {outputSize, inputSize}, List.of(AxisRole.OUTPUT_UNITS, AxisRole.INPUT_UNITS)),
                new ParamSpec(prefix + "bias", new long[] {outputSize}, List.of(AxisRole.OUTPUT_UNITS)));
    }
}
