package org.mal.core.method;

import java.util.List;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Zip;
import org.mal.core.config.Settings;

/**
 * Elastic neuron zipping ({@link Zip}): several correlated target units are averaged into one base
 * unit instead of the surplus being dropped, measured on {@code rows} (default
 * {@value DepthChoice#DEFAULT_ROWS}) rows of the base task's training data; {@code decay} (default
 * 0.5) and {@code budget} (default 0.5) are ZipIt's a and b. Every layer of models of the same depth
 * (map i:i; with {@code depth = cka}, the map CKA chooses, which must then be i:i). Its alignment has no unit
 * matches: the tensors are the result, and its groups ({@link Aligned#zipGroups}) are what REPAIR sees.
 */
public record ZipAligner(int rows, double decay, double budget, DepthChoice depth) implements Aligner {
    public static final String NAME = "zip";

    public static ZipAligner from(Settings s) {
        s = s.withDefaults("rows = " + DepthChoice.DEFAULT_ROWS + ", decay = 0.5, budget = 0.5").only("rows", "decay", "budget", DepthChoice.KEY);
        int rows = s.getInt("rows");
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        double decay = s.getDouble("decay");
        if (!(decay > 0 && decay <= 1)) throw s.invalid("decay", "must be in (0, 1], got " + decay);
        double budget = s.getDouble("budget");
        if (!(budget >= 0 && budget <= 1)) throw s.invalid("budget", "must be in [0, 1], got " + budget);
        return new ZipAligner(rows, decay, budget, DepthChoice.from(s));
    }

    @Override public String name() { return NAME; }

    @Override
    public Aligned align(Pair pair, LayerMap map, MethodData data) {
        int depth = pair.base().architecture().depth();
        if (depth != pair.target().architecture().depth() || !map.equals(LayerMap.identity(depth))) {
            throw new IllegalArgumentException("aligner zip merges every layer of models of the same depth (map i:i), not "
                    + pair.base().architecture().describe() + " <- " + pair.target().architecture().describe() + " with map " + map);
        }
        List<int[][]> groups = Zip.groups(pair.base(), pair.target(), data.training(pair.requireBaseTask("aligner zip"), rows),
                new Zip.Settings(decay, budget));
        return new Aligned(new Alignment(NAME, map.toString(), List.of(), Double.NaN, Double.NaN, 0, 0),
                Zip.alignedTensors(pair.base(), pair.target(), groups), groups);
    }

    public static final class Factory implements AlignerFactory {
        @Override public String name() { return NAME; }
        @Override public Aligner create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
