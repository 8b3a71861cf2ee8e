package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class ThresholdTest {
    static final double[] GRID = Lmc.grid(11);

    static double[] coarse(DoubleUnaryOperator f) {
        double[] l = new double[GRID.length];
        for (int k = 0; k < l.length; k++) l[k] = f.applyAsDouble(GRID[k]);
        return l;
    }

    @Test
    void theRefinedGridIsEvenBetweenTheBracketingGridPoints() {
        DoubleUnaryOperator f = l -> l;   // loss = λ, limit 0.555: bracket [0.5, 0.6]
        double star = Threshold.search(f, GRID, coarse(f), 0.555, Threshold.Method.REFINED_GRID, 9);
        assertEquals(0.55, star, 1e-12, "points 0.51, 0.52, ..., 0.59: the last under the limit is 0.55");
    }

    @Test
    void bisectionHalvesTheBracket() {
        DoubleUnaryOperator f = l -> l;
        double star = Threshold.search(f, GRID, coarse(f), 0.555, Threshold.Method.BISECTION, 20);
        assertEquals(0.555, star, 1e-6);
        assertEquals(0.5, Threshold.search(f, GRID, coarse(f), 0.555, Threshold.Method.BISECTION, 0), "no steps: the grid point");
    }

    @Test
    void theEndsOfTheRange() {
        DoubleUnaryOperator f = l -> 1 + l;
        assertEquals(0, Threshold.search(f, GRID, coarse(f), 0.5, Threshold.Method.REFINED_GRID, 9), "even λ = 0 is over the limit");
        assertEquals(1, Threshold.search(f, GRID, coarse(f), 3, Threshold.Method.REFINED_GRID, 9), "everything is under it");
    }

    @Test
    void onlyTheLeadingRunUnderTheLimitCounts() {
        DoubleUnaryOperator f = l -> l > 0.25 && l < 0.45 ? 5 : 0;   // a bump: λ in (0.25, 0.45) is over
        assertEquals(0.24, Threshold.search(f, GRID, coarse(f), 1, Threshold.Method.REFINED_GRID, 4), 1e-12,
                "coarse run ends at 0.2 (0.3 is over); refined 0.22, 0.24 are under, 0.26 is not");
    }
}
