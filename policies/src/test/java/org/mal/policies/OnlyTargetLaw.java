package org.mal.policies;

import com.typesafe.config.Config;

/** A user's law that exists only in the test sources: admits moves to one target and prefers single-layer maps. */
public final class OnlyTargetLaw implements Law {
    private final String target;

    public OnlyTargetLaw(Config settings) { this.target = settings.getString("target"); }

    @Override public String name() { return "only-target"; }

    @Override
    public boolean admits(Move move, MoveFeatures features, PolicyContext ctx) { return move.target().equals(target); }

    @Override
    public double score(Move move, MoveFeatures features, PolicyContext ctx) { return features.layers().size() == 1 ? 1 : 0; }

    /** Registered as {@code only-target} in the test sources' META-INF/services. */
    public static final class Factory implements LawFactory {
        @Override public String name() { return "only-target"; }
        @Override public Law create(Config settings, String path) { return new OnlyTargetLaw(settings); }
    }
}
