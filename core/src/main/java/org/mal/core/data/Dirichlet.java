package org.mal.core.data;

import java.util.Random;

/**
 * Seeded draws from Gamma and Dirichlet distributions, for non-IID (label-skewed) data shards.
 *
 * <p>Written here rather than taken from a library: ND4J's random gamma op runs natively and its
 * stream is not specified across backends, and commons-math3 only reaches us transitively (through
 * ND4J) and is not a dependency we pin. Thirty lines on {@link java.util.Random} give draws that are
 * identical on every JVM for a given seed, which the zoo's reproducibility needs.
 *
 * <ul>
 *   <li><b>Gamma(a, 1)</b>, a ≥ 1: Marsaglia and Tsang (2000), "A simple method for generating gamma
 *       variables": d = a − 1/3, c = 1/√(9d); draw x ~ N(0, 1) until v = (1 + cx)³ > 0, u ~ U(0, 1);
 *       accept dv if u < 1 − 0.0331x⁴ or ln u < x²/2 + d(1 − v + ln v).
 *   <li>a &lt; 1: Gamma(a) = Gamma(a + 1) · U^{1/a} (the same paper's boost).
 *   <li><b>Dirichlet(α)</b>: g_i ~ Gamma(α_i, 1) independently, p_i = g_i / Σ g. Mean α_i / Σα, variance
 *       α_i(Σα − α_i) / ((Σα)²(Σα + 1)). The g_i are drawn in log space (ln Gamma(a + 1) + ln U / a)
 *       and normalised by the largest, so very small α, where every g_i would underflow to 0, still
 *       gives proportions that sum to 1.
 * </ul>
 */
public final class Dirichlet {
    private Dirichlet() {}

    /** One draw from Gamma(shape, 1); {@code random} advances. */
    public static double gamma(double shape, Random random) {
        if (!(shape > 0) || Double.isInfinite(shape)) throw new IllegalArgumentException("gamma shape must be positive and finite, got " + shape);
        return Math.exp(logGamma(shape, random));
    }

    /** ln of one Gamma(shape, 1) draw, so that tiny shapes do not underflow. */
    private static double logGamma(double shape, Random random) {
        if (shape < 1) {
            double boosted = logGamma(shape + 1, random);
            double u = 1 - random.nextDouble(); // in (0, 1]
            return boosted + Math.log(u) / shape;
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = random.nextGaussian();
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return Math.log(d * v);
            if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
        }
    }

    /**
     * One draw from Dirichlet(alpha): {@code alpha.length} non-negative proportions summing to 1.
     * {@code alpha} is not modified; {@code random} advances.
     */
    public static double[] sample(double[] alpha, Random random) {
        if (alpha.length == 0) throw new IllegalArgumentException("Dirichlet needs at least one concentration");
        double[] logs = new double[alpha.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < alpha.length; i++) {
            if (!(alpha[i] > 0) || Double.isInfinite(alpha[i])) {
                throw new IllegalArgumentException("Dirichlet concentration " + i + " must be positive and finite, got " + alpha[i]);
            }
            logs[i] = logGamma(alpha[i], random);
            max = Math.max(max, logs[i]);
        }
        // Normalising in log space (subtracting the max) keeps the largest share finite for tiny alpha.
        double[] p = new double[alpha.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logs[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    /** A symmetric draw: Dirichlet(alpha, …, alpha) over {@code k} parts. */
    public static double[] symmetric(double alpha, int k, Random random) {
        double[] a = new double[k];
        java.util.Arrays.fill(a, alpha);
        return sample(a, random);
    }
}
