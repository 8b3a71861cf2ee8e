package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShardsTest {
    /** 6,000 rows over 10 classes, not balanced, with every third row left out of the rows to cut. */
    private static final int[] LABELS = labels(6000, 10, 1);
    private static final int[] ROWS = java.util.stream.IntStream.range(0, 6000).filter(r -> r % 3 != 0).toArray();

    private static int[] labels(int n, int classes, long seed) {
        Random random = new Random(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = random.nextDouble() < 0.2 ? 0 : random.nextInt(classes);
        return y;
    }

    /** Every given row is in exactly one shard, no other row is in any, and each shard is sorted. */
    private static void assertPartition(int[] rows, int[][] shards) {
        int[] all = Arrays.stream(shards).flatMapToInt(Arrays::stream).sorted().toArray();
        int[] expected = rows.clone();
        Arrays.sort(expected);
        assertArrayEquals(expected, all, "the shards are disjoint and cover the rows");
        for (int[] s : shards) {
            int[] sorted = s.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, s);
        }
    }

    @Test
    void iidShardsAreDisjointCoverTheRowsAndHaveEqualSizes() {
        int[][] shards = Shards.iid(ROWS, 4, 11);
        assertPartition(ROWS, shards);
        for (int[] s : shards) assertTrue(s.length == ROWS.length / 4 || s.length == ROWS.length / 4 + 1);
        // IID: every shard's class shares are close to the whole's
        int[] whole = Shards.classCounts(ROWS, LABELS, 10);
        for (int[] s : shards) {
            int[] h = Shards.classCounts(s, LABELS, 10);
            for (int c = 0; c < 10; c++) assertEquals((double) whole[c] / ROWS.length, (double) h[c] / s.length, 0.04, "class " + c);
        }
    }

    @Test
    void dirichletShardsAreDisjointCoverTheRowsAndRespectTheMinimum() {
        for (double alpha : new double[] {0.05, 0.5, 5}) {
            int[][] shards = Shards.dirichlet(ROWS, LABELS, 10, 5, alpha, 150, 3);
            assertPartition(ROWS, shards);
            for (int[] s : shards) assertTrue(s.length >= 150, "alpha " + alpha + ": a shard of " + s.length + " rows");
        }
    }

    /**
     * Small α concentrates each class on few shards, large α spreads it. Measured as the mean over
     * classes of the largest share of the class that one shard holds (1/K for perfect balance, 1 when a
     * shard holds the whole class), averaged over seeds.
     */
    @Test
    void skewFollowsAlpha() {
        double previous = 1.01;
        for (double alpha : new double[] {0.05, 0.5, 5, 500}) {
            double skew = 0;
            for (long seed = 0; seed < 20; seed++) skew += largestClassShare(Shards.dirichlet(ROWS, LABELS, 10, 4, alpha, 0, seed)) / 20;
            assertTrue(skew < previous, "alpha " + alpha + ": skew " + skew + " should be below " + previous);
            previous = skew;
            if (alpha == 0.05) assertTrue(skew > 0.85, "alpha 0.05 puts most of each class on one shard: " + skew);
            if (alpha == 500) assertTrue(skew < 0.30, "alpha 500 is almost IID (0.25): " + skew);
        }
    }

    private static double largestClassShare(int[][] shards) {
        double sum = 0;
        for (int c = 0; c < 10; c++) {
            int total = 0;
            int max = 0;
            for (int[] s : shards) {
                int n = Shards.classCounts(s, LABELS, 10)[c];
                total += n;
                max = Math.max(max, n);
            }
            sum += (double) max / total;
        }
        return sum / 10;
    }

    @Test
    void partitionsDependOnTheSeedAndTheSetOfRowsOnly() {
        int[] reversed = ROWS.clone();
        for (int i = 0; i < reversed.length / 2; i++) {
            int t = reversed[i];
            reversed[i] = reversed[reversed.length - 1 - i];
            reversed[reversed.length - 1 - i] = t;
        }
        assertArrayEquals(Shards.dirichlet(ROWS, LABELS, 10, 4, 0.5, 100, 9), Shards.dirichlet(reversed, LABELS, 10, 4, 0.5, 100, 9));
        assertArrayEquals(Shards.iid(ROWS, 4, 9), Shards.iid(reversed, 4, 9));
        assertNotEquals(Arrays.deepToString(Shards.iid(ROWS, 4, 9)), Arrays.deepToString(Shards.iid(ROWS, 4, 10)));
    }

    /** 4,000 rows: 990 per shard fits the total, but with alpha = 0.001 each class lands whole on one shard, and no assignment gives four shards 990. */
    @Test
    void anImpossibleMinimumFailsWithTheReason() {
        var e = assertThrows(IllegalArgumentException.class, () -> Shards.dirichlet(ROWS, LABELS, 10, 4, 0.001, 990, 1));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shards.dirichlet(ROWS, LABELS, 10, 4, 0.5, 1100, 1));
        assertThrows(IllegalArgumentException.class, () -> Shards.iid(new int[] {1, 2}, 3, 1));
    }

    @Test
    void rowsHashIsOrderIndependentAndComplementIsExact() {
        assertEquals(Shards.rowsHash(new int[] {3, 1, 2}), Shards.rowsHash(new int[] {1, 2, 3}));
        assertNotEquals(Shards.rowsHash(new int[] {1, 2, 3}), Shards.rowsHash(new int[] {1, 2, 4}));
        assertArrayEquals(new int[] {0, 2, 4}, Shards.complement(5, new int[] {3, 1}));
    }

    @Test
    void dealingFollowsTheProportionsExactly() {
        assertArrayEquals(new int[] {3, 1, 6}, Shards.deal(10, new double[] {0.3, 0.1, 0.6}));
        assertArrayEquals(new int[] {1, 1, 0}, Shards.deal(2, new double[] {0.4, 0.35, 0.25}));
        assertEquals(7, Arrays.stream(Shards.deal(7, new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3})).sum());
    }
}
