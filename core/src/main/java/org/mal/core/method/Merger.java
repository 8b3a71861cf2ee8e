package org.mal.core.method;

import java.util.List;
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

    /**
     * The base merged with several targets at once (a soup), as a function of the targets' total
     * share λ split evenly (each of the K targets weighs λ/K); λ = 0 is the base, exactly. Every pair
     * has the same base. A merger that merges one target at a time refuses.
     */
    default DoubleFunction<Model> soupCurve(List<Pair> pairs, List<Aligned> aligned, MethodData data) {
        throw new IllegalArgumentException("merger " + name() + " merges one target per move, not a soup of " + pairs.size());
    }
}
