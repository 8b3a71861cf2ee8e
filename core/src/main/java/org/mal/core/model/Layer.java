package org.mal.core.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * One block of an {@link Architecture}. A layer names its own parameter tensors and says which of
 * their axes carry its input units and which its output units; the architecture turns that into a
 * {@link PermutationSpec}. Conv, residual and attention blocks are added as new implementations
 * (conv kernels carry channels on two axes, a residual block shares the stream permutation with its
 * neighbours) without changing the alignment code, which only reads the spec.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = DenseLayer.class, name = "dense")})
public sealed interface Layer permits DenseLayer {

    /** Number of input units (features or channels) the layer consumes. */
    int inputSize();

    /** Number of output units the layer produces. */
    int outputSize();

    Activation activation();

    /**
     * The layer's parameter tensors, named with the given prefix (e.g. {@code "0."}), with their
     * shapes and, per axis, whether it indexes the layer's input units, output units or neither.
     */
    List<ParamSpec> params(String prefix);

    /** A tensor of a layer: its name, shape and what each axis indexes. */
    record ParamSpec(String name, long[] shape, List<AxisRole> axes) {
        public ParamSpec {
            if (shape.length != axes.size()) {
                throw new IllegalArgumentException(name + ": " + shape.length + " dims but " + axes.size() + " axis roles");
            }
            shape = shape.clone();
            axes = List.copyOf(axes);
        }

        @Override
        public long[] shape() { return shape.clone(); }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParamSpec p && p.name.equals(name) && java.util.Arrays.equals(p.shape, shape) && p.axes.equals(axes);
        }

        @Override
        public int hashCode() { return name.hashCode() * 31 + java.util.Arrays.hashCode(shape); }

        @Override
        public String toString() { return name + java.util.Arrays.toString(shape) + axes; }
    }

    /** What one axis of a parameter tensor indexes. */
    enum AxisRole { INPUT_UNITS, OUTPUT_UNITS, OTHER }
}
