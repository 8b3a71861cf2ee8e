package org.mal.policies.objectives;

import com.typesafe.config.Config;
import java.util.Map;
import org.mal.core.config.Settings;
import org.mal.core.merge.Lmc;
import org.mal.policies.Evaluated;
import org.mal.policies.Objective;
import org.mal.policies.ObjectiveFactory;

/**
 * Mean accuracy at λ* over every evaluated task (the report's first task is the base task; the others
 * are the tasks whose knowledge is being absorbed), under a base-retention constraint: accepts only
 * if λ* exceeds {@code min-lambda} and the base task's accuracy at λ* is at most
 * {@code max-base-accuracy-drop} below its accuracy at λ = 0 (the base itself).
 */
public record Multitask(double minLambda, double maxBaseAccuracyDrop) implements Objective {
    public static final String NAME = "multitask";

    public static Multitask from(Settings s) {
        s = s.withReference("mal.policies.objectives.multitask").only("min-lambda", "max-base-accuracy-drop");
        double m = s.getDouble("min-lambda");
        if (!(m >= 0 && m < 1)) throw s.invalid("min-lambda", "must be in [0, 1), got " + m);
        double d = s.getDouble("max-base-accuracy-drop");
        if (!(d >= 0)) throw s.invalid("max-base-accuracy-drop", "must be >= 0, got " + d);
        return new Multitask(m, d);
    }

    @Override public String name() { return NAME; }

    @Override
    public double score(Evaluated e) {
        if (!e.succeeded()) return Double.NEGATIVE_INFINITY;
        Map<String, Double> acc = e.report().accuracyAtLambdaStar();
        return acc.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NEGATIVE_INFINITY);
    }

    @Override
    public boolean accepts(Evaluated e) {
        if (!e.succeeded() || e.report().lambdaStar() <= minLambda) return false;
        Lmc.TaskCurves baseTask = e.report().tasks().get(0);
        Double atStar = e.report().accuracyAtLambdaStar().get(baseTask.dataset());
        if (atStar == null) return false;
        return baseTask.aligned().accuracy()[0] - atStar <= maxBaseAccuracyDrop + 1e-12;
    }

    public static final class Factory implements ObjectiveFactory {
        @Override public String name() { return NAME; }
        @Override public Objective create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
