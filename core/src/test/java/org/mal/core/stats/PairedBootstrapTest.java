package org.mal.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedBootstrapTest {
    /** On 5,000 rows the percentile interval approaches the normal one, mean ± 1.96·sd/√n of the differences. */
    @Test
    void approachesTheNormalIntervalOnALargeSample() {
        Random r = new Random(3);
        int n = 5_000;
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Math.abs(r.nextGaussian()) * 0.4;          // loss-like, skewed
            b[i] = a[i] * 0.9 + r.nextGaussian() * 0.1;        // paired with a, lower on average
        }
        double mean = 0;
        for (int i = 0; i < n; i++) mean += b[i] - a[i];
        mean /= n;
        double var = 0;
        for (int i = 0; i < n; i++) var += (b[i] - a[i] - mean) * (b[i] - a[i] - mean);
        double se = Math.sqrt(var / (n - 1) / n);
        PairedBootstrap.Interval ci = PairedBootstrap.of(a, b, 0.95, 4_000, 7);
        assertEquals(mean, ci.difference(), 1e-12);
        double width = 2 * 1.96 * se;
        assertEquals(mean - 1.96 * se, ci.low(), 0.08 * width, "low bound");
        assertEquals(mean + 1.96 * se, ci.high(), 0.08 * width, "high bound");
        assertTrue(ci.excludesZero(), "a clear drop");
        assertEquals(1.0, ci.shareBelowZero(), 1e-12);
        assertEquals(ci, PairedBootstrap.of(a, b, 0.95, 4_000, 7), "seeded: the same interval twice");
    }

    @Test
    void noDifferenceGivesAnIntervalAroundZero() {
        Random r = new Random(5);
        double[] a = new double[2_000];
        double[] b = new double[2_000];
        for (int i = 0; i < a.length; i++) { a[i] = r.nextDouble(); b[i] = r.nextDouble(); }
        PairedBootstrap.Interval ci = PairedBootstrap.of(a, b);
        assertFalse(ci.excludesZero(), ci.toString());
        assertTrue(ci.low() < ci.difference() && ci.difference() < ci.high());
    }

    @Test
    void badInputIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedBootstrap.of(new double[2], new double[3])).getMessage().contains("2 vs 3"));
        assertThrows(IllegalArgumentException.class, () -> PairedBootstrap.of(new double[0], new double[0]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PairedBootstrap.of(new double[] {1, Double.NaN}, new double[] {1, 1}))
                .getMessage().contains("row 1"));
    }

    @Test
    void quantilesInterpolateAsNumpyDoes() {
        double[] s = {1, 2, 3, 4};
        assertEquals(1.075, PairedBootstrap.quantile(s, 0.025), 1e-12);   // numpy.quantile([1,2,3,4], 0.025)
        assertEquals(3.925, PairedBootstrap.quantile(s, 0.975), 1e-12);
    }
}
