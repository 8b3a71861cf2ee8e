package org.mal.policies.objectives;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.policies.Evaluated;
import org.mal.policies.Objective;
import org.mal.policies.ObjectiveFactory;

/**
 * A search that makes its base better (issue 18): score = the merge's accuracy at its chosen λ minus
 * the base's, on the base task's selection rows (held out from training; see the search's
 * {@code evaluation.selection}). A move is accepted only when the merge beats the base by more than
 * chance on those same rows: {@code test = mcnemar} (the default), McNemar's exact two-sided test
 * of the rows only one of them gets right, {@code p < alpha} (default 0.05) with more rows gained than
 * lost; or {@code test = rows}, at least {@code min-rows} (default 10) more rows gained than lost.
 * Pair it with the {@code best} λ rule, which chooses λ by the same accuracy. A move evaluated before
 * the paired counts were recorded (old journals) is never accepted.
 */
public record Gain(boolean mcnemar, double alpha, int minRows) implements Objective {
    public static final String NAME = "gain";

    public static Gain from(Settings s) {
        s = s.withReference("mal.policies.objectives.gain").only("test", "alpha", "min-rows");
        String t = s.getString("test");
        if (!t.equals("mcnemar") && !t.equals("rows")) throw s.invalid("test", "must be mcnemar or rows, got " + t);
        double a = s.getDouble("alpha");
        if (!(a > 0 && a < 1)) throw s.invalid("alpha", "must be in (0, 1), got " + a);
        int m = s.getInt("min-rows");
        if (m < 1) throw s.invalid("min-rows", "must be >= 1, got " + m);
        return new Gain(t.equals("mcnemar"), a, m);
    }

    @Override public String name() { return NAME; }

    @Override
    public double score(Evaluated e) {
        if (!e.succeeded() || e.paired() == null || e.paired().rows() == 0) return Double.NEGATIVE_INFINITY;
        return (double) (e.paired().onlyMerge() - e.paired().onlyBase()) / e.paired().rows();
    }

    @Override
    public boolean accepts(Evaluated e) {
        if (!e.succeeded() || e.paired() == null || e.report().lambdaStar() <= 0) return false;
        Evaluated.Paired p = e.paired();
        if (p.onlyMerge() <= p.onlyBase()) return false;
        return mcnemar ? p.p() < alpha : p.onlyMerge() - p.onlyBase() >= minRows;
    }

    public static final class Factory implements ObjectiveFactory {
        @Override public String name() { return NAME; }
        @Override public Objective create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
