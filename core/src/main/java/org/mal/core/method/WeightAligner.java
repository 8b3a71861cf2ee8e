package org.mal.core.method;

import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.config.Settings;
import org.mal.core.model.Model;

/**
 * Git Re-Basin's weight matching, generalized to width mismatch ({@link WeightMatching}); the sweep
 * order's seed is the data's. Settings: {@code max-sweeps} (default 100), {@code depth}.
 */
public record WeightAligner(int maxSweeps, DepthChoice depth) implements Aligner {
    public static final String NAME = "weight";

    public static WeightAligner from(Settings s) {
        s = s.withDefaults("max-sweeps = 100").only("max-sweeps", DepthChoice.KEY, "rows");
        int sweeps = s.getInt("max-sweeps");
        if (sweeps < 1) throw s.invalid("max-sweeps", "must be >= 1, got " + sweeps);
        return new WeightAligner(sweeps, DepthChoice.withRows(s));
    }

    @Override public String name() { return NAME; }

    @Override
    public Aligned align(Pair pair, LayerMap map, MethodData data) {
        Model a = pair.base();
        Model b = pair.target();
        var alignment = WeightMatching.align(a, b, map, new WeightMatching.Settings(maxSweeps, data.seed()));
        return new Aligned(alignment, Transplant.alignedTensors(a, b, alignment));
    }

    public static final class Factory implements AlignerFactory {
        @Override public String name() { return NAME; }
        @Override public Aligner create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
