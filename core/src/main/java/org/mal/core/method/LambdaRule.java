package org.mal.core.method;

import java.util.Objects;
import java.util.function.DoubleFunction;
import org.mal.core.data.Dataset;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;

/** Chooses the λ of a convex merge from the base-task loss over the grid. */
public interface LambdaRule {
    String name();

    /** The λ to merge with, in [0, 1]; 0 keeps nothing of the target. */
    double choose(Curve curve);

    /**
     * What a rule sees: the merge as a function of λ ({@link Merger#curve}), the base task's rows,
     * the coarse grid with the loss and accuracy at each of its points (already computed; {@code
     * accuracy} may be null, then rules measure it on demand with {@link #metricsAt}), and the largest
     * admissible loss.
     */
    record Curve(DoubleFunction<Model> mergeAt, Dataset task, double[] lambdas, double[] loss, double[] accuracy, double lossLimit) {
        public Curve {
            Objects.requireNonNull(mergeAt);
            if (lambdas.length != loss.length) throw new IllegalArgumentException("a loss per grid point is needed");
            if (accuracy != null && accuracy.length != lambdas.length) throw new IllegalArgumentException("an accuracy per grid point is needed");
        }

        /** The base-task loss of the merge at {@code lambda}. */
        public double lossAt(double lambda) { return Evaluator.evaluate(mergeAt.apply(lambda), task).loss(); }

        /** Loss and accuracy on the base task's rows of the merge at {@code lambda}. */
        public org.mal.core.model.Metrics metricsAt(double lambda) { return Evaluator.evaluate(mergeAt.apply(lambda), task); }
    }
}
