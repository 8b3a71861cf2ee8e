package org.mal.core.method;

import java.util.Map;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Combines a base with a target's aligned tensors into a model of the base's architecture. */
public interface Merger {
    String name();

    /**
     * True when one coefficient λ, chosen by a {@link LambdaRule}, weighs the target ({@code convex});
     * false when the merger learns its own coefficients ({@code np}) and ignores λ except that
     * {@code λ = 0} gives back the base.
     */
    boolean takesLambda();

    /** The merge at {@code lambda} (λ = 0 is the base, exactly). */
    Model merge(Pair pair, Map<String, INDArray> aligned, double lambda, MethodData data);
}
