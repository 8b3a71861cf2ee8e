package org.mal.core.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Bootstrap intervals over clusters: for observations that come in correlated groups (the several
 * single-layer merges of one model pair, say), whole clusters are resampled with replacement, so
 * the interval reflects how many independent units there are rather than how many observations.
 * Two statistics: a group's mean ({@link #mean}), and the difference of two groups' means
 * ({@link #difference}: mean of the second − mean of the first), each observation belonging to a
 * cluster and to one of the two groups. A resample in which a group is empty is drawn again.
 * Percentile intervals, seeded.
 *
 * <p>Written here rather than taken from a library: the stack has no statistics library, and it is
 * the same dozen lines as {@link PairedBootstrap} with clusters. With one observation per cluster it
 * is the ordinary bootstrap; the test checks it against the normal approximation in that case, and
 * that clustering widens the interval when clusters are internally correlated.
 */
public final class ClusterBootstrap {
    private ClusterBootstrap() {}

    /** The observed statistic and its {@code level} percentile interval over {@code resamples} resamples of clusters. */
    public record Interval(double estimate, double low, double high, double level, int resamples, int clusters) {
        /** Whether the interval excludes 0. */
        public boolean excludesZero() { return low > 0 || high < 0; }
    }

    /** The mean of {@code values}, {@code cluster[i]} naming observation i's cluster; 95%, 2,000 resamples, seed 0. */
    public static Interval mean(double[] values, String[] cluster) {
        int[] group = new int[values.length];
        Arrays.fill(group, 1);
        return of(values, cluster, group, false, 0.95, 2_000, 0);
    }

    /**
     * mean(values of group 1) − mean(values of group 0); observations of any other group are ignored.
     * 95%, 2,000 resamples, seed 0.
     */
    public static Interval difference(double[] values, String[] cluster, int[] group) {
        return of(values, cluster, group, true, 0.95, 2_000, 0);
    }

    /**
     * @param difference false: the mean of group 1 alone
     * @throws IllegalArgumentException when lengths differ, a value is not finite, or a group needed is empty
     */
    public static Interval of(double[] values, String[] cluster, int[] group, boolean difference, double level, int resamples, long seed) {
        if (values.length != cluster.length || values.length != group.length) {
            throw new IllegalArgumentException("one cluster and one group per value: " + values.length + ", " + cluster.length + ", " + group.length);
        }
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        if (resamples < 100) throw new IllegalArgumentException("at least 100 resamples, got " + resamples);
        // per cluster: sum and count of each group
        Map<String, double[]> byCluster = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            if (group[i] != 0 && group[i] != 1) continue;
            if (!Double.isFinite(values[i])) throw new IllegalArgumentException("value " + i + " is not finite: " + values[i]);
            double[] s = byCluster.computeIfAbsent(cluster[i], k -> new double[4]);
            s[2 * group[i]] += values[i];
            s[2 * group[i] + 1]++;
        }
        List<double[]> sums = new ArrayList<>(byCluster.values());
        double observed = statistic(sums, null, difference);
        if (Double.isNaN(observed)) throw new IllegalArgumentException(difference ? "both groups need observations" : "no observations");
        int n = sums.size();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        int[] pick = new int[n];
        for (int b = 0; b < resamples; b++) {
            double v;
            int tries = 0;
            do {
                for (int k = 0; k < n; k++) pick[k] = rng.nextInt(n);
                v = statistic(sums, pick, difference);
                if (++tries > 1_000) throw new IllegalArgumentException("a group is too rare to resample: " + n + " clusters");
            } while (Double.isNaN(v));
            stats[b] = v;
        }
        Arrays.sort(stats);
        double tail = (1 - level) / 2;
        return new Interval(observed, PairedBootstrap.quantile(stats, tail), PairedBootstrap.quantile(stats, 1 - tail), level, resamples, n);
    }

    /** The statistic over the clusters {@code pick} (all of them, once each, when null); NaN when a group it needs is empty. */
    private static double statistic(List<double[]> sums, int[] pick, boolean difference) {
        double s0 = 0, n0 = 0, s1 = 0, n1 = 0;
        int n = pick == null ? sums.size() : pick.length;
        for (int k = 0; k < n; k++) {
            double[] s = sums.get(pick == null ? k : pick[k]);
            s0 += s[0];
            n0 += s[1];
            s1 += s[2];
            n1 += s[3];
        }
        if (n1 == 0 || (difference && n0 == 0)) return Double.NaN;
        return difference ? s1 / n1 - s0 / n0 : s1 / n1;
    }
}
