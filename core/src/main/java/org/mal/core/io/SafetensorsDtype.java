package org.mal.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The byte-sized dtypes of the safetensors spec. All are accepted in headers (so {@link Safetensors#readHeader}
 * can list any model); {@link #decode} converts the subset we use to ND4J arrays.
 */
enum SafetensorsDtype {
    F64(8), I64(8), U64(8),
    F32(4), I32(4), U32(4),
    F16(2), BF16(2), I16(2), U16(2),
    I8(1), U8(1), BOOL(1), F8_E4M3(1), F8_E5M2(1);

    /** Bytes per element. */
    final int size;

    SafetensorsDtype(int size) {
        this.size = size;
    }

    static Optional<SafetensorsDtype> parse(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The dtype we write for an ND4J array, or empty if we do not write that type. */
    static Optional<SafetensorsDtype> forNd4j(DataType type) {
        return switch (type) {
            case FLOAT -> Optional.of(F32);
            case DOUBLE -> Optional.of(F64);
            case LONG -> Optional.of(I64);          // batch norm's num_batches_tracked
            default -> Optional.empty();
        };
    }

    /** Whether {@link #decode} supports this dtype. */
    boolean isDecodable() {
        return switch (this) {
            case F32, F64, F16, BF16, I64, I32 -> true;
            default -> false;
        };
    }

    /**
     * Bulk-converts {@code numel} little-endian elements starting at the buffer's position into a C-order array:
     * F32 to FLOAT, F64 to DOUBLE, F16 and BF16 to FLOAT (exactly; every half value is a float), I64 to LONG,
     * I32 to INT.
     */
    INDArray decode(ByteBuffer bytes, long[] shape, int numel) {
        ByteBuffer le = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (this) {
            case F32: {
                float[] v = new float[numel];
                le.asFloatBuffer().get(v);
                return Nd4j.create(v, shape, DataType.FLOAT);
            }
            case F64: {
                double[] v = new double[numel];
                le.asDoubleBuffer().get(v);
                return Nd4j.create(v, shape, DataType.DOUBLE);
            }
            case F16:
            case BF16: {
                short[] h = new short[numel];
                le.asShortBuffer().get(h);
                float[] v = new float[numel];
                for (int i = 0; i < numel; i++) {
                    v[i] = this == F16 ? halfToFloat(h[i]) : Float.intBitsToFloat(h[i] << 16);
                }
                return Nd4j.create(v, shape, DataType.FLOAT);
            }
            case I64: {
                long[] v = new long[numel];
                le.asLongBuffer().get(v);
                return Nd4j.create(v, shape, DataType.INT64);
            }
            case I32: {
                int[] v = new int[numel];
                le.asIntBuffer().get(v);
                return Nd4j.create(v, shape, DataType.INT32);
            }
            default:
                // callers check isDecodable() first and report the file; reaching here is a bug
                throw new IllegalStateException("dtype " + this + " is not decodable; check isDecodable() first");
        }
    }

    /**
     * IEEE 754 binary16 to binary32, exact, keeping signs, subnormals, infinities and NaN payloads
     * (Java 17 lacks {@code Float.float16ToFloat}).
     */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1f;
        int mantissa = half & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent != 0) {
            return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
        }
        float subnormal = mantissa * 0x1p-24f;
        return sign != 0 ? -subnormal : subnormal;
    }
}
