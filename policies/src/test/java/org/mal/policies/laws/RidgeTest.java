package org.mal.policies.laws;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RidgeTest {

    /**
     * Against numpy: columns [intercept, a, c, d, b], {@code D = diag(1e-6, k, k, k, k)}, k = 0.5,
     * {@code w = inv(XᵀX + D) Xᵀy}, bonus {@code sqrt(xᵀ inv(A) x + unseen/k)}:
     * <pre>
     * X = [[1,1,1,0,0],[1,1,0,1,0],[1,0,1,0,1],[1,0,0,0,1]]; y = [1.0, 0.5, 0.2, 0.0]
     * </pre>
     */
    @Test
    void matchesNumpyOnASmallDesign() {
        Ridge r = Ridge.fit(List.of(List.of("a", "c"), List.of("a", "d"), List.of("b", "c"), List.of("b")), List.of(1.0, 0.5, 0.2, 0.0), 0.5);
        Map<String, Double> w = r.weights();
        assertEquals(0.34056549, w.get(""), 1e-7);
        assertEquals(0.27547201, w.get("a"), 1e-7);
        assertEquals(0.20754734, w.get("c"), 1e-7);
        assertEquals(-0.07735833, w.get("d"), 1e-7);
        assertEquals(-0.27547133, w.get("b"), 1e-7);
        assertEquals(0.8235848317640917, r.predict(List.of("a", "c"), 0), 1e-9);
        assertEquals(-0.012264167007806581, r.predict(List.of("b", "d"), 0), 1e-9);
        assertEquals(2.3616518024258335, r.predict(List.of("a", "e"), 1.0), 1e-9, "an unseen feature adds variance 1/k");
        assertEquals(2.277994117546137, r.predict(List.of("b", "d"), 2.0), 1e-9);
    }

    @Test
    void anAlmostUnpenalisedInterceptMakesTheFittedValuesAverageTheMeanReward() {
        List<List<String>> xs = List.of(List.of("x"), List.of("y"), List.of("y"), List.of("x", "y"));
        List<Double> ys = List.of(0.9, 0.3, 0.3, 0.8);
        Ridge r = Ridge.fit(xs, ys, 1.0);
        double fitted = xs.stream().mapToDouble(x -> r.predict(x, 0)).average().orElseThrow();
        assertEquals(ys.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), fitted, 1e-6);
        // with a heavy penalty on the features, every fitted value shrinks to the mean; with a light one it does not
        Ridge heavy = Ridge.fit(xs, ys, 1e6);
        assertEquals(0.575, heavy.predict(List.of("x"), 0), 1e-4);
        assertEquals(0.575, heavy.predict(List.of("y"), 0), 1e-4);
        assertTrue(r.predict(List.of("x"), 0) > 0.575 && r.predict(List.of("y"), 0) < 0.575);
    }

    @Test
    void badInputIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> Ridge.fit(List.of(), List.of(), 1.0));
        assertThrows(IllegalArgumentException.class, () -> Ridge.fit(List.of(List.of("a")), List.of(1.0, 2.0), 1.0));
        var e = assertThrows(IllegalArgumentException.class, () -> Ridge.fit(List.of(List.of("a")), List.of(1.0), 0.0));
        assertTrue(e.getMessage().contains("penalty"), e.getMessage());
    }

    @Test
    void choleskySolveAndInverseOnARandomPositiveDefiniteMatrix() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        int p = 40;
        double[][] m = new double[p][p];
        for (double[] row : m) for (int j = 0; j < p; j++) row[j] = r.nextDouble() - 0.5;
        double[][] a = new double[p][p];  // mᵀm + 0.1 I
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < p; j++) {
                double s = i == j ? 0.1 : 0;
                for (int k = 0; k < p; k++) s += m[k][i] * m[k][j];
                a[i][j] = s;
            }
        }
        double[][] l = Ridge.cholesky(a);
        double[][] inv = Ridge.inverse(l);
        double[] b = new double[p];
        for (int i = 0; i < p; i++) b[i] = r.nextDouble();
        double[] x = Ridge.solve(l, b);
        for (int i = 0; i < p; i++) {
            double ax = 0;
            for (int k = 0; k < p; k++) ax += a[i][k] * x[k];
            assertEquals(b[i], ax, 1e-9, "A x = b, row " + i);
            for (int j = 0; j < p; j++) {
                double llt = 0, ai = 0;
                for (int k = 0; k <= Math.min(i, j); k++) llt += l[i][k] * l[j][k];
                for (int k = 0; k < p; k++) ai += a[i][k] * inv[k][j];
                assertEquals(a[i][j], llt, 1e-9, "L Lᵀ = A at " + i + "," + j);
                assertEquals(i == j ? 1 : 0, ai, 1e-7, "A A⁻¹ = I at " + i + "," + j);
            }
        }
        var e = assertThrows(IllegalStateException.class, () -> Ridge.cholesky(new double[][] {{1, 2}, {2, 1}}));
        assertTrue(e.getMessage().contains("positive definite"), e.getMessage());
    }

    @Test
    void withoutTheInverseThereIsNoBonusButTheSameFit() {
        var xs = List.of(List.of("a", "c"), List.of("a", "d"), List.of("b", "c"), List.of("b"));
        var ys = List.of(1.0, 0.5, 0.2, 0.0);
        Ridge lean = Ridge.fit(xs, ys, 0.5, false);
        assertEquals(Ridge.fit(xs, ys, 0.5).predict(List.of("a", "c"), 0), lean.predict(List.of("a", "c"), 0), 1e-12);
        assertThrows(IllegalStateException.class, () -> lean.predict(List.of("a"), 1.0));
    }
}
