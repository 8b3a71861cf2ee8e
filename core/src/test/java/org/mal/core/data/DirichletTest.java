package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DirichletTest {

    /** Gamma(a, 1) has mean a and variance a; checked below and above a = 1 (the two code paths). */
    @Test
    void gammaDrawsHaveTheirKnownMeanAndVariance() {
        for (double a : new double[] {0.1, 0.5, 1, 2.5, 10}) {
            Random random = new Random(42);
            int n = 200_000;
            double sum = 0;
            double sumSq = 0;
            for (int i = 0; i < n; i++) {
                double g = Dirichlet.gamma(a, random);
                assertTrue(g >= 0, "gamma draws are non-negative");
                sum += g;
                sumSq += g * g;
            }
            double mean = sum / n;
            double variance = sumSq / n - mean * mean;
            // standard error of the mean is sqrt(a / n); 5 of them
            assertEquals(a, mean, 5 * Math.sqrt(a / n), "mean of Gamma(" + a + ")");
            assertEquals(a, variance, 0.05 * a + 5 * Math.sqrt(a / n), "variance of Gamma(" + a + ")");
        }
    }

    /** Dirichlet(α): E p_i = α_i / Σα, Var p_i = α_i (Σα − α_i) / ((Σα)² (Σα + 1)). */
    @Test
    void dirichletDrawsHaveTheirKnownMomentsAndSumToOne() {
        double[] alpha = {0.2, 0.5, 1.0, 3.0};
        double total = 0;
        for (double a : alpha) total += a;
        Random random = new Random(7);
        int n = 100_000;
        double[] sum = new double[alpha.length];
        double[] sumSq = new double[alpha.length];
        for (int t = 0; t < n; t++) {
            double[] p = Dirichlet.sample(alpha, random);
            double s = 0;
            for (int i = 0; i < p.length; i++) {
                assertTrue(p[i] >= 0 && p[i] <= 1);
                s += p[i];
                sum[i] += p[i];
                sumSq[i] += p[i] * p[i];
            }
            assertEquals(1, s, 1e-12);
        }
        for (int i = 0; i < alpha.length; i++) {
            double mean = alpha[i] / total;
            double variance = alpha[i] * (total - alpha[i]) / (total * total * (total + 1));
            double m = sum[i] / n;
            assertEquals(mean, m, 5 * Math.sqrt(variance / n), "mean of p_" + i);
            assertEquals(variance, sumSq[i] / n - m * m, 0.05 * variance, "variance of p_" + i);
        }
    }

    @Test
    void tinyConcentrationsPutAlmostAllMassOnOnePart() {
        Random random = new Random(3);
        double maxShareSum = 0;
        for (int t = 0; t < 1000; t++) {
            double[] p = Dirichlet.symmetric(0.01, 4, random);
            double max = 0;
            double s = 0;
            for (double x : p) { max = Math.max(max, x); s += x; }
            assertEquals(1, s, 1e-12, "no underflow to 0/0 even for alpha = 0.01");
            maxShareSum += max;
        }
        assertTrue(maxShareSum / 1000 > 0.95, "alpha = 0.01: the largest share is " + maxShareSum / 1000 + " on average");
    }

    @Test
    void equalSeedsGiveEqualDrawsAndBadConcentrationsFail() {
        assertArrayEquals(Dirichlet.symmetric(0.5, 5, new Random(9)), Dirichlet.symmetric(0.5, 5, new Random(9)));
        assertThrows(IllegalArgumentException.class, () -> Dirichlet.sample(new double[] {1, 0}, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> Dirichlet.sample(new double[] {1, Double.NaN}, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> Dirichlet.gamma(-1, new Random(1)));
    }
}
