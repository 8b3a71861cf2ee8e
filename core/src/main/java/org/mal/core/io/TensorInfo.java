package org.mal.core.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of a safetensors header.
 *
 * @param dtype safetensors dtype name as written in the header, e.g. {@code "F32"} or {@code "BF16"}
 * @param shape dimensions in C (row-major) order; empty for a scalar
 * @param begin first byte of the tensor, relative to the start of the data buffer after the header
 * @param end   one past the last byte, relative to the start of the data buffer
 */
public record TensorInfo(String dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
    }

    /** A copy of the shape (records would otherwise expose the mutable array). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the dimensions, 1 for a scalar. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Number of bytes the tensor occupies in the data buffer. */
    public long byteLength() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return "TensorInfo[dtype=" + dtype + ", shape=" + Arrays.toString(shape)
                + ", begin=" + begin + ", end=" + end + "]";
    }
}
