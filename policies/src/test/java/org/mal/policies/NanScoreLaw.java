package org.mal.policies;

/** A broken plug-in for the tests: scores every move NaN. */
public final class NanScoreLaw implements Law {
    @Override public String name() { return "nan-score"; }

    @Override
    public double score(Move move, MoveFeatures features, PolicyContext ctx) { return Double.NaN; }
}
