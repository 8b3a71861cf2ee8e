package org.mal.core.method;

import org.mal.core.config.Settings;
import org.mal.core.model.Metrics;

/**
 * λ chosen by the merge's own quality on the base task's rows (issue 18), not as the largest λ within
 * a tolerance: the grid point with the best {@code metric} ({@code accuracy}, the default: highest,
 * ties to the lower loss, then the smaller λ; or {@code loss}: lowest), then {@code refine} (default 4)
 * more points evenly between its two neighbours on the grid, the best of all kept. Only λ whose loss
 * is within the evaluation's limit are admissible; λ = 0 (the base) always is. When no λ > 0 beats
 * the base, λ = 0: the move keeps nothing.
 */
public record BestRule(boolean byAccuracy, int refine) implements LambdaRule {
    public static final String NAME = "best";
    public static final String DEFAULTS = "metric = accuracy, refine = 4";

    public static BestRule from(Settings s) {
        s = s.withDefaults(DEFAULTS).only("metric", "refine");
        String m = s.getString("metric");
        if (!m.equals("accuracy") && !m.equals("loss")) throw s.invalid("metric", "must be accuracy or loss, got " + m);
        int refine = s.getInt("refine");
        if (refine < 0) throw s.invalid("refine", "must be >= 0, got " + refine);
        return new BestRule(m.equals("accuracy"), refine);
    }

    @Override public String name() { return NAME; }

    @Override
    public double choose(Curve c) {
        double[] l = c.lambdas();
        int best = 0;
        Metrics bestM = metrics(c, 0);
        for (int k = 1; k < l.length; k++) {
            Metrics m = metrics(c, k);
            if (admissible(m, c) && better(m, l[k], bestM, l[best])) {
                best = k;
                bestM = m;
            }
        }
        double bestLambda = l[best];
        double lo = l[Math.max(0, best - 1)];
        double hi = l[Math.min(l.length - 1, best + 1)];
        for (int r = 1; r <= refine && hi > lo; r++) {
            double lambda = lo + (hi - lo) * r / (refine + 1);
            if (lambda == bestLambda || lambda == 0) continue;
            Metrics m = c.metricsAt(lambda);
            if (admissible(m, c) && better(m, lambda, bestM, bestLambda)) {
                bestLambda = lambda;
                bestM = m;
            }
        }
        return bestLambda;
    }

    private static Metrics metrics(Curve c, int k) {
        return c.accuracy() != null ? new Metrics(c.loss()[k], c.accuracy()[k], c.task().size()) : c.metricsAt(c.lambdas()[k]);
    }

    private static boolean admissible(Metrics m, Curve c) { return m.loss() <= c.lossLimit(); }

    /** Whether {@code m} at {@code lambda} beats {@code best} at {@code bestLambda}. */
    private boolean better(Metrics m, double lambda, Metrics best, double bestLambda) {
        if (byAccuracy) {
            if (m.accuracy() != best.accuracy()) return m.accuracy() > best.accuracy();
            if (m.loss() != best.loss()) return m.loss() < best.loss();
            return lambda < bestLambda;
        }
        if (m.loss() != best.loss()) return m.loss() < best.loss();
        return lambda < bestLambda;
    }

    public static final class Factory implements LambdaRuleFactory {
        @Override public String name() { return NAME; }
        @Override public LambdaRule create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
