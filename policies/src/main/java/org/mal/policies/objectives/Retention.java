package org.mal.policies.objectives;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.policies.Evaluated;
import org.mal.policies.Objective;
import org.mal.policies.ObjectiveFactory;

/**
 * The paper's objective: the largest λ that keeps base performance. Score = λ*; accepts a move
 * whose λ* exceeds {@code min-lambda} (with the default 0: any move that can be merged at all).
 */
public record Retention(double minLambda) implements Objective {
    public static final String NAME = "retention";

    public static Retention from(Settings s) {
        s = s.withReference("mal.policies.objectives.retention").only("min-lambda");
        double m = s.getDouble("min-lambda");
        if (!(m >= 0 && m < 1)) throw s.invalid("min-lambda", "must be in [0, 1), got " + m);
        return new Retention(m);
    }

    @Override public String name() { return NAME; }

    @Override
    public double score(Evaluated e) { return e.succeeded() ? e.report().lambdaStar() : Double.NEGATIVE_INFINITY; }

    @Override
    public boolean accepts(Evaluated e) { return e.succeeded() && e.report().lambdaStar() > minLambda; }

    public static final class Factory implements ObjectiveFactory {
        @Override public String name() { return NAME; }
        @Override public Objective create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
