package org.mal.core.stats;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A paired bootstrap interval for the difference of two means measured on the same rows (e.g. the
 * per-row loss of an assembly and of its origin on one test set): rows are resampled with
 * replacement, the same rows for both, {@code resamples} times; the interval is the percentile
 * interval of the resampled mean differences. Seeded, so a report prints the same interval twice.
 *
 * <p>Written here rather than taken from a library: it is a dozen lines, and the stack has no
 * statistics library (scipy's {@code bootstrap} is the reference; the test checks the interval
 * against the normal approximation, which it must approach on large samples).
 */
public final class PairedBootstrap {
    private PairedBootstrap() {}

    /**
     * The observed mean difference {@code mean(second − first)} and its {@code level} percentile
     * interval; {@code shareBelowZero}: the share of resampled differences below 0 (a one-sided bootstrap
     * estimate that the second's mean is the lower).
     */
    public record Interval(double difference, double low, double high, double level, int resamples, double shareBelowZero) {
        /** Whether the interval excludes 0. */
        public boolean excludesZero() { return low > 0 || high < 0; }
    }

    /** 95% interval from 2,000 resamples, seed 0. */
    public static Interval of(double[] first, double[] second) { return of(first, second, 0.95, 2_000, 0); }

    /**
     * @param first per-row values of the first (e.g. the origin's loss), same rows as {@code second}
     * @throws IllegalArgumentException when the lengths differ, there are no rows, or a value is not finite
     */
    public static Interval of(double[] first, double[] second, double level, int resamples, long seed) {
        if (first.length != second.length) throw new IllegalArgumentException("the same rows for both: " + first.length + " vs " + second.length);
        if (first.length == 0) throw new IllegalArgumentException("a bootstrap needs at least one row");
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        if (resamples < 100) throw new IllegalArgumentException("at least 100 resamples, got " + resamples);
        int n = first.length;
        double[] d = new double[n];
        double observed = 0;
        for (int r = 0; r < n; r++) {
            d[r] = second[r] - first[r];
            if (!Double.isFinite(d[r])) throw new IllegalArgumentException("row " + r + " is not finite: " + first[r] + ", " + second[r]);
            observed += d[r];
        }
        observed /= n;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] means = new double[resamples];
        int below = 0;
        for (int b = 0; b < resamples; b++) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += d[rng.nextInt(n)];
            means[b] = sum / n;
            if (means[b] < 0) below++;
        }
        Arrays.sort(means);
        double tail = (1 - level) / 2;
        return new Interval(observed, quantile(means, tail), quantile(means, 1 - tail), level, resamples, (double) below / resamples);
    }

    /** Linear interpolation between order statistics (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
