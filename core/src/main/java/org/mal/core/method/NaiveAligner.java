package org.mal.core.method;

import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.config.Settings;

/** No matching: units keep their order, the narrower side is zero-padded or cropped. Settings: {@code depth}. */
public record NaiveAligner(DepthChoice depth) implements Aligner {
    public static final String NAME = "naive";

    public static NaiveAligner from(Settings s) {
        s.only(DepthChoice.KEY, "rows");
        return new NaiveAligner(DepthChoice.withRows(s));
    }

    @Override public String name() { return NAME; }

    @Override
    public Aligned align(Pair pair, LayerMap map, MethodData data) {
        var alignment = WeightMatching.naive(pair.base(), pair.target(), map);
        return new Aligned(alignment, Transplant.alignedTensors(pair.base(), pair.target(), alignment));
    }

    public static final class Factory implements AlignerFactory {
        @Override public String name() { return NAME; }
        @Override public Aligner create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
