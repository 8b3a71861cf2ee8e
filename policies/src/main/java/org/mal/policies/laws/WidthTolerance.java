package org.mal.policies.laws;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * Paper law 2: across datasets, zero padding makes width mismatches harmless, while corresponding
 * depths matter. For cross-dataset pairs the score is {@code 1 - mean |relative depth gap|} over the
 * mapped layers, whatever the widths (wider, narrower and incompatible shapes score alike);
 * {@code incompatible-across-datasets = false} drops moves with a size-incompatible layer instead.
 * Same-dataset pairs are left alone (score 0).
 */
public record WidthTolerance(boolean incompatibleAcrossDatasets) implements Law {
    public static final String NAME = "width-tolerance";
    static final String DEFAULTS = "mal.policies.laws.width-tolerance";

    public static WidthTolerance from(Settings s) {
        s = s.withReference(DEFAULTS).only("incompatible-across-datasets");
        return new WidthTolerance(s.getBoolean("incompatible-across-datasets"));
    }

    @Override public String name() { return NAME; }

    /** Reads nothing of the history, nor of the base beyond the move's features. */
    @Override public java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.of(true); }

    @Override
    public boolean admits(Move move, MoveFeatures f, PolicyContext ctx) {
        return f.sameDataset() || incompatibleAcrossDatasets || !f.shapeCounts().containsKey(MoveFeatures.ShapeRelation.INCOMPATIBLE);
    }

    @Override
    public double score(Move move, MoveFeatures f, PolicyContext ctx) {
        return f.sameDataset() ? 0.0 : 1.0 - f.meanDepthGap();
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
