package org.mal.core.data;

import java.util.Arrays;

/**
 * The content of one IDX file: element type, dimensions and the data exactly as stored (big-endian,
 * row-major, {@code count() * type.size()} bytes).
 *
 * <p>Keeping the raw bytes means a 60000x28x28 unsigned-byte file costs 47 MB, not 376 MB of
 * doubles. Use {@link #unsignedBytes()} for the MNIST family, or {@link #get(int)} /
 * {@link #toDoubles()} for any type. The record does not copy its arrays; treat them as read-only.
 */
public record IdxArray(IdxType type, int[] dims, byte[] raw) {

    public IdxArray {
        long count = 1;
        for (int d : dims) count *= d;
        if (count * type.size() != raw.length) {
            throw new IllegalArgumentException("IDX " + type + " array of dims " + Arrays.toString(dims) + " needs "
                    + count * type.size() + " bytes, got " + raw.length);
        }
    }

    /** Number of elements (product of the dimensions). */
    public int count() { return raw.length / type.size(); }

    /** Size of dimension {@code i}. */
    public int dim(int i) { return dims[i]; }

    /** Number of dimensions. */
    public int rank() { return dims.length; }

    /**
     * The data of an {@link IdxType#UNSIGNED_BYTE} array, not copied: read element {@code i} as
     * {@code raw[i] & 0xFF}.
     *
     * @throws IllegalStateException for any other type
     */
    public byte[] unsignedBytes() {
        if (type != IdxType.UNSIGNED_BYTE) throw new IllegalStateException("IDX array holds " + type + ", not UNSIGNED_BYTE");
        return raw;
    }

    /** Element {@code i} (flat, row-major) converted to double. */
    public double get(int i) {
        int at = i * type.size();
        return switch (type) {
            case UNSIGNED_BYTE -> raw[i] & 0xFF;
            case SIGNED_BYTE -> raw[i];
            case SHORT -> (short) ((raw[at] << 8) | (raw[at + 1] & 0xFF));
            case INT -> intAt(at);
            case FLOAT -> Float.intBitsToFloat(intAt(at));
            case DOUBLE -> Double.longBitsToDouble(((long) intAt(at) << 32) | (intAt(at + 4) & 0xFFFFFFFFL));
        };
    }

    private int intAt(int at) {
        return (raw[at] << 24) | ((raw[at + 1] & 0xFF) << 16) | ((raw[at + 2] & 0xFF) << 8) | (raw[at + 3] & 0xFF);
    }

    /** All elements converted to double (a new array). */
    public double[] toDoubles() {
        int n = count();
        double[] out = new double[n];
        if (type == IdxType.UNSIGNED_BYTE) {
            for (int i = 0; i < n; i++) out[i] = raw[i] & 0xFF;
            return out;
        }
        if (type == IdxType.SIGNED_BYTE) {
            for (int i = 0; i < n; i++) out[i] = raw[i];
            return out;
        }
        for (int i = 0; i < n; i++) out[i] = get(i);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdxArray a && a.type == type && Arrays.equals(a.dims, dims) && Arrays.equals(a.raw, raw);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type.hashCode() + Arrays.hashCode(dims)) + Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "IdxArray(" + type + ", dims " + Arrays.toString(dims) + ")";
    }
}
