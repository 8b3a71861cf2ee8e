package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SplitsTest {

    @Test
    void allocationBreaksTiesTowardsLowerClassIndex() {
        assertArrayEquals(new int[] {1, 0, 0}, Splits.allocate(new int[] {1, 1, 1}, 1));
        assertArrayEquals(new int[] {1, 1, 0, 0}, Splits.allocate(new int[] {5, 5, 5, 5}, 2));
        assertArrayEquals(new int[] {2, 1, 1}, Splits.allocate(new int[] {3, 3, 3}, 4));
    }

    @Test
    void allocationGivesLeftoversToLargestRemainders() {
        // quotas 2.5, 0.9, 1.6 -> floors 2, 0, 1; the 2 left go to the 0.9 and the 0.6, not the 0.5
        assertArrayEquals(new int[] {2, 1, 2}, Splits.allocate(new int[] {25, 9, 16}, 5));
    }

    @Test
    void allocationSumsExactlyAndStaysWithinOneOfTheQuota() {
        Random r = new Random(1);
        for (int trial = 0; trial < 2000; trial++) {
            int[] counts = new int[1 + r.nextInt(12)];
            long n = 0;
            for (int c = 0; c < counts.length; c++) {
                counts[c] = r.nextInt(50);
                n += counts[c];
            }
            int total = n == 0 ? 0 : r.nextInt((int) n + 1);
            int[] a = Splits.allocate(counts, total);
            assertEquals(total, Arrays.stream(a).sum());
            for (int c = 0; c < counts.length; c++) {
                double quota = n == 0 ? 0 : (double) total * counts[c] / n;
                assertTrue(a[c] <= counts[c] && Math.abs(a[c] - quota) < 1, Arrays.toString(counts) + " " + total);
            }
        }
    }

    @Test
    void allocationRejectsImpossibleTotals() {
        assertThrows(IllegalArgumentException.class, () -> Splits.allocate(new int[] {2, 2}, 5));
        assertThrows(IllegalArgumentException.class, () -> Splits.allocate(new int[] {2, 2}, -1));
    }

    @Test
    void partitionIsDisjointCompleteAndStratified() {
        int[] labels = new int[503];
        for (int i = 0; i < labels.length; i++) labels[i] = (i * 7) % 5;
        Splits.Partition p = Splits.stratified(labels, 5, 100, 9);
        assertEquals(100, p.selected().length);
        assertEquals(403, p.rest().length);
        boolean[] seen = new boolean[labels.length];
        for (int i : p.selected()) seen[i] = true;
        for (int i : p.rest()) {
            assertTrue(!seen[i]);
            seen[i] = true;
        }
        for (boolean s : seen) assertTrue(s);
        int[] perClass = new int[5];
        for (int i : p.selected()) perClass[labels[i]]++;
        int[] classSizes = new int[5];
        for (int y : labels) classSizes[y]++;
        assertArrayEquals(Splits.allocate(classSizes, 100), perClass);
    }

    @Test
    void splitHoldsOutTheFractionPerClassAndKeepsRows() {
        Dataset d = Synthetic.gaussianBlobs("b", 1000, 10, 3, 4, 5).train();
        Dataset[] parts = Splits.split(d, 0.1, 11, "b/fit", "b/val");
        assertEquals("b/fit", parts[0].name());
        assertEquals("b/val", parts[1].name());
        assertEquals(900, parts[0].size());
        assertEquals(100, parts[1].size());
        assertArrayEquals(new int[] {25, 25, 25, 25}, parts[1].classCounts());
        float sum = 0;
        for (Dataset part : parts) {
            for (int r = 0; r < part.size(); r++) sum += part.feature(r, 0);
        }
        float expected = 0;
        for (int r = 0; r < d.size(); r++) expected += d.feature(r, 0);
        assertEquals(expected, sum, 1e-3);
    }

    @Test
    void splitIsDeterministicAndDependsOnTheSeed() {
        Dataset d = Synthetic.gaussianBlobs("b", 300, 10, 3, 3, 5).train();
        String a = Splits.split(d, 0.2, 1, "x", "y")[1].contentHash();
        assertEquals(a, Splits.split(d, 0.2, 1, "x", "y")[1].contentHash());
        assertNotEquals(a, Splits.split(d, 0.2, 2, "x", "y")[1].contentHash());
        assertNotEquals(a, Splits.split(d, 0.2, 1L | (1L << 60), "x", "y")[1].contentHash(), "high seed bits matter");
    }

    @Test
    void splitRejectsFractionOutsideZeroOne() {
        Dataset d = Synthetic.gaussianBlobs("b", 30, 10, 3, 3, 5).train();
        assertThrows(IllegalArgumentException.class, () -> Splits.split(d, 1.5, 1, "x", "y"));
        assertThrows(IllegalArgumentException.class, () -> Splits.split(d, Double.NaN, 1, "x", "y"));
    }
}
