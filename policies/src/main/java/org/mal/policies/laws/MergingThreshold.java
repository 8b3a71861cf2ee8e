package org.mal.policies.laws;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.TreeMap;
import org.mal.core.config.Settings;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * The paper's merging threshold: λ is not fixed but searched, λ* being the largest λ whose base-task
 * loss stays within the search's loss limit. This law only parameterises moves: it sets the λ policy
 * to {@value #POLICY} with how λ* is searched ({@code refined-grid}: {@code refine} points between the
 * last admissible and the first inadmissible λ of the coarse grid; {@code bisection}: {@code steps}
 * halvings of that bracket), which the engine's threshold rule executes. It neither filters nor orders.
 *
 * <p>The tolerance and the coarse grid are the evaluation's, not this law's: {@code
 * search.evaluation.tolerance} and {@code search.evaluation.grid} (one setting, one place; they also
 * bound fixed-λ and NP moves). Writing them here is an error that says so.
 */
public record MergingThreshold(String method, int refine, int steps) implements Law {
    public static final String NAME = "merging-threshold";
    public static final String POLICY = "threshold";
    static final String DEFAULTS = "mal.policies.laws.merging-threshold";

    public static MergingThreshold from(Settings s) {
        for (String moved : new String[] {"tolerance", "grid"}) {
            if (s.hasPath(moved)) {
                throw s.invalid(moved, "is not a setting of the merging-threshold law: λ* is measured with search.evaluation." + moved
                        + " (set it there; it applies to every move of the search)");
            }
        }
        s = s.withReference(DEFAULTS).only("method", "refine", "steps");
        String m = s.getString("method");
        if (!m.equals("refined-grid") && !m.equals("bisection")) throw s.invalid("method", "must be refined-grid or bisection, got " + m);
        int r = s.getInt("refine");
        if (r < 0) throw s.invalid("refine", "must be >= 0, got " + r);
        int st = s.getInt("steps");
        if (st < 0) throw s.invalid("steps", "must be >= 0, got " + st);
        return new MergingThreshold(m, r, st);
    }

    @Override public String name() { return NAME; }

    /** Reads nothing of the history, nor of the base beyond the move's features. */
    @Override public java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.of(true); }

    @Override
    public Move parameterise(Move move, MoveFeatures f, PolicyContext ctx) {
        Map<String, Object> settings = new TreeMap<>();
        settings.put("method", method);
        if (method.equals("refined-grid")) settings.put("refine", refine);
        else settings.put("steps", steps);
        return move.withLambda(POLICY, settings);
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
