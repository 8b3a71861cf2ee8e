package org.mal.policies.laws;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

/**
 * Ridge regression over one-hot features, for the learning law's {@code ridge} model: each
 * observation is a set of feature names (present = 1) and a reward. With an intercept column
 * {@code 1}, {@code A = XᵀX + diag(1e-6, k, …, k)} (the intercept all but unpenalised, so the mean
 * of the fitted values is the mean reward) and {@code w = A⁻¹Xᵀy}. A feature value never observed has weight 0 and, for the
 * exploration bonus, variance {@code 1/k} (its block of {@code A} is {@code k·I}). The inverse is
 * ND4J's ({@link InvertMatrix}, in double precision); the matrices are small (one row per distinct
 * feature value seen).
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

    static Ridge fit(List<List<String>> xs, List<Double> ys, double penalty) {
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
        INDArray inv = InvertMatrix.invert(Nd4j.create(a).castTo(DataType.DOUBLE), false);
        double[][] inverse = inv.toDoubleMatrix();
        double[] w = new double[p];
        for (int i = 0; i < p; i++) {
            double s = 0;
            for (int j = 0; j < p; j++) s += inverse[i][j] * b[j];
            w[i] = s;
        }
        return new Ridge(index, w, inverse, penalty);
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
