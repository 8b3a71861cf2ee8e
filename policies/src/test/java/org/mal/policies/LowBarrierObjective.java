package org.mal.policies;

/** A user's objective that exists only in the test sources, with no settings: minimise the loss barrier. */
public final class LowBarrierObjective implements Objective {
    @Override public String name() { return "low-barrier"; }
    @Override public double score(Evaluated e) { return e.succeeded() ? -e.report().barrier() : Double.NEGATIVE_INFINITY; }
    @Override public boolean accepts(Evaluated e) { return e.succeeded(); }
}
