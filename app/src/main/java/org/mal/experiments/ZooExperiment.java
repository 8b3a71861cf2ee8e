package org.mal.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Repair;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the zoo experiments ({@code laws-check}, {@code learning-check}) share. */
final class ZooExperiment {
    private ZooExperiment() {}

    /**
     * Runs {@code work} on {@code threads} threads and returns the results in the order of
     * {@code work} (so sums over them do not depend on the threads); a task's exception is rethrown
     * as itself.
     */
    static <T> List<T> inParallel(List<Callable<T>> work, int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> f : pool.invokeAll(work)) results.add(f.get());
            return results;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code rows} stratified rows (seed 1) of a task's test set, or all of them. */
    static Dataset testSample(DataDir data, String task, int rows) {
        Dataset test = data.loadTest(task);
        int n = Math.min(rows, test.size());
        return test.subset(test.name() + "-" + n, Splits.stratified(test.labels(), test.classCount(), n, 1).selected());
    }

    /** Weight matching (default settings) and the loss curves of aligned and naive merges on {@code test}. */
    static Lmc.Report evaluate(Model base, Model target, LayerMap map, Dataset test, double[] lambdas, double tolerance) {
        return curves(base, target, map, test, null, lambdas, tolerance).weightMatching();
    }

    /**
     * A pair's curves against the naive merge: weight matching, and weight matching REPAIRed
     * ({@code null} when {@code repairRows} is).
     */
    record Curves(Lmc.Report weightMatching, Lmc.Report repaired) {}

    /**
     * Weight matching (default settings) against the naive merge on {@code test}; with
     * {@code repairRows} (the base task's training rows, never test rows) also the weight-matched
     * merge REPAIRed by measured statistics ({@link Repair#measured}) on those rows.
     */
    static Curves curves(Model base, Model target, LayerMap map, Dataset test, Dataset repairRows, double[] lambdas, double tolerance) {
        Alignment al = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, al);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map));
        Lmc.Report wm = Lmc.evaluate(base, aligned, naive, List.of(test), lambdas, tolerance, Evaluator.DEFAULT_BATCH);
        if (repairRows == null) return new Curves(wm, null);
        INDArray x = repairRows.features(0, repairRows.size());
        Lmc.Report repaired = Lmc.evaluate(base, Repair.measured(base, target, al, aligned, x), Lmc.firstLayer(aligned), naive, List.of(test),
                lambdas, tolerance, Evaluator.DEFAULT_BATCH);
        return new Curves(wm, repaired);
    }
}
