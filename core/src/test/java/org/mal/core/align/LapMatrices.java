package org.mal.core.align;

/**
 * Seeded cost matrices that {@code bench/scripts/lap_reference.py} generates bit for bit (SplitMix64,
 * 53-bit uniforms, strict IEEE arithmetic in the same order), so that the scipy reference needs to
 * store only seeds, shapes and totals.
 */
final class LapMatrices {
    private LapMatrices() {}

    /** SplitMix64 (Steele, Lea and Flood 2014). */
    static final class SplitMix64 {
        private long state;

        SplitMix64(long seed) { state = seed; }

        long nextLong() {
            long z = state += 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        /** Uniform in [0, 1) with 53 random bits. */
        double nextDouble() { return (nextLong() >>> 11) * 0x1.0p-53; }
    }

    /**
     * A row-major {@code rows x cols} matrix of the given kind: {@code uniform} in [0, 1),
     * {@code integers} in 0..9 (many ties), {@code signed} in [-1000, 1000), {@code product} (rank
     * 4, entries {@code sum_k a[r][k] b[c][k]} with {@code a, b} uniform in [-1, 1), like a
     * weight-matching score).
     */
    static double[] generate(String kind, int rows, int cols, long seed) {
        SplitMix64 g = new SplitMix64(seed);
        double[] x = new double[rows * cols];
        switch (kind) {
            case "uniform" -> {
                for (int k = 0; k < x.length; k++) x[k] = g.nextDouble();
            }
            case "integers" -> {
                for (int k = 0; k < x.length; k++) x[k] = Math.floor(g.nextDouble() * 10);
            }
            case "signed" -> {
                for (int k = 0; k < x.length; k++) x[k] = (g.nextDouble() - 0.5) * 2000;
            }
            case "product" -> {
                int rank = 4;
                double[] a = new double[rows * rank];
                double[] b = new double[cols * rank];
                for (int k = 0; k < a.length; k++) a[k] = g.nextDouble() * 2 - 1;
                for (int k = 0; k < b.length; k++) b[k] = g.nextDouble() * 2 - 1;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        double s = 0;
                        for (int k = 0; k < rank; k++) s += a[r * rank + k] * b[c * rank + k];
                        x[r * cols + c] = s;
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
        return x;
    }

    /** Sum of the entries in row-major order (left to right), to check that both generators agree. */
    static double checksum(double[] x) {
        double s = 0;
        for (double e : x) s += e;
        return s;
    }
}
