package org.mal.bench;

/**
 * The seeded cost matrices of {@code bench/scripts/lap_reference.py}, bit for bit (SplitMix64,
 * 53-bit uniforms, the same IEEE operations in the same order), so that our solver and scipy are
 * timed on identical matrices without shipping them. A copy of the test generator
 * {@code org.mal.core.align.LapMatrices} (test code is not visible from this module).
 */
public final class LapMatrices {
    private LapMatrices() {}

    /**
     * A row-major {@code rows x cols} matrix: {@code uniform} in [0, 1), {@code integers} in 0..9,
     * {@code signed} in [-1000, 1000), or {@code product} (rank 4, {@code sum_k a[r][k] b[c][k]} with
     * {@code a, b} uniform in [-1, 1), like a weight-matching score).
     */
    public static double[] generate(String kind, int rows, int cols, long seed) {
        long[] state = {seed};
        double[] x = new double[Math.multiplyExact(rows, cols)];
        switch (kind) {
            case "uniform" -> {
                for (int k = 0; k < x.length; k++) x[k] = nextDouble(state);
            }
            case "integers" -> {
                for (int k = 0; k < x.length; k++) x[k] = Math.floor(nextDouble(state) * 10);
            }
            case "signed" -> {
                for (int k = 0; k < x.length; k++) x[k] = (nextDouble(state) - 0.5) * 2000;
            }
            case "product" -> {
                int rank = 4;
                double[] a = new double[rows * rank];
                double[] b = new double[cols * rank];
                for (int k = 0; k < a.length; k++) a[k] = nextDouble(state) * 2 - 1;
                for (int k = 0; k < b.length; k++) b[k] = nextDouble(state) * 2 - 1;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        double s = 0;
                        for (int k = 0; k < rank; k++) s += a[r * rank + k] * b[c * rank + k];
                        x[r * cols + c] = s;
                    }
                }
            }
            default -> throw new IllegalArgumentException("unknown kind " + kind + " (uniform, integers, signed, product)");
        }
        return x;
    }

    /** SplitMix64 (Steele, Lea and Flood 2014): next value in [0, 1) with 53 random bits. */
    private static double nextDouble(long[] state) {
        long z = state[0] += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }
}
