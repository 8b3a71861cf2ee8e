package org.mal.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.mal.core.align.LinearAssignment;
import org.mal.core.align.LinearAssignment.Duals;
import org.mal.core.align.LinearAssignment.Goal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link LinearAssignment#solve} on square {@code n x n} matrices from {@link LapMatrices} (seed
 * {@code 1 + n}, the matrices {@code bench/scripts/lap_reference.py --time} gives scipy), minimising.
 *
 * <ul>
 *   <li>{@code cold}: from scratch, as scipy always solves.</li>
 *   <li>{@code warm}: the matrix with every cost moved by up to ±1% of the cost range, warm-started
 *       from the unperturbed matrix's duals, as between two weight-matching sweeps.</li>
 * </ul>
 * Scores are milliseconds per solve ({@link Mode#AverageTime}). {@link LapVsScipy} puts the cold
 * times next to scipy's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LapBench {

    @Param({"64", "128", "256", "512", "1024", "2048"})
    public int n;

    /** {@link LapMatrices} kind: {@code uniform} (scipy's usual benchmark) or {@code product} (score-like). */
    @Param({"uniform", "product"})
    public String kind;

    private double[] cost;
    private double[] perturbed;
    private Duals previous;

    @Setup
    public void setup() {
        cost = LapMatrices.generate(kind, n, n, 1L + n);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double x : cost) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        SplittableRandom random = new SplittableRandom(n);
        double step = 0.01 * (hi - lo);
        perturbed = new double[cost.length];
        for (int k = 0; k < cost.length; k++) perturbed[k] = cost[k] + random.nextDouble(-step, step);
        previous = LinearAssignment.solve(cost, n, n, Goal.MINIMIZE).duals();
    }

    @Benchmark
    public LinearAssignment.Result cold() {
        return LinearAssignment.solve(cost, n, n, Goal.MINIMIZE);
    }

    @Benchmark
    public LinearAssignment.Result warm() {
        return LinearAssignment.solve(perturbed, n, n, Goal.MINIMIZE, previous);
    }
}
