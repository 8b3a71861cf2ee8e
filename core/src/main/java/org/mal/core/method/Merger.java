package org.mal.core.method;

import java.util.function.DoubleFunction;
import org.mal.core.model.Model;

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
    default Model merge(Pair pair, Aligned aligned, double lambda, MethodData data) { return curve(pair, aligned, data).apply(lambda); }

    /**
     * The merge as a function of λ, for curves and λ rules: what does not depend on λ (statistics,
     * samples) is computed once. Each call of the function gives the same model as {@link #merge}.
     */
    DoubleFunction<Model> curve(Pair pair, Aligned aligned, MethodData data);
}
