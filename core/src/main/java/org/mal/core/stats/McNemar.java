package org.mal.core.stats;

/**
 * McNemar's exact test for two classifiers on the same rows: of the rows where they disagree, {@code b}
 * are right for the first only and {@code c} for the second only; under the null hypothesis (equal
 * accuracy) {@code b ~ Binomial(b + c, 1/2)}. The two-sided p-value is
 * {@code min(1, 2·P(X ≤ min(b, c)))}, summed in log space so that tens of thousands of discordant
 * rows do not underflow. Written here because it is a few lines; tested against
 * {@code scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue}.
 */
public final class McNemar {
    private McNemar() {}

    /** The comparison of two classifiers' per-row correctness. */
    public record Result(int onlyFirst, int onlySecond, double p) {
        /** Rows the second gets right that the first does not, minus the reverse. */
        public int netGainOfSecond() { return onlySecond - onlyFirst; }
    }

    /** @param first per row, whether the first classifier is right; {@code second} likewise, same rows */
    public static Result compare(boolean[] first, boolean[] second) {
        if (first.length != second.length) throw new IllegalArgumentException("the same rows for both: " + first.length + " vs " + second.length);
        int b = 0;
        int c = 0;
        for (int r = 0; r < first.length; r++) {
            if (first[r] && !second[r]) b++;
            else if (!first[r] && second[r]) c++;
        }
        return new Result(b, c, exactP(b, c));
    }

    /** Two-sided exact p-value for {@code b} and {@code c} discordant rows. */
    public static double exactP(int b, int c) {
        if (b < 0 || c < 0) throw new IllegalArgumentException("counts must be >= 0, got " + b + " and " + c);
        int n = b + c;
        if (n == 0) return 1.0;
        int k = Math.min(b, c);
        // log C(n, i) by the running product; log-sum-exp of the tail
        double logHalfN = n * Math.log(0.5);
        double logC = 0;
        double[] terms = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            if (i > 0) logC += Math.log((double) (n - i + 1) / i);
            terms[i] = logC + logHalfN;
        }
        double max = terms[k];
        double sum = 0;
        for (double t : terms) sum += Math.exp(t - max);
        return Math.min(1.0, 2 * Math.exp(max + Math.log(sum)));
    }
}
