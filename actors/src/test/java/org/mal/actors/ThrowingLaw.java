package org.mal.actors;

import org.mal.policies.Law;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/** A plug-in law that fails, to see the planner report it. */
public final class ThrowingLaw implements Law {
    @Override public String name() { return "throwing"; }

    @Override
    public boolean admits(Move move, MoveFeatures f, PolicyContext ctx) { throw new IllegalStateException("law exploded"); }
}
