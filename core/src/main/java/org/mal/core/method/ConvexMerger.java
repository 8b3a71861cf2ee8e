package org.mal.core.method;

import java.util.Map;
import org.mal.core.config.Settings;
import org.mal.core.merge.Merge;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code W(λ) = (1 − λ)·W_base + λ·W_aligned} on the mapped layers, λ from the move's λ rule. No settings. */
public record ConvexMerger() implements Merger {
    public static final String NAME = "convex";

    public static ConvexMerger from(Settings s) {
        s.only();
        return new ConvexMerger();
    }

    @Override public String name() { return NAME; }

    @Override public boolean takesLambda() { return true; }

    @Override
    public Model merge(Pair pair, Map<String, INDArray> aligned, double lambda, MethodData data) {
        return Merge.convex(pair.base(), aligned, lambda);
    }

    public static final class Factory implements MergerFactory {
        @Override public String name() { return NAME; }
        @Override public Merger create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
