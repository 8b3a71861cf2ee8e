package org.mal.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClusterBootstrapTest {
    /** One observation per cluster: the ordinary bootstrap, whose interval approaches mean ± 1.96·sd/√n. */
    @Test
    void withOneObservationPerClusterItApproachesTheNormalInterval() {
        Random r = new Random(5);
        int n = 4_000;
        double[] v = new double[n];
        String[] c = new String[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.7 + Math.abs(r.nextGaussian()) * 0.3;
            c[i] = "p" + i;
        }
        double mean = 0;
        for (double x : v) mean += x;
        mean /= n;
        double var = 0;
        for (double x : v) var += (x - mean) * (x - mean);
        double se = Math.sqrt(var / (n - 1) / n);
        int[] g = new int[n];
        java.util.Arrays.fill(g, 1);
        ClusterBootstrap.Interval ci = ClusterBootstrap.of(v, c, g, false, 0.95, 4_000, 3);
        assertEquals(mean, ci.estimate(), 1e-12);
        assertEquals(n, ci.clusters());
        double width = 2 * 1.96 * se;
        assertEquals(mean - 1.96 * se, ci.low(), 0.08 * width);
        assertEquals(mean + 1.96 * se, ci.high(), 0.08 * width);
        assertEquals(ci, ClusterBootstrap.of(v, c, g, false, 0.95, 4_000, 3), "seeded");
    }

    /** Ten near-copies per cluster carry about one cluster's information: the interval is much wider than if they were independent. */
    @Test
    void correlatedObservationsWithinAClusterWidenTheInterval() {
        Random r = new Random(9);
        int clusters = 60;
        double[] v = new double[clusters * 10];
        String[] byCluster = new String[v.length];
        String[] each = new String[v.length];
        for (int k = 0; k < clusters; k++) {
            double centre = r.nextGaussian();
            for (int j = 0; j < 10; j++) {
                int i = k * 10 + j;
                v[i] = centre + 0.01 * r.nextGaussian();
                byCluster[i] = "c" + k;
                each[i] = "o" + i;
            }
        }
        ClusterBootstrap.Interval clustered = ClusterBootstrap.mean(v, byCluster);
        ClusterBootstrap.Interval naive = ClusterBootstrap.mean(v, each);
        assertEquals(clustered.estimate(), naive.estimate(), 1e-12);
        double ratio = (clustered.high() - clustered.low()) / (naive.high() - naive.low());
        assertTrue(ratio > 2.5 && ratio < 4, "about sqrt(10) wider: " + ratio);
    }

    /** The difference of two groups' means: its estimate is the direct one, and a clear gap excludes 0 while no gap does not. */
    @Test
    void differenceOfTwoGroups() {
        Random r = new Random(2);
        int n = 400;
        double[] v = new double[n];
        String[] c = new String[n];
        int[] g = new int[n];
        double s0 = 0, s1 = 0;
        int n0 = 0, n1 = 0;
        for (int i = 0; i < n; i++) {
            g[i] = i % 3 == 2 ? 7 : i % 3;              // group 7: ignored
            v[i] = r.nextGaussian() + (g[i] == 1 ? 0.5 : 0) + (g[i] == 7 ? 100 : 0);
            c[i] = "pair" + (i / 4);
            if (g[i] == 0) { s0 += v[i]; n0++; }
            if (g[i] == 1) { s1 += v[i]; n1++; }
        }
        ClusterBootstrap.Interval d = ClusterBootstrap.difference(v, c, g);
        assertEquals(s1 / n1 - s0 / n0, d.estimate(), 1e-12);
        assertTrue(d.excludesZero() && d.low() > 0, d.toString());
        for (int i = 0; i < n; i++) if (g[i] == 1) v[i] -= 0.5;
        assertFalse(ClusterBootstrap.difference(v, c, g).excludesZero(), "no gap");
        int[] one = new int[n];
        assertThrows(IllegalArgumentException.class, () -> ClusterBootstrap.difference(v, c, one), "group 1 empty");
        v[0] = Double.NaN;
        g[0] = 0;
        assertThrows(IllegalArgumentException.class, () -> ClusterBootstrap.difference(v, c, g));
    }
}
