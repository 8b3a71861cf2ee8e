package org.mal.experiments;

import java.util.List;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;

/** What the zoo experiments ({@code laws-check}, {@code learning-check}) share. */
final class ZooExperiment {
    private ZooExperiment() {}

    /** {@code rows} stratified rows (seed 1) of a task's test set, or all of them. */
    static Dataset testSample(DataDir data, String task, int rows) {
        Dataset test = data.loadTest(task);
        int n = Math.min(rows, test.size());
        return test.subset(test.name() + "-" + n, Splits.stratified(test.labels(), test.classCount(), n, 1).selected());
    }

    /** Weight matching (default settings) and the loss curves of aligned and naive merges on {@code test}. */
    static Lmc.Report evaluate(Model base, Model target, LayerMap map, Dataset test, double[] lambdas, double tolerance) {
        Alignment al = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        return Lmc.evaluate(base, Transplant.alignedTensors(base, target, al),
                Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map)),
                List.of(test), lambdas, tolerance, Evaluator.DEFAULT_BATCH);
    }
}
