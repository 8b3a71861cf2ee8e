package org.mal.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class McNemarTest {
    /** Expected values from scipy 1.x: {@code binomtest(min(b, c), b + c, 0.5).pvalue}. */
    @Test
    void matchesScipysExactBinomialTest() {
        int[][] bc = {{0, 0}, {1, 0}, {5, 1}, {10, 20}, {37, 52}, {120, 90}, {500, 560}, {2000, 2100}};
        double[] scipy = {1.0, 1.0, 0.21875, 0.09873714670538905, 0.137367971355652, 0.045114087864840696, 0.06990955946026937,
            0.12206497999113655};
        for (int k = 0; k < bc.length; k++) {
            assertEquals(scipy[k], McNemar.exactP(bc[k][0], bc[k][1]), 1e-9 * Math.max(1, scipy[k]), "b = " + bc[k][0] + ", c = " + bc[k][1]);
            assertEquals(McNemar.exactP(bc[k][0], bc[k][1]), McNemar.exactP(bc[k][1], bc[k][0]), 0.0, "symmetric");
        }
    }

    @Test
    void countsTheDiscordantRows() {
        McNemar.Result r = McNemar.compare(new boolean[] {true, true, false, false, true}, new boolean[] {true, false, true, true, true});
        assertEquals(1, r.onlyFirst());
        assertEquals(2, r.onlySecond());
        assertEquals(1, r.netGainOfSecond());
        assertEquals(1.0, r.p(), 1e-12);
    }
}
