package org.mal.core.method;

import java.util.Objects;
import java.util.function.DoubleFunction;
import org.mal.core.data.Dataset;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
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
     * admissible loss; {@code measure} gives the loss and accuracy on {@code task} at any λ (by default
     * the merged model's, {@link Evaluator#evaluate}; a move passes its curves' evaluation, which shares
     * the work across λ: {@link org.mal.core.merge.Lmc#prepare}).
     */
    record Curve(DoubleFunction<Model> mergeAt, Dataset task, double[] lambdas, double[] loss, double[] accuracy, double lossLimit,
                 DoubleFunction<Metrics> measure) {
        public Curve {
            Objects.requireNonNull(mergeAt);
            Objects.requireNonNull(measure);
            if (lambdas.length != loss.length) throw new IllegalArgumentException("a loss per grid point is needed");
            if (accuracy != null && accuracy.length != lambdas.length) throw new IllegalArgumentException("an accuracy per grid point is needed");
        }

        /** Measured by evaluating the merged model at each λ asked. */
        public Curve(DoubleFunction<Model> mergeAt, Dataset task, double[] lambdas, double[] loss, double[] accuracy, double lossLimit) {
            this(mergeAt, task, lambdas, loss, accuracy, lossLimit, l -> Evaluator.evaluate(mergeAt.apply(l), task));
        }

        /**
         * A curve whose merges are not MLPs (a CNN move's): the rules read only losses and
         * accuracies, through {@code measure}; asking it for the MLP model is an error.
         */
        public static Curve measured(Dataset task, double[] lambdas, double[] loss, double[] accuracy, double lossLimit,
                                     DoubleFunction<Metrics> measure) {
            return new Curve(l -> {
                throw new UnsupportedOperationException("this curve's merges are not MLPs; read them through metricsAt");
            }, task, lambdas, loss, accuracy, lossLimit, measure);
        }

        /** The base-task loss of the merge at {@code lambda}. */
        public double lossAt(double lambda) { return measure.apply(lambda).loss(); }

        /** Loss and accuracy on the base task's rows of the merge at {@code lambda}. */
        public Metrics metricsAt(double lambda) { return measure.apply(lambda); }
    }
}
