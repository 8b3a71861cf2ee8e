package org.mal.policies.laws;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ridge regression of {@link Ridge}, kept as sufficient statistics that are updated row by row
 * (added or taken away) instead of refitted, for incremental planning (issue 22).
 *
 * <p>Every row is one-hot in groups: an intercept, at most one value of the one <em>wide</em> group
 * (the target: up to the zoo's size) and one value of each narrow group (layer map, dataset pair,
 * ...: a few dozen columns in all). Write the columns of {@code A = XᵀX + diag(1e-6, k, …, k)} as
 * the wide ones {@code W} and the narrow ones {@code N} (the intercept among them). Since each row
 * has one wide value, {@code A_WW = D} is diagonal ({@code D_v = n_v + k}, {@code n_v} the rows with
 * value {@code v}), and with {@code C = A_WN} the solution {@code w = A⁻¹Xᵀy} is
 * <pre>
 *   S   = A_NN − Σ_v C_vᵀ C_v / D_v           (q×q, q = narrow columns)
 *   w_N = S⁻¹ (b_N − Σ_v C_vᵀ b_v / D_v)
 *   w_v = (b_v − C_v·w_N) / D_v
 * </pre>
 * and {@code xᵀA⁻¹x} for {@code x = e_v + x_N} is {@code 1/D_v + |L⁻¹(x_N − C_vᵀ/D_v)|²} with
 * {@code S = L·Lᵀ}. The sums over {@code v} are kept up to date: a row of value {@code v} changes only
 * {@code v}'s term, {@code O(nnz(C_v)²)}; {@link #fit} then factors the q×q {@code S},
 * {@code O(q³)}, where a refit of {@link Ridge} is {@code O(p³)} with {@code p} up to the zoo's size.
 * Every {@value #RECOMPUTE_EVERY} updates the sums are recomputed from the statistics, so rounding
 * does not drift. {@code GroupedRidgeTest} checks weights and bonuses against {@link Ridge}.
 *
 * <p>Columns never observed (or whose rows were all taken away) have weight 0 and, for the bonus,
 * variance {@code 1/k}, as in {@link Ridge}. Not thread-safe.
 */
final class GroupedRidge {
    static final int RECOMPUTE_EVERY = 4096;

    private final double penalty;
    /** Narrow columns by name; 0 is the intercept. */
    private final Map<String, Integer> narrow = new HashMap<>();
    private final List<String> narrowNames = new ArrayList<>();
    /** Rows per narrow column (its diagonal of {@code XᵀX}). */
    private double[] narrowCount = new double[8];
    /** {@code A_NN} without the penalty, and {@code b_N}. */
    private double[][] ann = new double[8][8];
    private double[] bn = new double[8];
    /** {@code Σ_v C_vᵀ C_v / D_v} and {@code Σ_v C_vᵀ b_v / D_v}. */
    private double[][] t = new double[8][8];
    private double[] tb = new double[8];
    private final Map<String, Wide> wide = new HashMap<>();
    private double rows;
    private int updates;

    /** One value of the wide group: its row count, reward sum and counts with each narrow column. */
    private static final class Wide {
        double n;
        double b;
        final Map<Integer, Double> c = new HashMap<>();
    }

    GroupedRidge(double penalty) {
        if (!(penalty > 0)) throw new IllegalArgumentException("the ridge penalty must be > 0, got " + penalty);
        this.penalty = penalty;
        column("");
    }

    /** Rows added so far less rows taken away. */
    double rows() { return rows; }

    /** The column of a narrow feature, created when new. */
    int column(String name) {
        Integer i = narrow.get(name);
        if (i != null) return i;
        int k = narrowNames.size();
        narrow.put(name, k);
        narrowNames.add(name);
        if (k == bn.length) grow(2 * k);
        return k;
    }

    /** Whether a narrow column has rows now. */
    boolean observedColumn(int col) { return col == 0 || narrowCount[col] != 0; }

    /** The column of a narrow feature, or -1 if it was never seen. */
    int columnOf(String name) { return narrow.getOrDefault(name, -1); }

    private void grow(int q) {
        narrowCount = Arrays.copyOf(narrowCount, q);
        bn = Arrays.copyOf(bn, q);
        tb = Arrays.copyOf(tb, q);
        ann = growSquare(ann, q);
        t = growSquare(t, q);
    }

    private static double[][] growSquare(double[][] a, int q) {
        double[][] out = new double[q][q];
        for (int i = 0; i < a.length; i++) System.arraycopy(a[i], 0, out[i], 0, a.length);
        return out;
    }

    /**
     * Adds {@code count} rows (negative: takes them away) with the wide value {@code wideKey} (null:
     * none) and the narrow columns {@code cols} (which must hold the intercept, 0, once), whose
     * rewards sum to {@code rewardSum}.
     */
    void add(String wideKey, int[] cols, double count, double rewardSum) {
        for (int i : cols) {
            narrowCount[i] += count;
            bn[i] += rewardSum;
            for (int j : cols) ann[i][j] += count;
        }
        rows += count;
        if (wideKey != null) {
            Wide w = wide.computeIfAbsent(wideKey, k -> new Wide());
            term(w, -1);
            w.n += count;
            w.b += rewardSum;
            for (int i : cols) w.c.merge(i, count, Double::sum);
            w.c.values().removeIf(x -> x == 0.0);
            if (w.n == 0 && w.c.isEmpty()) wide.remove(wideKey);
            else term(w, +1);
        }
        if (++updates >= RECOMPUTE_EVERY) recompute();
    }

    /** Adds ({@code sign = 1}) or takes away ({@code -1}) one wide value's term of the two sums. */
    private void term(Wide w, int sign) {
        if (w.c.isEmpty() && w.b == 0) return;
        double d = w.n + penalty;
        for (Map.Entry<Integer, Double> i : w.c.entrySet()) {
            double ci = i.getValue() / d;
            tb[i.getKey()] += sign * ci * w.b;
            double[] ti = t[i.getKey()];
            for (Map.Entry<Integer, Double> j : w.c.entrySet()) ti[j.getKey()] += sign * ci * j.getValue();
        }
    }

    /** Both sums from the statistics again (rounding does not build up). */
    void recompute() {
        for (double[] r : t) Arrays.fill(r, 0);
        Arrays.fill(tb, 0);
        for (Wide w : wide.values()) term(w, +1);
        updates = 0;
    }

    /** The model as the statistics stand: O(q³). */
    Fit fit(boolean withBonus) {
        int q = narrowNames.size();
        double[][] s = new double[q][q];
        double[] rhs = new double[q];
        for (int i = 0; i < q; i++) {
            for (int j = 0; j < q; j++) s[i][j] = ann[i][j] - t[i][j];
            s[i][i] += i == 0 ? 1e-6 : penalty;
            rhs[i] = bn[i] - tb[i];
        }
        double[][] l = Ridge.cholesky(s);
        double[] wn = Ridge.solve(l, rhs);
        return new Fit(this, l, wn, withBonus);
    }

    /** A fitted model: weights of narrow columns now, of wide values when asked. */
    static final class Fit {
        private final GroupedRidge r;
        private final double[][] l;
        final double[] narrowWeights;
        private final boolean bonus;

        private Fit(GroupedRidge r, double[][] l, double[] wn, boolean bonus) {
            this.r = r;
            this.l = l;
            this.narrowWeights = wn;
            this.bonus = bonus;
        }

        int narrowColumns() { return narrowWeights.length; }

        /** Whether the wide value was observed (has a column). */
        boolean observed(String wideKey) { return r.wide.containsKey(wideKey); }

        /** {@code w_v}; 0 for a value never observed. */
        double wideWeight(String wideKey) {
            Wide w = r.wide.get(wideKey);
            if (w == null) return 0.0;
            double s = w.b;
            for (Map.Entry<Integer, Double> e : w.c.entrySet()) s -= e.getValue() * narrowWeights[e.getKey()];
            return s / (w.n + r.penalty);
        }

        /** {@code L⁻¹ x} for the indicator {@code x} of {@code cols} (narrow columns). */
        double[] whiten(int[] cols) {
            double[] x = new double[narrowWeights.length];
            for (int c : cols) x[c] += 1;
            return forward(x);
        }

        /** {@code L⁻¹ C_vᵀ / D_v} of an observed wide value, and {@code 1/D_v} in the returned record. */
        WideBonus wideBonus(String wideKey) {
            if (!bonus) throw new IllegalStateException("this fit was made without the exploration bonus");
            Wide w = r.wide.get(wideKey);
            double d = w.n + r.penalty;
            double[] x = new double[narrowWeights.length];
            for (Map.Entry<Integer, Double> e : w.c.entrySet()) x[e.getKey()] = e.getValue() / d;
            return new WideBonus(forward(x), 1 / d);
        }

        private double[] forward(double[] b) {
            int p = b.length;
            double[] y = new double[p];
            for (int i = 0; i < p; i++) {
                double s = b[i];
                double[] li = l[i];
                for (int k = 0; k < i; k++) s -= li[k] * y[k];
                y[i] = s / li[i];
            }
            return y;
        }
    }

    /** What the bonus needs of a wide value: {@code h = L⁻¹C_vᵀ/D_v} and {@code 1/D_v}. */
    record WideBonus(double[] h, double inverseD) {}

    /** The intercept and the observed features' weights, by name (for reading; wide values need the fit). */
    Map<String, Double> weights(Fit f) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < narrowNames.size(); i++) if (i == 0 || narrowCount[i] != 0) out.put(narrowNames.get(i), f.narrowWeights[i]);
        for (String v : new java.util.TreeSet<>(wide.keySet())) out.put(v, f.wideWeight(v));
        return out;
    }

    /** Rows per narrow feature and per wide value, by name. */
    Map<String, Integer> counts() {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (int i = 1; i < narrowNames.size(); i++) if (narrowCount[i] != 0) out.put(narrowNames.get(i), (int) narrowCount[i]);
        for (String v : new java.util.TreeSet<>(wide.keySet())) out.put(v, (int) wide.get(v).n);
        return out;
    }

    double penalty() { return penalty; }
}
