package org.mal.core;

import java.util.Arrays;
import java.util.Collection;

/** The median (mean of the two middle values for an even count), the one statistic MAL reports of noisy timings and runs. */
public final class Median {
    private Median() {}

    /** @throws IllegalArgumentException for no values */
    public static double of(double... values) {
        if (values.length == 0) throw new IllegalArgumentException("the median of no values");
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    public static double of(Collection<? extends Number> values) {
        return of(values.stream().mapToDouble(Number::doubleValue).toArray());
    }
}
