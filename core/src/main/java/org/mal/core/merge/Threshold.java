package org.mal.core.merge;

import java.util.function.DoubleUnaryOperator;

/**
 * The merging threshold (paper §4): λ* is the largest λ such that the merge's loss on the base task
 * stays at or below a limit, for every λ from 0 up to it. It starts from a loss curve on a coarse
 * grid (the last grid point of the leading run under the limit) and refines between that point and
 * the next one, either on an even grid of {@code points} interior values or by {@code points}
 * bisection steps. The loss is assumed to grow with λ inside that bracket; where it does not, the
 * refined grid still returns the end of the leading run, and bisection a value whose loss is under
 * the limit.
 */
public final class Threshold {
    private Threshold() {}

    public enum Method { REFINED_GRID, BISECTION }

    /**
     * λ*, searched on any loss function of λ (the coarse {@code loss} values are given, not recomputed).
     *
     * @param lambdas the coarse grid, from 0 to 1, ascending
     * @param loss the base-task loss of the merge at each coarse λ
     * @param limit the largest admissible loss
     * @return λ*, in [0, 1]; 0 when even λ = 0 is over the limit
     */
    public static double search(DoubleUnaryOperator lossAt, double[] lambdas, double[] loss, double limit, Method method, int points) {
        if (lambdas.length != loss.length) throw new IllegalArgumentException("a loss per grid point is needed");
        if (points < 0) throw new IllegalArgumentException("points must be >= 0, got " + points);
        if (!(loss[0] <= limit)) return 0;
        int k = 0;
        while (k + 1 < loss.length && loss[k + 1] <= limit) k++;
        if (k == loss.length - 1) return lambdas[k];
        double lo = lambdas[k];
        double hi = lambdas[k + 1];
        if (method == Method.REFINED_GRID) {
            double best = lo;
            for (int p = 1; p <= points; p++) {
                double l = lo + (hi - lo) * p / (points + 1);
                if (!(lossAt.applyAsDouble(l) <= limit)) break;
                best = l;
            }
            return best;
        }
        double a = lo;
        double b = hi;
        for (int s = 0; s < points; s++) {
            double mid = 0.5 * (a + b);
            if (lossAt.applyAsDouble(mid) <= limit) a = mid;
            else b = mid;
        }
        return a;
    }
}
