package org.mal.core.method;

import org.mal.core.config.Settings;
import org.mal.core.merge.Threshold;

/**
 * The paper's merging threshold: λ* is the largest λ whose base-task loss stays within the limit,
 * searched from the coarse grid: {@code method = refined-grid} tries {@code refine} (default 9)
 * points between the last admissible and the first inadmissible grid λ, {@code bisection} halves
 * that bracket {@code steps} (default 6) times.
 *
 * <p>The loss limit and the grid are the evaluation's (a search's {@code search.evaluation.tolerance}
 * and {@code grid}; {@code ./mal merge --tolerance --grid}), not this rule's: writing them here is an
 * error that says so. (Moves journaled before that was settled carry them; the journal's decoder,
 * {@code SearchJson}, drops them, as they never had an effect.)
 */
public record ThresholdRule(Threshold.Method method, int refine, int steps) implements LambdaRule {
    public static final String NAME = "threshold";
    public static final String DEFAULTS = "method = refined-grid, refine = 9, steps = 6";

    public static ThresholdRule from(Settings s) {
        for (String moved : new String[] {"tolerance", "grid"}) {
            if (s.hasPath(moved)) {
                throw s.invalid(moved, "is not a setting of the threshold λ rule: λ* is measured with search.evaluation." + moved
                        + " (./mal merge --" + moved + ")");
            }
        }
        s = s.withDefaults(DEFAULTS).only("method", "refine", "steps");
        String m = s.getString("method");
        if (!m.equals("refined-grid") && !m.equals("bisection")) throw s.invalid("method", "must be refined-grid or bisection, got " + m);
        int refine = s.getInt("refine");
        if (refine < 0) throw s.invalid("refine", "must be >= 0, got " + refine);
        int steps = s.getInt("steps");
        if (steps < 0) throw s.invalid("steps", "must be >= 0, got " + steps);
        return new ThresholdRule(m.equals("bisection") ? Threshold.Method.BISECTION : Threshold.Method.REFINED_GRID, refine, steps);
    }

    @Override public String name() { return NAME; }

    @Override
    public double choose(Curve c) {
        return Threshold.search(c::lossAt, c.lambdas(), c.loss(), c.lossLimit(), method, method == Threshold.Method.BISECTION ? steps : refine);
    }

    public static final class Factory implements LambdaRuleFactory {
        @Override public String name() { return NAME; }
        @Override public LambdaRule create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
