package org.mal.policies.laws;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GroupedRidgeTest {

    /** Rows of a wide group (50 targets) and two narrow groups (6 maps, 2 dataset pairs), as the learning law's features. */
    private static List<String> row(SplittableRandom r) {
        return List.of("target:t" + r.nextInt(50), "layer-map:m" + r.nextInt(6), "dataset-pair:" + (r.nextBoolean() ? "same" : "cross"));
    }

    private static int[] cols(GroupedRidge g, List<String> x) {
        return new int[] {0, g.column(x.get(1)), g.column(x.get(2))};
    }

    /** Predicted value and LinUCB bonus from the grouped fit, as Ridge.predict computes them. */
    private static double predict(GroupedRidge g, GroupedRidge.Fit f, List<String> x, double exploration, double k) {
        int[] cols = {0, g.columnOf(x.get(1)), g.columnOf(x.get(2))};
        double v = f.narrowWeights[0];
        int unobserved = 0;
        List<Integer> seen = new ArrayList<>(List.of(0));
        for (int i = 1; i < 3; i++) {
            if (cols[i] < 0 || !g.observedColumn(cols[i])) unobserved++;
            else if (!seen.contains(cols[i])) { seen.add(cols[i]); v += f.narrowWeights[cols[i]]; }
        }
        v += f.wideWeight(x.get(0));
        if (exploration == 0) return v;
        double[] gx = f.whiten(seen.stream().mapToInt(Integer::intValue).toArray());
        double var = unobserved / k;
        if (f.observed(x.get(0))) {
            GroupedRidge.WideBonus b = f.wideBonus(x.get(0));
            for (int i = 0; i < gx.length; i++) var += (gx[i] - b.h()[i]) * (gx[i] - b.h()[i]);
            var += b.inverseD();
        } else {
            for (double d : gx) var += d * d;
            var += 1 / k;
        }
        return v + exploration * Math.sqrt(Math.max(0, var));
    }

    @Test
    void rowsAddedAndTakenAwayGiveTheWeightsAndBonusesOfARefit() {
        SplittableRandom r = new SplittableRandom(11);
        double k = 2.0;
        GroupedRidge g = new GroupedRidge(k);
        List<List<String>> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int step = 0; step < 30; step++) {
            for (int i = 0; i < 20; i++) {
                List<String> x = row(r);
                double y = r.nextDouble();
                xs.add(x);
                ys.add(y);
                g.add(x.get(0), cols(g, x), 1, y);
            }
            if (step % 5 == 4) {   // a target leaves: its rows are taken away
                String gone = xs.get(r.nextInt(xs.size())).get(0);
                for (int i = xs.size() - 1; i >= 0; i--) {
                    if (!xs.get(i).get(0).equals(gone)) continue;
                    g.add(gone, cols(g, xs.get(i)), -1, -ys.get(i));
                    xs.remove(i);
                    ys.remove(i);
                }
            }
            Ridge full = Ridge.fit(xs, ys, k);
            GroupedRidge.Fit f = g.fit(true);
            assertEquals(xs.size(), g.rows(), 0);
            for (int q = 0; q < 40; q++) {
                List<String> x = q < 20 ? xs.get(r.nextInt(xs.size())) : row(r);   // seen rows and fresh combinations
                assertEquals(full.predict(x, 0), predict(g, f, x, 0, k), 1e-9, "value of " + x + " at step " + step);
                assertEquals(full.predict(x, 0.7), predict(g, f, x, 0.7, k), 1e-9, "value with bonus of " + x + " at step " + step);
            }
        }
    }

    @Test
    void aTargetWithAllItsRowsTakenAwayIsUnobservedAgain() {
        GroupedRidge g = new GroupedRidge(1.0);
        int[] c = {0, g.column("layer-map:a")};
        g.add("target:x", c, 1, 0.8);
        g.add("target:y", c, 1, 0.2);
        g.add("target:x", c, -1, -0.8);
        GroupedRidge.Fit f = g.fit(false);
        assertFalse(f.observed("target:x"));
        assertEquals(0.0, f.wideWeight("target:x"));
        assertTrue(f.observed("target:y"));
    }

    @Test
    void badPenaltyIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new GroupedRidge(0));
        assertTrue(e.getMessage().contains("penalty"));
    }
}
