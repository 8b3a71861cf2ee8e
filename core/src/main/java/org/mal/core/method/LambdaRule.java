package org.mal.core.method;

import java.util.Map;
import java.util.Objects;
import org.mal.core.data.Dataset;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Chooses the λ of a convex merge from the base-task loss over the grid. */
public interface LambdaRule {
    String name();

    /** The λ to merge with, in [0, 1]; 0 keeps nothing of the target. */
    double choose(Curve curve);

    /**
     * What a rule sees: the merge's ingredients, the base task's rows, the coarse grid with the
     * loss at each of its points (already computed), and the largest admissible loss.
     */
    record Curve(Model base, Map<String, INDArray> aligned, Dataset task, double[] lambdas, double[] loss, double lossLimit) {
        public Curve {
            Objects.requireNonNull(base);
            Objects.requireNonNull(aligned);
            if (lambdas.length != loss.length) throw new IllegalArgumentException("a loss per grid point is needed");
        }
    }
}
