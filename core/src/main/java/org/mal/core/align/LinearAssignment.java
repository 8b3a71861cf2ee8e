// Why this file is over 400 lines: it is one numerical kernel (the shortest-augmenting-path solver, its warm
// start from duals, the dual certificate of optimality and the checks at its entry) whose parts share one
// flat-array state, and about a quarter of it is the maths in javadoc. Splitting it would spread that state.
package org.mal.core.align;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Rectangular dense linear assignment (shortest augmenting path, Jonker–Volgenant / scipy's
 * LAPJV-style "Crouse" variant) on a row-major {@code double[]} cost matrix.
 *
 * <h2>Problem</h2>
 * For an {@code rows x cols} matrix {@code C} (row-major, {@code C[r][c] = cost[r * cols + c]})
 * find an assignment {@code colForRow} that pairs {@code k = min(rows, cols)} rows with {@code k}
 * distinct columns and minimises (or maximises) {@code total = sum over pairs of C[r][colForRow[r]]}.
 * For a wide matrix ({@code rows < cols}) every row is assigned; for a tall one every column is.
 *
 * <h2>Duals (the optimality certificate, and the warm start)</h2>
 * Every result carries dual values {@code u} (one per row) and {@code v} (one per column) of the
 * linear programme, in the caller's orientation and sense:
 * <ul>
 *   <li>{@link Goal#MINIMIZE}: {@code u[r] + v[c] <= C[r][c]} for every pair, with equality on the
 *       assigned pairs. On the longer side the duals are {@code <= 0} and are {@code 0} on the
 *       lines left unassigned (the longer side's constraints are "at most one").</li>
 *   <li>{@link Goal#MAXIMIZE}: the same with every inequality reversed ({@code u[r] + v[c] >= C[r][c]},
 *       longer-side duals {@code >= 0}).</li>
 * </ul>
 * These conditions prove the assignment optimal (complementary slackness), and by strong duality
 * {@code sum(u) + sum(v) == total} up to rounding. A square problem's duals are determined only up
 * to {@code u + t, v - t}.
 *
 * <h2>Algorithm</h2>
 * The problem is brought to the form "minimise, {@code n = min(rows, cols)} rows, {@code m =
 * max(rows, cols)} columns" by transposing a tall matrix and negating the costs of a maximisation
 * (one copy of the matrix, made only when needed; the caller's array is never modified). A wide
 * problem is the square {@code m x m} one with {@code m - n} zero-cost dummy rows appended, which
 * are never stored. Only the column duals {@code v} carry over between solves; an assigned row's
 * dual is {@code u[i] = C[i][col(i)] - v[col(i)]}.
 * <ol>
 *   <li>Initial column duals: the previous solve's (warm start, below), otherwise the column minima
 *       (square) or zero (wide).</li>
 *   <li>Augmenting row reduction (Jonker and Volgenant 1987): each row bids for the column of its
 *       smallest reduced cost {@code C[i][j] - v[j]}, lowering that column's dual by the gap to its
 *       second smallest so that the edge is tight; a displaced row bids again. The work is capped at
 *       {@value #ARR_SCANS_PER_ROW} row scans per row, so this step costs {@code O(n m)}; with good
 *       duals (a warm start) it assigns almost every row.</li>
 *   <li>Each row still free is assigned by one shortest augmenting path: Dijkstra on the reduced
 *       costs {@code C[i][j] - u[i] - v[j]}, which stay non-negative, to the nearest free column,
 *       then the dual update and augmentation of Crouse (2016), "On implementing 2D rectangular
 *       assignment algorithms", IEEE TAES 52(4), pp. 1685–1686, as in scipy's {@code
 *       linear_sum_assignment}. Each path costs {@code O(n m)}.</li>
 *   <li>Wide only: the real rows' assignment is optimal once every assigned column's dual is at
 *       most every free column's. From a cold start that holds by construction (free duals stay 0,
 *       assigned ones only decrease), which makes the search exactly Crouse's. After a warm start,
 *       free columns below the largest dual are raised as far as feasibility allows, and the dummy
 *       rows are assigned too (directly where a free column is at the top, else by augmenting
 *       paths), which restores it. If that costs more than {@value #DUMMY_WORK_PER_ENTRY}{@code n m
 *       + 2 (m - n) m} relaxed entries, the warm start is abandoned and the solve restarts cold.</li>
 * </ol>
 * Time {@code O(n^2 m)} in the worst case ({@code O(n^3)} square); memory: the copy (if any) and
 * {@code O(m)} work arrays, allocated once per solve.
 *
 * <h2>Warm start</h2>
 * Between weight-matching sweeps the cost matrix changes a little, so the previous optimum's duals
 * are nearly optimal: the row reduction then assigns most rows by one scan each and few paths are
 * needed (a 1024 x 1024 rank-4 "score" matrix, costs in [-4, 4], each moved by up to 0.025:
 * about 10x faster than cold).
 * Only the duals of the internal columns (the caller's {@code v}, or {@code u} for a tall matrix)
 * are used. They are only a hint: any finite values give an optimal result, so the duals of a
 * related but different problem are fine. Values that are not finite, or spread over more than
 * {@value #WARM_SPREAD_PER_LINE}{@code * (rows + cols)} times the cost range (they would cost
 * precision), are ignored and the solve starts cold. A rectangular warm start helps less: columns
 * that were assigned before and are free now must have their duals repaired (step 4).
 *
 * <h2>Why our own</h2>
 * No solver on Maven Central fits dense 512–4096 float matrices in pure Java: ND4J has no
 * Hungarian/JV solver and commons-math3 only a simplex LP; jgrapht's Kuhn–Munkres needs a graph of
 * {@code n^2} edge objects; OR-Tools' assignment is native and integer-cost only; KevinStern's
 * Hungarian copies into {@code double[n][n]} and only minimises (as surveyed when this was written;
 * the tests check this solver against a brute force and against scipy's {@code linear_sum_assignment}).
 *
 * <p>Inputs are checked once at the entry: {@code cost.length == rows * cols}, non-negative sizes,
 * every cost finite (a NaN or infinity is reported with its row, column and value) and the cost
 * range {@code max - min} finite. An empty matrix (no rows or no columns) has the empty assignment
 * and total 0. Ties are broken deterministically (the same input gives the same assignment).
 */
public final class LinearAssignment {

    /** Sense of the optimisation. */
    public enum Goal { MINIMIZE, MAXIMIZE }

    /**
     * An optimal assignment.
     *
     * @param colForRow column assigned to each row, {@code -1} for a row left unassigned (only when rows > cols)
     * @param rowForCol row assigned to each column, {@code -1} for a column left unassigned (only when cols > rows)
     * @param total sum of the assigned costs (of the caller's matrix, in its sense)
     * @param duals row and column duals proving optimality (see the class comment); pass them to the
     *     next solve of a same-shaped matrix to warm-start it
     */
    public record Result(int[] colForRow, int[] rowForCol, double total, Duals duals) {
        public Result {
            colForRow = colForRow.clone();
            rowForCol = rowForCol.clone();
            Objects.requireNonNull(duals, "duals");
        }

        @Override
        public int[] colForRow() { return colForRow.clone(); }

        @Override
        public int[] rowForCol() { return rowForCol.clone(); }

        /** Number of assigned pairs, {@code min(rows, cols)}. */
        public int pairs() {
            int k = 0;
            for (int c : colForRow) if (c >= 0) k++;
            return k;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && Arrays.equals(r.colForRow, colForRow) && Arrays.equals(r.rowForCol, rowForCol)
                    && Double.compare(r.total, total) == 0 && r.duals.equals(duals);
        }

        @Override
        public int hashCode() { return (Arrays.hashCode(colForRow) * 31 + Double.hashCode(total)) * 31 + duals.hashCode(); }

        @Override
        public String toString() { return "Result[colForRow=" + Arrays.toString(colForRow) + ", total=" + total + "]"; }
    }

    /**
     * Row duals {@code u} and column duals {@code v} (potentials) of an assignment problem, in the
     * caller's orientation and sense (see the class comment).
     */
    public record Duals(double[] u, double[] v) {
        public Duals {
            u = u.clone();
            v = v.clone();
        }

        @Override
        public double[] u() { return u.clone(); }

        @Override
        public double[] v() { return v.clone(); }

        @Override
        public boolean equals(Object o) { return o instanceof Duals d && Arrays.equals(d.u, u) && Arrays.equals(d.v, v); }

        @Override
        public int hashCode() { return Arrays.hashCode(u) * 31 + Arrays.hashCode(v); }

        @Override
        public String toString() { return "Duals[u=" + Arrays.toString(u) + ", v=" + Arrays.toString(v) + "]"; }
    }

    /** Row scans the augmenting row reduction may spend, per row. */
    static final int ARR_SCANS_PER_ROW = 2;
    /** A warm start is ignored if its duals spread over more than this times (rows + cols) times the cost range. */
    static final double WARM_SPREAD_PER_LINE = 4.0;
    /**
     * Work limit (in relaxed entries, per entry of the matrix) for completing a wide warm start
     * with dummy rows, beyond which it is abandoned for a cold start.
     */
    static final long DUMMY_WORK_PER_ENTRY = 8;

    private LinearAssignment() {}

    /**
     * Solves the {@code rows x cols} assignment problem from a cold start.
     *
     * @param cost row-major costs, {@code rows * cols} finite values; not modified
     * @throws IllegalArgumentException on a wrong length, a negative size, a cost that is NaN or
     *     infinite (the message names its row, column and value) or an infinite cost range
     * @throws ArithmeticException if finite costs near {@code Double.MAX_VALUE} overflow the dual arithmetic
     */
    public static Result solve(double[] cost, int rows, int cols, Goal goal) {
        return solve(cost, rows, cols, goal, null);
    }

    /**
     * Solves the {@code rows x cols} assignment problem, warm-started from the duals of a previous
     * solve of a same-shaped matrix with the same goal ({@code null}: cold start). The result is
     * optimal whatever the duals (even another goal's); poor ones only cost time, and unusable ones
     * (not finite, or of a spread far beyond the cost range) are ignored.
     *
     * @param cost row-major costs, {@code rows * cols} finite values; not modified
     * @param warmStart duals from {@link Result#duals()}, with {@code u.length == rows} and {@code v.length == cols}, or {@code null}
     * @throws IllegalArgumentException as {@link #solve(double[], int, int, Goal)}, or when the warm
     *     start's lengths do not match the shape
     * @throws ArithmeticException as {@link #solve(double[], int, int, Goal)}
     */
    public static Result solve(double[] cost, int rows, int cols, Goal goal, Duals warmStart) {
        return solve(cost, rows, cols, goal, warmStart, DUMMY_WORK_PER_ENTRY);
    }

    /** {@link #solve(double[], int, int, Goal, Duals)} with the wide warm start's repair budget given; for tests. */
    static Result solve(double[] cost, int rows, int cols, Goal goal, Duals warmStart, long dummyWorkPerEntry) {
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(goal, "goal");
        double range = checkedRange(cost, rows, cols);
        if (warmStart != null && (warmStart.u.length != rows || warmStart.v.length != cols)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "warm start has %d row and %d column duals; the matrix is %d x %d", warmStart.u.length, warmStart.v.length, rows, cols));
        }
        if (rows == 0 || cols == 0) return empty(rows, cols);

        boolean transpose = rows > cols;
        boolean maximize = goal == Goal.MAXIMIZE;
        int n = Math.min(rows, cols);
        int m = Math.max(rows, cols);
        double[] c = transpose || maximize ? internalCosts(cost, rows, cols, transpose, maximize) : cost;
        Kernel k = new Kernel(c, n, m, dummyWorkPerEntry);
        boolean warm = warmStart != null && k.loadWarmStart(transpose ? warmStart.u : warmStart.v, maximize, range);
        k.run(warm);
        return k.result(cost, rows, cols, transpose, maximize);
    }

    /**
     * Whether {@code result} is a valid assignment of the matrix whose total is the sum of its costs
     * and whose duals satisfy the optimality conditions of the class comment, all within {@code
     * tolerance} (absolute). When true the assignment is optimal (up to {@code tolerance} per line).
     */
    static boolean certifiesOptimal(double[] cost, int rows, int cols, Goal goal, Result result, double tolerance) {
        int[] colForRow = result.colForRow;
        int[] rowForCol = result.rowForCol;
        double[] u = result.duals.u;
        double[] v = result.duals.v;
        if (colForRow.length != rows || rowForCol.length != cols || u.length != rows || v.length != cols) return false;
        int pairs = 0;
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int c = colForRow[r];
            if (c < -1 || c >= cols || (c >= 0 && rowForCol[c] != r)) return false;
            if (c >= 0) {
                pairs++;
                sum += cost[r * cols + c];
            }
        }
        for (int c = 0; c < cols; c++) {
            int r = rowForCol[c];
            if (r < -1 || r >= rows || (r >= 0 && colForRow[r] != c)) return false;
        }
        if (pairs != Math.min(rows, cols) || !(Math.abs(sum - result.total) <= tolerance)) return false;

        // s * (C - u - v) >= 0 everywhere, = 0 on pairs; longer-side duals have the sign of -s; unassigned lines 0
        double s = goal == Goal.MINIMIZE ? 1 : -1;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double slack = s * (cost[r * cols + c] - u[r] - v[c]);
                if (!(slack >= -tolerance)) return false;
                if (colForRow[r] == c && !(slack <= tolerance)) return false;
            }
        }
        for (int r = 0; r < rows; r++) {
            if (rows > cols && !(s * u[r] <= tolerance)) return false;
            if (colForRow[r] < 0 && !(Math.abs(u[r]) <= tolerance)) return false;
        }
        for (int c = 0; c < cols; c++) {
            if (cols > rows && !(s * v[c] <= tolerance)) return false;
            if (rowForCol[c] < 0 && !(Math.abs(v[c]) <= tolerance)) return false;
        }
        return true;
    }

    /** Whether {@code warmStart} would be used (not ignored) by a solve of this matrix; for tests. */
    static boolean warmStartUsable(double[] cost, int rows, int cols, Goal goal, Duals warmStart) {
        double range = checkedRange(cost, rows, cols);
        if (rows == 0 || cols == 0) return true;
        boolean transpose = rows > cols;
        Kernel k = new Kernel(cost, Math.min(rows, cols), Math.max(rows, cols), DUMMY_WORK_PER_ENTRY);
        return k.loadWarmStart(transpose ? warmStart.u : warmStart.v, goal == Goal.MAXIMIZE, range);
    }

    /** Checks shape and values; returns {@code max - min} of the costs (0 when empty). */
    private static double checkedRange(double[] cost, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "negative shape %d x %d", rows, cols));
        }
        if ((long) rows * cols != cost.length) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cost has %d values; a %d x %d matrix needs %d", cost.length, rows, cols, (long) rows * cols));
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < cost.length; k++) {
            double x = cost[k];
            if (!(Math.abs(x) <= Double.MAX_VALUE)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "cost at (row %d, col %d) is %s; costs must be finite", k / cols, k % cols, x));
            }
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        if (cost.length == 0) return 0;
        double range = hi - lo;
        if (range == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "cost range %s .. %s overflows a double; rescale the costs", lo, hi));
        }
        return range;
    }

    private static Result empty(int rows, int cols) {
        int[] colForRow = new int[rows];
        int[] rowForCol = new int[cols];
        Arrays.fill(colForRow, -1);
        Arrays.fill(rowForCol, -1);
        return new Result(colForRow, rowForCol, 0, new Duals(new double[rows], new double[cols]));
    }

    /** The internal matrix: transposed if tall ({@code m x n} becomes {@code n x m}), negated if maximising. */
    private static double[] internalCosts(double[] cost, int rows, int cols, boolean transpose, boolean maximize) {
        double[] t = new double[cost.length];
        double sign = maximize ? -1 : 1;
        if (!transpose) {
            for (int k = 0; k < cost.length; k++) t[k] = sign * cost[k];
            return t;
        }
        // blocked so that both the reads and the strided writes stay in cache
        final int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = Math.min(rows, r0 + block);
            for (int c0 = 0; c0 < cols; c0 += block) {
                int c1 = Math.min(cols, c0 + block);
                for (int r = r0; r < r1; r++) {
                    int from = r * cols;
                    for (int c = c0; c < c1; c++) t[c * rows + r] = sign * cost[from + c];
                }
            }
        }
        return t;
    }

    /**
     * The solver state for "minimise, {@code n <= m}" on the internal matrix {@code c} ({@code n x m},
     * row-major). A wide matrix is treated as the square {@code m x m} matrix padded with {@code m - n}
     * zero-cost dummy rows (numbered {@code n .. m-1}), which are never stored: the optimal padded
     * assignment restricted to the real rows is the optimal rectangular one. Row duals {@code u} are
     * kept explicitly (Crouse's update maintains them); only {@code v} carries information between
     * solves.
     */
    private static final class Kernel {
        private final double[] c;
        /** Real rows. */
        private final int n;
        /** Columns, and rows including the dummy ones. */
        private final int m;
        private final double[] u;
        private final double[] v;
        /** Final shortest path cost from the current free row to each scanned column (Dijkstra labels). */
        private final double[] spc;
        private final int[] colForRow;
        /** Row of each column, a dummy row (>= n) counting as none in the result. */
        private final int[] rowForCol;
        /** Row from which each scanned column was reached: the augmenting path, followed backwards. */
        private final int[] path;
        /**
         * Columns not yet scanned in the current search, in positions 0 .. numRemaining-1, with
         * their labels, duals and path rows at the same positions, so that the scan reads them in
         * sequence (only the cost row is gathered).
         */
        private final int[] remCol;
        private final double[] remD;
        private final double[] remV;
        private final int[] remPath;
        /** Columns scanned in the current search, in scan order. */
        private final int[] scanned;
        /** Smallest label found by the last {@link #relax} or {@link #first} call. */
        private double lowest;
        /** Row-scan work (columns relaxed) since the last reset. */
        private long work;
        /** See {@link #DUMMY_WORK_PER_ENTRY}. */
        private final long dummyWorkPerEntry;

        Kernel(double[] c, int n, int m, long dummyWorkPerEntry) {
            this.c = c;
            this.dummyWorkPerEntry = dummyWorkPerEntry;
            this.n = n;
            this.m = m;
            this.u = new double[m];
            this.v = new double[m];
            this.spc = new double[m];
            this.colForRow = new int[m];
            this.rowForCol = new int[m];
            this.path = new int[m];
            this.remCol = new int[m];
            this.remD = new double[m];
            this.remV = new double[m];
            this.remPath = new int[m];
            this.scanned = new int[m];
        }

        /** Loads the internal column duals of a warm start; false if unusable (then {@code v} is all 0). */
        boolean loadWarmStart(double[] columnDuals, boolean maximize, double range) {
            double sign = maximize ? -1 : 1;
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double x = sign * columnDuals[j];
                if (!(Math.abs(x) <= Double.MAX_VALUE)) {
                    Arrays.fill(v, 0);
                    return false;
                }
                v[j] = x;
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            if (!(hi - lo <= WARM_SPREAD_PER_LINE * (n + m) * range)) {
                Arrays.fill(v, 0);
                return false;
            }
            // only differences matter; keep magnitudes near the costs' for precision
            for (int j = 0; j < m; j++) v[j] -= hi;
            return true;
        }

        void run(boolean warm) {
            if (!warm && n == m) columnMinima();
            assignRealRows();
            if (n < m && !settleFreeColumns()) {
                // repairing the warm start's free columns costs more than it saves: start again cold
                Arrays.fill(v, 0);
                assignRealRows();
                if (!settleFreeColumns()) throw new IllegalStateException("a cold start needs no dummy rows");
            }
        }

        /** Augmenting row reduction, then one augmenting path per real row still free. */
        private void assignRealRows() {
            Arrays.fill(colForRow, -1);
            Arrays.fill(rowForCol, -1);
            if (m > 1) augmentingRowReduction();
            for (int i = 0; i < n; i++) {
                if (colForRow[i] < 0) augment(i);
            }
        }

        /**
         * Wide case, all real rows assigned: completes the padded problem and leaves the certificate
         * duals. A dummy row can take a free column {@code j} tightly and feasibly exactly when
         * {@code v[j]} is the largest column dual {@code V}. After a cold start every free column
         * is there already. Otherwise free columns below {@code V} are first raised as far as the
         * assigned rows stay feasible ({@code v[j] <= c[i][j] - u[i]}); the dummy rows take the
         * free columns at {@code V} directly, and only the rest are assigned by augmenting paths.
         * Finally the dummy rows' columns are freed and the duals shifted so that they are 0 there.
         */
        private boolean settleFreeColumns() {
            double vMax = Double.NEGATIVE_INFINITY;
            double freeMin = Double.POSITIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                vMax = Math.max(vMax, v[j]);
                if (rowForCol[j] < 0) freeMin = Math.min(freeMin, v[j]);
            }
            if (freeMin < vMax) {
                double[] cap = spc; // scratch: augment() overwrites it
                Arrays.fill(cap, vMax);
                for (int i = 0; i < n; i++) {
                    int base = i * m;
                    double ui = u[i];
                    for (int j = 0; j < m; j++) cap[j] = Math.min(cap[j], c[base + j] - ui);
                }
                int d = n;
                for (int j = 0; j < m; j++) {
                    if (rowForCol[j] >= 0) continue;
                    v[j] = Math.max(v[j], cap[j]);
                    if (v[j] == vMax) {
                        rowForCol[j] = d;
                        colForRow[d] = j;
                        u[d] = -vMax;
                        d++;
                    }
                }
                // each dummy row's path costs up to O(n m); a warm start that needs many is worse than none
                long budget = dummyWorkPerEntry * n * (long) m + 2L * (m - n) * m;
                work = 0;
                for (; d < m; d++) {
                    if (work > budget) return false;
                    augment(d);
                }
                freeMin = Double.POSITIVE_INFINITY;
                for (int j = 0; j < m; j++) {
                    if (rowForCol[j] >= n) freeMin = Math.min(freeMin, v[j]);
                }
            }
            // all free columns are at the top (up to rounding): lowering them to their minimum keeps feasibility
            double pi = freeMin;
            for (int j = 0; j < m; j++) {
                if (rowForCol[j] < 0 || rowForCol[j] >= n) {
                    rowForCol[j] = -1;
                    v[j] = pi;
                }
                v[j] -= pi;
            }
            for (int i = 0; i < n; i++) u[i] += pi;
            return true;
        }

        /** Cold square start: {@code v[j] = min_i c[i][j]}, so that every reduced cost is >= 0. */
        private void columnMinima() {
            System.arraycopy(c, 0, v, 0, m);
            for (int i = 1; i < n; i++) {
                int base = i * m;
                for (int j = 0; j < m; j++) v[j] = Math.min(v[j], c[base + j]);
            }
        }

        /**
         * Jonker–Volgenant augmenting row reduction from all real rows free, two passes, capped at
         * {@link #ARR_SCANS_PER_ROW}{@code * n} row scans. Each assignment it makes is tight with
         * all of the row's reduced costs >= its dual; duals only decrease, and only on columns that
         * are (and stay) assigned.
         */
        private void augmentingRowReduction() {
            final double[] c = this.c;
            final double[] v = this.v;
            int[] queue = new int[n];
            int[] deferred = new int[n];
            for (int i = 0; i < n; i++) queue[i] = i;
            int head = 0;
            int tail = n;
            long budget = (long) ARR_SCANS_PER_ROW * n;
            for (int pass = 0; pass < 2 && budget > 0; pass++) {
                int nDeferred = 0;
                while (head < tail && budget-- > 0) {
                    int i = queue[head++];
                    int base = i * m;
                    double m1 = c[base] - v[0];
                    double m2 = Double.POSITIVE_INFINITY;
                    int j1 = 0;
                    int j2 = -1;
                    for (int j = 1; j < m; j++) {
                        double r = c[base + j] - v[j];
                        // among equal minima prefer a free column (a constant matrix then gives the identity)
                        if (r < m1 || (r == m1 && rowForCol[j1] >= 0 && rowForCol[j] < 0)) {
                            m2 = m1;
                            j2 = j1;
                            m1 = r;
                            j1 = j;
                        } else if (r < m2) {
                            m2 = r;
                            j2 = j;
                        }
                    }
                    int displaced = rowForCol[j1];
                    if (m1 < m2) {
                        // make j1 exactly as attractive to row i as its second choice: tight and feasible
                        v[j1] -= m2 - m1;
                        if (displaced >= 0) queue[--head] = displaced;
                    } else if (displaced >= 0) {
                        // a tie: take the equally cheap second column; whoever it displaces waits for the next pass
                        j1 = j2;
                        displaced = rowForCol[j1];
                        if (displaced >= 0) deferred[nDeferred++] = displaced;
                    }
                    if (displaced >= 0) colForRow[displaced] = -1;
                    colForRow[i] = j1;
                    rowForCol[j1] = i;
                    u[i] = c[base + j1] - v[j1];
                }
                System.arraycopy(deferred, 0, queue, 0, nDeferred);
                head = 0;
                tail = nDeferred;
            }
        }

        /**
         * Assigns free row {@code i0} (real or dummy) along a shortest augmenting path: Dijkstra on
         * the reduced costs {@code c[i][j] - u[i] - v[j] >= 0}, ending at the first free column
         * scanned; then the dual update of Crouse (2016) on the scanned rows and columns, and the
         * flip of the path.
         */
        private void augment(int i0) {
            final int[] remCol = this.remCol;
            final double[] remD = this.remD;
            final double[] remV = this.remV;
            final int[] remPath = this.remPath;
            final int[] rowForCol = this.rowForCol;

            u[i0] = 0;
            int index = first(i0);
            if (index < 0) {
                throw new ArithmeticException("no finite augmenting path for row " + i0 + "; the costs overflow the dual arithmetic");
            }
            int numRemaining = m;
            int numScanned = 0;
            int sink;
            while (true) {
                double minVal = lowest;
                int j = remCol[index];
                spc[j] = minVal;
                path[j] = remPath[index];
                int last = --numRemaining;
                remCol[index] = remCol[last];
                remD[index] = remD[last];
                remV[index] = remV[last];
                remPath[index] = remPath[last];
                scanned[numScanned++] = j;
                int i = rowForCol[j];
                if (i < 0) {
                    sink = j;
                    break;
                }
                index = relax(i, minVal - u[i], numRemaining);
                if (index < 0) {
                    throw new ArithmeticException("no finite augmenting path for row " + i0 + "; the costs overflow the dual arithmetic");
                }
            }

            // duals: every scanned node moves by (D - its label), D the sink's label; reduced costs
            // stay >= 0 and the path becomes tight
            double total = spc[sink];
            u[i0] += total;
            for (int k = 0; k < numScanned; k++) {
                int j = scanned[k];
                double delta = total - spc[j];
                v[j] -= delta;
                int r = rowForCol[j];
                if (r >= 0) u[r] += delta;
            }

            int j = sink;
            while (true) {
                int r = path[j];
                rowForCol[j] = r;
                int previous = colForRow[r];
                colForRow[r] = j;
                j = previous;
                if (r == i0) break;
            }
        }

        /**
         * Starts a search from row {@code i0}: labels every column with its reduced cost (all
         * columns remaining, in reverse order as in scipy, so that a constant matrix gives the
         * identity, scipy issue #11602). Returns the position of the smallest label.
         */
        private int first(int i0) {
            final double[] c = this.c;
            final double[] v = this.v;
            final int[] remCol = this.remCol;
            final double[] remD = this.remD;
            final double[] remV = this.remV;
            final int[] remPath = this.remPath;
            final int[] rowForCol = this.rowForCol;
            final int m = this.m;
            final boolean dummy = i0 >= n;
            final int base = dummy ? 0 : i0 * m;
            double low = Double.POSITIVE_INFINITY;
            int index = -1;
            for (int it = 0; it < m; it++) {
                int j = m - 1 - it;
                double vj = v[j];
                double r = (dummy ? 0 : c[base + j]) - vj;
                remCol[it] = j;
                remV[it] = vj;
                remD[it] = r;
                remPath[it] = i0;
                if (r < low || (r == low && rowForCol[j] < 0)) {
                    low = r;
                    index = it;
                }
            }
            lowest = low;
            work += m;
            return index;
        }

        /**
         * Relaxes the remaining columns' labels through row {@code i} ({@code h} = label of the
         * column that reached it minus {@code u[i]}) and returns the position of the smallest label
         * ({@code -1} if none is finite). Among equal labels a free column is preferred: it ends the
         * search (this matters for integer costs).
         */
        private int relax(int i, double h, int numRemaining) {
            final double[] c = this.c;
            final int[] remCol = this.remCol;
            final double[] remD = this.remD;
            final double[] remV = this.remV;
            final int[] remPath = this.remPath;
            final int[] rowForCol = this.rowForCol;
            double low = Double.POSITIVE_INFINITY;
            int index = -1;
            if (i < n) {
                final int base = i * m;
                for (int it = 0; it < numRemaining; it++) {
                    double r = h + c[base + remCol[it]] - remV[it];
                    double d = remD[it];
                    if (r < d) {
                        remD[it] = r;
                        remPath[it] = i;
                        d = r;
                    }
                    if (d < low || (d == low && rowForCol[remCol[it]] < 0)) {
                        low = d;
                        index = it;
                    }
                }
            } else {
                // a dummy row: all its costs are 0
                for (int it = 0; it < numRemaining; it++) {
                    double r = h - remV[it];
                    double d = remD[it];
                    if (r < d) {
                        remD[it] = r;
                        remPath[it] = i;
                        d = r;
                    }
                    if (d < low || (d == low && rowForCol[remCol[it]] < 0)) {
                        low = d;
                        index = it;
                    }
                }
            }
            lowest = low;
            work += numRemaining;
            return index;
        }

        Result result(double[] cost, int rows, int cols, boolean transpose, boolean maximize) {
            int[] colForRowOut = new int[rows];
            int[] rowForColOut = new int[cols];
            double[] uOut = new double[rows];
            double[] vOut = new double[cols];
            double sign = maximize ? -1 : 1;
            // "+ 0.0" turns the -0.0 of a negated zero into 0.0
            if (!transpose) {
                System.arraycopy(colForRow, 0, colForRowOut, 0, n);
                System.arraycopy(rowForCol, 0, rowForColOut, 0, m);
                for (int i = 0; i < n; i++) uOut[i] = sign * u[i] + 0.0;
                for (int j = 0; j < m; j++) vOut[j] = sign * v[j] + 0.0;
            } else {
                System.arraycopy(colForRow, 0, rowForColOut, 0, n);
                System.arraycopy(rowForCol, 0, colForRowOut, 0, m);
                for (int i = 0; i < n; i++) vOut[i] = sign * u[i] + 0.0;
                for (int j = 0; j < m; j++) uOut[j] = sign * v[j] + 0.0;
            }
            double total = 0;
            for (int r = 0; r < rows; r++) {
                if (colForRowOut[r] >= 0) total += cost[r * cols + colForRowOut[r]];
            }
            return new Result(colForRowOut, rowForColOut, total, new Duals(uOut, vOut));
        }
    }
}
