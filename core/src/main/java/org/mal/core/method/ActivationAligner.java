package org.mal.core.method;

import org.mal.core.align.ActivationMatching;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.config.Settings;

/**
 * Matches units by the correlation of their activations on {@code rows} (default
 * {@value DepthChoice#DEFAULT_ROWS}) stratified rows of the base task's training data; with
 * {@code depth = cka}, CKA reads the same rows.
 */
public record ActivationAligner(int rows, DepthChoice depth) implements Aligner {
    public static final String NAME = "activation";

    public static ActivationAligner from(Settings s) {
        s = s.withDefaults("rows = " + DepthChoice.DEFAULT_ROWS).only("rows", DepthChoice.KEY);
        int rows = s.getInt("rows");
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        return new ActivationAligner(rows, DepthChoice.from(s));
    }

    @Override public String name() { return NAME; }

    @Override
    public Aligned align(Pair pair, LayerMap map, MethodData data) {
        var rowsOf = data.training(pair.requireBaseTask("aligner activation"), rows);
        var alignment = ActivationMatching.align(pair.base(), pair.target(), map, rowsOf);
        return new Aligned(alignment, Transplant.alignedTensors(pair.base(), pair.target(), alignment));
    }

    public static final class Factory implements AlignerFactory {
        @Override public String name() { return NAME; }
        @Override public Aligner create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
