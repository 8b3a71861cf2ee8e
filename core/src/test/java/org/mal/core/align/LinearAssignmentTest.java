package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LinearAssignment.Duals;
import org.mal.core.align.LinearAssignment.Goal;
import org.mal.core.align.LinearAssignment.Result;

public class LinearAssignmentTest {

    /** Best total over all injective maps of the shorter side into the longer one. */
    static double bruteForce(double[] cost, int rows, int cols, Goal goal) {
        boolean byRows = rows <= cols;
        int n = byRows ? rows : cols;
        int m = byRows ? cols : rows;
        double[] a = new double[n * m];
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < m; j++) a[k * m + j] = byRows ? cost[k * cols + j] : cost[j * cols + k];
        }
        return best(a, n, m, 0, 0, 0, goal == Goal.MINIMIZE ? 1 : -1) * (goal == Goal.MINIMIZE ? 1 : -1);
    }

    /** Minimum of sign * (partial + rest) over the choices of lines k.. among the unused columns. */
    private static double best(double[] a, int n, int m, int k, int used, double partial, double sign) {
        if (k == n) return sign * partial;
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < m; j++) {
            if ((used & (1 << j)) == 0) best = Math.min(best, best(a, n, m, k + 1, used | (1 << j), partial + a[k * m + j], sign));
        }
        return best;
    }

    private static double tolerance(double[] cost) {
        double max = 0;
        for (double x : cost) max = Math.max(max, Math.abs(x));
        return 1e-9 * (1 + max);
    }

    private static double[] random(SplittableRandom random, int rows, int cols, boolean integers) {
        double[] x = new double[rows * cols];
        for (int k = 0; k < x.length; k++) x[k] = integers ? random.nextInt(5) : random.nextDouble(-10, 10);
        return x;
    }

    /** Solves, checks validity and the optimality certificate, and returns the result. */
    private static Result solveCertified(double[] cost, int rows, int cols, Goal goal, Duals warm) {
        Result r = LinearAssignment.solve(cost, rows, cols, goal, warm);
        assertTrue(LinearAssignment.certifiesOptimal(cost, rows, cols, goal, r, tolerance(cost)),
                () -> "no optimality certificate for " + rows + "x" + cols + " " + goal + ": " + r);
        return r;
    }

    private static void assertMatchesBruteForce(double[] cost, int rows, int cols, Goal goal, String what) {
        Result r = solveCertified(cost, rows, cols, goal, null);
        double expected = bruteForce(cost, rows, cols, goal);
        assertEquals(expected, r.total(), tolerance(cost), what);
        assertEquals(Math.min(rows, cols), r.pairs(), what);
    }

    @Test
    void matchesBruteForceOnRandomSquareMatrices() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n = 1; n <= 8; n++) {
            for (int seed = 0; seed < (n <= 6 ? 60 : 12); seed++) {
                boolean integers = seed % 2 == 1;
                double[] cost = random(random, n, n, integers);
                for (Goal goal : Goal.values()) {
                    assertMatchesBruteForce(cost, n, n, goal, n + "x" + n + " seed " + seed + " " + goal);
                }
            }
        }
    }

    @Test
    void matchesBruteForceOnRandomRectangularMatrices() {
        SplittableRandom random = new SplittableRandom(12);
        for (int rows = 1; rows <= 8; rows++) {
            for (int cols = 1; cols <= 8; cols++) {
                if (rows == cols) continue;
                int trials = Math.max(rows, cols) - Math.min(rows, cols) >= 3 && Math.max(rows, cols) == 8 ? 3 : 12;
                for (int seed = 0; seed < trials; seed++) {
                    double[] cost = random(random, rows, cols, seed % 2 == 1);
                    for (Goal goal : Goal.values()) {
                        assertMatchesBruteForce(cost, rows, cols, goal, rows + "x" + cols + " seed " + seed + " " + goal);
                    }
                }
            }
        }
    }

    @Test
    void knownOptima() {
        // scipy.optimize.linear_sum_assignment's documentation example
        double[] scipyDoc = {4, 1, 3, 2, 0, 5, 3, 2, 2};
        Result min = solveCertified(scipyDoc, 3, 3, Goal.MINIMIZE, null);
        assertArrayEquals(new int[] {1, 0, 2}, min.colForRow());
        assertEquals(5, min.total());
        Result max = solveCertified(scipyDoc, 3, 3, Goal.MAXIMIZE, null);
        assertArrayEquals(new int[] {0, 2, 1}, max.colForRow());
        assertEquals(11, max.total());

        double[] jobs = {9, 2, 7, 8, 6, 4, 3, 7, 5, 8, 1, 8, 7, 6, 9, 4};
        Result r = solveCertified(jobs, 4, 4, Goal.MINIMIZE, null);
        assertArrayEquals(new int[] {1, 0, 2, 3}, r.colForRow());
        assertEquals(13, r.total());

        // rank one, wide: the rearrangement inequality pairs big rows with small columns (min) or big ones (max)
        double[] outer = {1, 2, 3, 4, 2, 4, 6, 8, 3, 6, 9, 12};
        Result wideMin = solveCertified(outer, 3, 4, Goal.MINIMIZE, null);
        assertArrayEquals(new int[] {2, 1, 0}, wideMin.colForRow());
        assertArrayEquals(new int[] {2, 1, 0, -1}, wideMin.rowForCol());
        assertEquals(10, wideMin.total());
        Result wideMax = solveCertified(outer, 3, 4, Goal.MAXIMIZE, null);
        assertArrayEquals(new int[] {1, 2, 3}, wideMax.colForRow());
        assertEquals(20, wideMax.total());

        // tall 5 x 4: row 3 is left out
        double[] tall = {10, 19, 8, 15, 10, 18, 7, 17, 13, 16, 9, 14, 12, 19, 8, 18, 14, 17, 10, 19};
        Result t = solveCertified(tall, 5, 4, Goal.MINIMIZE, null);
        assertArrayEquals(new int[] {0, 2, 3, -1, 1}, t.colForRow());
        assertEquals(48, t.total());
    }

    @Test
    void tiesAndAllEqualCostsGiveAValidOptimalAssignment() {
        for (int[] shape : new int[][] {{6, 6}, {4, 7}, {7, 4}, {64, 64}, {40, 90}}) {
            int rows = shape[0];
            int cols = shape[1];
            double[] equal = new double[rows * cols];
            Arrays.fill(equal, 3.5);
            for (Goal goal : Goal.values()) {
                Result r = solveCertified(equal, rows, cols, goal, null);
                assertEquals(3.5 * Math.min(rows, cols), r.total(), 1e-12);
            }
            // two distinct values in a checkerboard: many optima, each with the same total
            double[] board = new double[rows * cols];
            for (int k = 0; k < board.length; k++) board[k] = ((k / cols + k % cols) % 2 == 0) ? 1 : 0;
            for (Goal goal : Goal.values()) {
                Result r = solveCertified(board, rows, cols, goal, null);
                if (rows <= 8 && cols <= 8) assertEquals(bruteForce(board, rows, cols, goal), r.total(), 1e-12);
            }
        }
        // a square constant matrix gives the identity, as scipy does
        double[] constant = new double[25];
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, LinearAssignment.solve(constant, 5, 5, Goal.MINIMIZE).colForRow());
    }

    @Test
    void singleElement() {
        for (Goal goal : Goal.values()) {
            Result r = solveCertified(new double[] {-2.5}, 1, 1, goal, null);
            assertArrayEquals(new int[] {0}, r.colForRow());
            assertArrayEquals(new int[] {0}, r.rowForCol());
            assertEquals(-2.5, r.total());
        }
        Result row = solveCertified(new double[] {3, 1, 2}, 1, 3, Goal.MINIMIZE, null);
        assertArrayEquals(new int[] {1}, row.colForRow());
        assertArrayEquals(new int[] {-1, 0, -1}, row.rowForCol());
        Result column = solveCertified(new double[] {3, 1, 2}, 3, 1, Goal.MAXIMIZE, null);
        assertArrayEquals(new int[] {0, -1, -1}, column.colForRow());
        assertEquals(3, column.total());
    }

    @Test
    void emptyInputs() {
        for (int[] shape : new int[][] {{0, 0}, {0, 5}, {5, 0}}) {
            for (Goal goal : Goal.values()) {
                Result r = LinearAssignment.solve(new double[0], shape[0], shape[1], goal);
                assertEquals(0, r.total());
                assertEquals(0, r.pairs());
                int[] allUnassignedRows = new int[shape[0]];
                Arrays.fill(allUnassignedRows, -1);
                int[] allUnassignedCols = new int[shape[1]];
                Arrays.fill(allUnassignedCols, -1);
                assertArrayEquals(allUnassignedRows, r.colForRow());
                assertArrayEquals(allUnassignedCols, r.rowForCol());
                assertTrue(LinearAssignment.certifiesOptimal(new double[0], shape[0], shape[1], goal, r, 0));
                // and the empty duals are a usable warm start
                assertEquals(r, LinearAssignment.solve(new double[0], shape[0], shape[1], goal, r.duals()));
            }
        }
    }

    @Test
    void rejectsNaNAndInfiniteCostsNamingThePosition() {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            double[] cost = new double[12];
            cost[1 * 4 + 3] = bad;
            var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(cost, 3, 4, Goal.MINIMIZE));
            assertTrue(e.getMessage().contains("row 1, col 3") && e.getMessage().contains(Double.toString(bad)), e.getMessage());
        }
        // finite costs whose range overflows cannot be solved in double arithmetic
        double[] huge = {-Double.MAX_VALUE, Double.MAX_VALUE, 0, 0};
        var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(huge, 2, 2, Goal.MINIMIZE));
        assertTrue(e.getMessage().contains("range"), e.getMessage());
    }

    @Test
    void rejectsWrongLength() {
        var e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[5], 2, 3, Goal.MINIMIZE));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("2 x 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[0], -1, 0, Goal.MINIMIZE));
        // rows * cols overflowing an int is still a wrong length, not a negative array size
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[4], 65536, 65536, Goal.MINIMIZE));
        var warm = new Duals(new double[3], new double[3]);
        e = assertThrows(IllegalArgumentException.class, () -> LinearAssignment.solve(new double[6], 2, 3, Goal.MINIMIZE, warm));
        assertTrue(e.getMessage().contains("warm start"), e.getMessage());
    }

    @Test
    void doesNotModifyTheCosts() {
        double[] cost = random(new SplittableRandom(3), 6, 9, false);
        for (int[] shape : new int[][] {{6, 9}, {9, 6}}) {
            for (Goal goal : Goal.values()) {
                double[] copy = cost.clone();
                LinearAssignment.solve(copy, shape[0], shape[1], goal);
                assertArrayEquals(cost, copy);
            }
        }
    }

    @Test
    void maximizingEqualsMinimizingTheNegatedCostsAndDualsSumToTheTotal() {
        SplittableRandom random = new SplittableRandom(5);
        for (int[] shape : new int[][] {{30, 30}, {20, 45}, {45, 20}}) {
            double[] cost = random(random, shape[0], shape[1], false);
            double[] negated = new double[cost.length];
            for (int k = 0; k < cost.length; k++) negated[k] = -cost[k];
            Result max = solveCertified(cost, shape[0], shape[1], Goal.MAXIMIZE, null);
            Result min = solveCertified(negated, shape[0], shape[1], Goal.MINIMIZE, null);
            assertArrayEquals(min.colForRow(), max.colForRow());
            assertEquals(-min.total(), max.total(), 1e-9);
            for (Result r : new Result[] {max, min}) {
                double dualSum = Arrays.stream(r.duals().u()).sum() + Arrays.stream(r.duals().v()).sum();
                assertEquals(r.total(), dualSum, 1e-9 * shape[0] * shape[1]);
            }
        }
    }

    @Test
    void certificateRejectsSuboptimalOrInvalidAssignments() {
        double[] cost = {4, 1, 3, 2, 0, 5, 3, 2, 2};
        Result opt = LinearAssignment.solve(cost, 3, 3, Goal.MINIMIZE);
        // swap two rows' columns: a valid permutation, but total 6 > 5 and the duals are not tight on it
        int[] swapped = {2, 0, 1};
        int[] inverse = {1, 2, 0};
        Result worse = new Result(swapped, inverse, 2 + 3 + 3, opt.duals());
        assertTrue(worse.total() > opt.total());
        assertFalse(LinearAssignment.certifiesOptimal(cost, 3, 3, Goal.MINIMIZE, worse, 1e-9));
        // right assignment, wrong total
        Result lying = new Result(opt.colForRow(), opt.rowForCol(), 4, opt.duals());
        assertFalse(LinearAssignment.certifiesOptimal(cost, 3, 3, Goal.MINIMIZE, lying, 1e-9));
        // a column used twice
        Result twice = new Result(new int[] {1, 1, 2}, opt.rowForCol(), 1 + 0 + 2, opt.duals());
        assertFalse(LinearAssignment.certifiesOptimal(cost, 3, 3, Goal.MINIMIZE, twice, 1e-9));
        // the minimiser's result does not certify the maximisation
        assertFalse(LinearAssignment.certifiesOptimal(cost, 3, 3, Goal.MAXIMIZE, opt, 1e-9));
        // wide: a free column with a nonzero dual breaks complementary slackness
        double[] wide = {1, 2, 3, 4, 2, 4, 6, 8, 3, 6, 9, 12};
        Result w = LinearAssignment.solve(wide, 3, 4, Goal.MINIMIZE);
        double[] v = w.duals().v();
        v[3] = -1;
        assertFalse(LinearAssignment.certifiesOptimal(wide, 3, 4, Goal.MINIMIZE,
                new Result(w.colForRow(), w.rowForCol(), w.total(), new Duals(w.duals().u(), v)), 1e-9));
    }

    @Test
    void warmStartFromPreviousDualsGivesTheSameOptimumAsColdStart() {
        SplittableRandom random = new SplittableRandom(7);
        for (int[] shape : new int[][] {{80, 80}, {50, 120}, {120, 50}, {7, 7}, {3, 8}}) {
            int rows = shape[0];
            int cols = shape[1];
            for (Goal goal : Goal.values()) {
                double[] cost = random(random, rows, cols, false);
                Result previous = solveCertified(cost, rows, cols, goal, null);
                assertTrue(LinearAssignment.warmStartUsable(cost, rows, cols, goal, previous.duals()));
                // the same matrix again: the previous duals are already optimal
                Result again = solveCertified(cost, rows, cols, goal, previous.duals());
                assertEquals(previous.total(), again.total(), tolerance(cost));
                // a sweep later: every cost moved a little
                for (int sweep = 0; sweep < 3; sweep++) {
                    double[] next = cost.clone();
                    for (int k = 0; k < next.length; k++) next[k] += random.nextDouble(-0.5, 0.5);
                    Result cold = solveCertified(next, rows, cols, goal, null);
                    Result warm = solveCertified(next, rows, cols, goal, previous.duals());
                    assertEquals(cold.total(), warm.total(), tolerance(next), rows + "x" + cols + " " + goal + " sweep " + sweep);
                    previous = warm;
                    cost = next;
                }
            }
        }
    }

    @Test
    void warmStartFromGarbageDualsIsStillOptimal() {
        SplittableRandom random = new SplittableRandom(8);
        for (int[] shape : new int[][] {{40, 40}, {25, 60}, {60, 25}, {6, 6}, {4, 7}, {7, 4}}) {
            int rows = shape[0];
            int cols = shape[1];
            for (Goal goal : Goal.values()) {
                double[] cost = random(random, rows, cols, random.nextBoolean());
                double cold = LinearAssignment.solve(cost, rows, cols, goal).total();
                double expected = rows <= 8 && cols <= 8 ? bruteForce(cost, rows, cols, goal) : cold;
                assertEquals(expected, cold, tolerance(cost));
                for (int trial = 0; trial < 8; trial++) {
                    double scale = switch (trial % 4) {
                        case 0 -> 1;
                        case 1 -> 100;
                        case 2 -> 1e6; // beyond the spread limit: ignored
                        default -> 1e-3;
                    };
                    double[] u = new double[rows];
                    double[] v = new double[cols];
                    for (int r = 0; r < rows; r++) u[r] = random.nextDouble(-scale, scale);
                    for (int c = 0; c < cols; c++) v[c] = random.nextDouble(-scale, scale);
                    if (trial == 5) v[cols - 1] = Double.NaN; // not finite: ignored
                    if (trial == 6) u[0] = Double.NEGATIVE_INFINITY;
                    if (trial == 7) Arrays.fill(v, 1e12); // a constant shift of huge magnitude is harmless
                    Result r = solveCertified(cost, rows, cols, goal, new Duals(u, v));
                    assertEquals(expected, r.total(), tolerance(cost), rows + "x" + cols + " " + goal + " trial " + trial);
                }
            }
        }
    }

    @Test
    void wideWarmStartIsOptimalWhetherItsRepairIsCompletedOrAbandoned() {
        // uniform costs, perturbed by more than their typical gaps: many previously assigned columns
        // end free with negative duals, so the dummy rows must repair them (budget large) or the solve
        // restarts cold (budget 0)
        SplittableRandom random = new SplittableRandom(9);
        for (int[] shape : new int[][] {{40, 130}, {130, 40}, {90, 100}}) {
            int rows = shape[0];
            int cols = shape[1];
            for (Goal goal : Goal.values()) {
                double[] cost = LapMatrices.generate("uniform", rows, cols, rows * 1000L + cols);
                Duals previous = LinearAssignment.solve(cost, rows, cols, goal).duals();
                double[] next = cost.clone();
                for (int k = 0; k < next.length; k++) next[k] += random.nextDouble(-0.02, 0.02);
                double cold = solveCertified(next, rows, cols, goal, null).total();
                for (long budget : new long[] {0, 1, 1_000_000}) {
                    Result r = LinearAssignment.solve(next, rows, cols, goal, previous, budget);
                    assertTrue(LinearAssignment.certifiesOptimal(next, rows, cols, goal, r, tolerance(next)), "budget " + budget);
                    assertEquals(cold, r.total(), tolerance(next), rows + "x" + cols + " " + goal + " budget " + budget);
                }
            }
        }
    }

    @Test
    void largeRandomMatricesCarryAnOptimalityCertificate() {
        // no Java reference at this size: the dual certificate itself proves optimality
        for (int[] shape : new int[][] {{512, 512}, {300, 512}, {512, 300}}) {
            for (Goal goal : Goal.values()) {
                String kind = goal == Goal.MINIMIZE ? "uniform" : "product";
                double[] cost = LapMatrices.generate(kind, shape[0], shape[1], 2024 + shape[0]);
                Result r = solveCertified(cost, shape[0], shape[1], goal, null);
                boolean[] used = new boolean[shape[1]];
                int pairs = 0;
                double sum = 0;
                for (int row = 0; row < shape[0]; row++) {
                    int col = r.colForRow()[row];
                    if (col < 0) continue;
                    assertFalse(used[col], "column used twice");
                    used[col] = true;
                    pairs++;
                    sum += cost[row * shape[1] + col];
                }
                assertEquals(Math.min(shape[0], shape[1]), pairs);
                assertEquals(sum, r.total(), 0);
            }
        }
    }

    @Test
    void matchesScipyOnReferenceMatrices() throws IOException {
        JsonNode reference;
        try (InputStream in = LinearAssignmentTest.class.getResourceAsStream("/lap/scipy_reference.json")) {
            assertTrue(in != null, "missing resource lap/scipy_reference.json (bench/scripts/lap_reference.py writes it)");
            reference = new ObjectMapper().readTree(in);
        }
        int checked = 0;
        for (JsonNode c : reference.get("cases")) {
            int rows = c.get("rows").asInt();
            int cols = c.get("cols").asInt();
            String kind = c.get("kind").asText();
            Goal goal = Goal.valueOf(c.get("goal").asText());
            double[] cost = LapMatrices.generate(kind, rows, cols, c.get("seed").asLong());
            String what = rows + "x" + cols + " " + kind + " " + goal;
            // the two generators must agree bit for bit before the totals mean anything
            assertEquals(c.get("checksum").asDouble(), LapMatrices.checksum(cost), 0, what + " checksum");
            Result r = solveCertified(cost, rows, cols, goal, null);
            double scipy = c.get("total").asDouble();
            assertEquals(scipy, r.total(), 1e-9 * Math.max(1, Math.abs(scipy)), what);
            checked++;
        }
        assertTrue(checked >= 10, "only " + checked + " reference cases");
    }
}
