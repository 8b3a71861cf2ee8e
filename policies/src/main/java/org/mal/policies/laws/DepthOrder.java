package org.mal.policies.laws;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * Paper law 3: selective merging keeps the shallow-to-deep progression; deep-layer weights in shallow
 * layers hurt. Admits a move only if every pair {@code i <- j} has
 * {@code |i/(dA-1) - j/(dB-1)| <= tolerance} (so no target layer goes more than {@code tolerance}
 * deeper-to-shallower, nor shallower-to-deeper), and, with {@code require-order}, only multi-layer
 * maps whose target layers increase with the base layers. Scores
 * {@code 0.5·[order kept] + 0.5·(1 - max gap / tolerance)} (the gap term is 1 when tolerance is 0),
 * so depth-matched, order-keeping maps come first.
 */
public record DepthOrder(double tolerance, boolean requireOrder) implements Law {
    public static final String NAME = "depth-order";
    static final String DEFAULTS = "mal.policies.laws.depth-order";

    public DepthOrder {
        if (!(tolerance >= 0 && tolerance <= 1)) throw new IllegalArgumentException("tolerance must be in [0, 1], got " + tolerance);
    }

    public static DepthOrder from(Settings s) {
        s = s.withReference(DEFAULTS).only("tolerance", "require-order");
        double t = s.getDouble("tolerance");
        if (!(t >= 0 && t <= 1)) throw s.invalid("tolerance", "must be a relative depth in [0, 1], got " + t);
        return new DepthOrder(t, s.getBoolean("require-order"));
    }

    @Override public String name() { return NAME; }

    /** Reads nothing of the history, nor of the base beyond the move's features. */
    @Override public java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.of(true); }

    @Override
    public boolean admits(Move move, MoveFeatures f, PolicyContext ctx) {
        // A small epsilon so that a gap equal to the tolerance in exact arithmetic is not lost to rounding.
        if (f.maxDepthGap() > tolerance + 1e-12) return false;
        return !requireOrder || f.preservesOrder();
    }

    @Override
    public double score(Move move, MoveFeatures f, PolicyContext ctx) {
        double gap = tolerance == 0 ? 1.0 : 1.0 - Math.min(1.0, f.maxDepthGap() / tolerance);
        return 0.5 * (f.preservesOrder() ? 1 : 0) + 0.5 * gap;
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
