package org.mal.policies;

/**
 * What the search maximises. Plugged in like a {@link Law}: a class named by its fully qualified
 * name (public constructor taking its {@code Config} settings, or none), or an
 * {@link ObjectiveFactory} listed in {@code META-INF/services/org.mal.policies.ObjectiveFactory}.
 */
public interface Objective {

    String name();

    /** Higher is better; a failed evaluation scores {@code Double.NEGATIVE_INFINITY}. */
    double score(Evaluated e);

    /** Whether the move may be accepted into the assembly at all (constraints, not ranking). */
    boolean accepts(Evaluated e);
}
