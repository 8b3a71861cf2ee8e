package org.mal.policies.laws;

import com.typesafe.config.Config;
import java.util.Map;
import java.util.TreeMap;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;
import org.mal.core.config.Settings;

/**
 * The paper's merging threshold: λ is not fixed but searched, λ* being the largest λ whose base-task
 * loss stays within {@code tolerance} (relative) of the base's. This law only parameterises moves:
 * it sets the λ policy to {@value #POLICY} with the search's settings; the search executes it
 * ({@code refined-grid}: a coarse grid of {@code grid} points, then {@code refine} points between the
 * last accepted and the first rejected λ; {@code bisection}: {@code steps} halvings of that bracket).
 * It neither filters nor orders.
 */
public record MergingThreshold(double tolerance, String method, int grid, int refine, int steps) implements Law {
    public static final String NAME = "merging-threshold";
    public static final String POLICY = "threshold";
    static final String DEFAULTS = "mal.policies.laws.merging-threshold";

    public static MergingThreshold from(Settings s) {
        s = s.withReference(DEFAULTS).only("tolerance", "method", "grid", "refine", "steps");
        double t = s.getDouble("tolerance");
        if (!(t >= 0)) throw s.invalid("tolerance", "must be >= 0 (a relative loss increase), got " + t);
        String m = s.getString("method");
        if (!m.equals("refined-grid") && !m.equals("bisection")) throw s.invalid("method", "must be refined-grid or bisection, got " + m);
        int g = s.getInt("grid");
        if (g < 2) throw s.invalid("grid", "needs at least 2 points, got " + g);
        int r = s.getInt("refine");
        if (r < 0) throw s.invalid("refine", "must be >= 0, got " + r);
        int st = s.getInt("steps");
        if (st < 0) throw s.invalid("steps", "must be >= 0, got " + st);
        return new MergingThreshold(t, m, g, r, st);
    }

    @Override public String name() { return NAME; }

    @Override
    public Move parameterise(Move move, MoveFeatures f, PolicyContext ctx) {
        Map<String, Object> settings = new TreeMap<>();
        settings.put("tolerance", tolerance);
        settings.put("method", method);
        settings.put("grid", grid);
        if (method.equals("refined-grid")) settings.put("refine", refine);
        else settings.put("steps", steps);
        return move.withLambda(POLICY, settings);
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
