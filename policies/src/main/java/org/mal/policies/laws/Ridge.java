package org.mal.policies.laws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ridge regression over one-hot features, for the learning law's {@code ridge} model: each
 * observation is a set of feature names (present = 1) and a reward. With an intercept column
 * {@code 1}, {@code A = XᵀX + diag(1e-6, k, …, k)} (the intercept all but unpenalised, so the mean
 * of the fitted values is the mean reward) and {@code w = A⁻¹Xᵀy}. A feature value never observed has weight 0 and, for the
 * exploration bonus, variance {@code 1/k} (its block of {@code A} is {@code k·I}).
 *
 * <p>The linear algebra is a plain-Java Cholesky factorisation ({@code A} is symmetric positive
 * definite) rather than ND4J's: ND4J 1.0.0-M2.1's {@code InvertMatrix} (its {@code matrix_inverse}
 * op) took about 21 s on our 2-core machine for the fit of one planning step of a 1,000-model zoo
 * with 1,000 evaluations (several hundred rows; bench {@code PlanningBench}, docs/RESULTS.md §10),
 * where the whole step now takes about 0.2 s. {@code A⁻¹}, which only the exploration bonus needs, is formed only when asked for.
 * {@code RidgeTest} checks weights and bonuses against numpy.
 */
final class Ridge {
    private static final String INTERCEPT = "";

    private final Map<String, Integer> index;
    private final double[] w;
    private final double[][] inverse;
    private final double penalty;

    private Ridge(Map<String, Integer> index, double[] w, double[][] inverse, double penalty) {
        this.index = index;
        this.w = w;
        this.inverse = inverse;
        this.penalty = penalty;
    }

    static Ridge fit(List<List<String>> xs, List<Double> ys, double penalty) { return fit(xs, ys, penalty, true); }

    /** @param withInverse form {@code A⁻¹} for {@link #predict}'s exploration bonus (O(p³); not needed without it) */
    static Ridge fit(List<List<String>> xs, List<Double> ys, double penalty, boolean withInverse) {
        if (xs.size() != ys.size() || xs.isEmpty()) throw new IllegalArgumentException("ridge needs as many rewards as rows, and at least one");
        if (!(penalty > 0)) throw new IllegalArgumentException("the ridge penalty must be > 0, got " + penalty);
        Map<String, Integer> index = new LinkedHashMap<>();
        index.put(INTERCEPT, 0);
        for (List<String> x : xs) for (String f : x) index.putIfAbsent(f, index.size());
        int p = index.size();
        double[][] a = new double[p][p];
        double[] b = new double[p];
        for (int r = 0; r < xs.size(); r++) {
            int[] cols = columns(index, xs.get(r));
            for (int i : cols) {
                b[i] += ys.get(r);
                for (int j : cols) a[i][j] += 1;
            }
        }
        for (int i = 0; i < p; i++) a[i][i] += i == 0 ? 1e-6 : penalty;
        double[][] l = cholesky(a);
        double[] w = solve(l, b);
        return new Ridge(index, w, withInverse ? inverse(l) : null, penalty);
    }

    /** The lower-triangular {@code L} with {@code L·Lᵀ = a}, for a symmetric positive definite {@code a}. */
    static double[][] cholesky(double[][] a) {
        int p = a.length;
        double[][] l = new double[p][];
        for (int i = 0; i < p; i++) {
            l[i] = new double[i + 1];
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                double[] li = l[i], lj = l[j];
                for (int k = 0; k < j; k++) s -= li[k] * lj[k];
                if (i == j) {
                    if (!(s > 0)) throw new IllegalStateException("ridge matrix not positive definite at row " + i + " (" + s + ")");
                    li[i] = Math.sqrt(s);
                } else {
                    li[j] = s / lj[j];
                }
            }
        }
        return l;
    }

    /** {@code x} with {@code L·Lᵀ·x = b}: forward then back substitution. */
    static double[] solve(double[][] l, double[] b) {
        int p = b.length;
        double[] y = new double[p];
        for (int i = 0; i < p; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        double[] x = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < p; k++) s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        return x;
    }

    /** {@code (L·Lᵀ)⁻¹} = {@code L⁻ᵀ·L⁻¹}, from the inverse of the triangular factor. */
    static double[][] inverse(double[][] l) {
        int p = l.length;
        double[][] m = new double[p][p]; // m = L⁻¹ (lower triangular), column by column
        for (int c = 0; c < p; c++) {
            m[c][c] = 1 / l[c][c];
            for (int i = c + 1; i < p; i++) {
                double s = 0;
                for (int k = c; k < i; k++) s -= l[i][k] * m[k][c];
                m[i][c] = s / l[i][i];
            }
        }
        double[][] inv = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < p; k++) s += m[k][i] * m[k][j];
                inv[i][j] = s;
                inv[j][i] = s;
            }
        }
        return inv;
    }

    /** The intercept and each observed feature value's weight, by name (the intercept as {@code ""}). */
    Map<String, Double> weights() {
        Map<String, Double> out = new LinkedHashMap<>();
        index.forEach((k, i) -> out.put(k, w[i]));
        return out;
    }

    /** Fitted value of a move with these features, plus {@code exploration·sqrt(xᵀA⁻¹x)}. */
    double predict(List<String> features, double exploration) {
        int[] cols = columns(index, features);
        double value = 0;
        for (int i : cols) value += w[i];
        if (exploration == 0) return value;
        if (inverse == null) throw new IllegalStateException("this ridge fit was made without A⁻¹; it has no exploration bonus");
        double variance = 0;
        for (int i : cols) for (int j : cols) variance += inverse[i][j];
        for (String f : features) if (!index.containsKey(f)) variance += 1 / penalty;
        return value + exploration * Math.sqrt(Math.max(0, variance));
    }

    /** The intercept's column and those of the observed features among {@code features} (duplicates once). */
    private static int[] columns(Map<String, Integer> index, List<String> features) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(INTERCEPT), features.stream())
                .map(index::get).filter(java.util.Objects::nonNull).distinct().mapToInt(Integer::intValue).toArray();
    }
}
