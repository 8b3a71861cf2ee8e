package org.mal.policies.laws;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * The paper's laws 2 and 3 read for convolutional layers (issue 21): a conv's weights act on feature
 * maps of one spatial size, so a layer map that puts a conv trained on 28×28 maps into one that sees
 * 14×14 maps joins filters of another scale, the CNN form of a deep-to-shallow map; and channel
 * counts are what zero padding has to bridge, as widths are for dense layers.
 *
 * <p>With {@code require-same-size} (default true) a CNN move is admitted only if every mapped pair
 * sees output maps of one size ({@link MoveFeatures.LayerFeature#spatialRatio()} = 1). Scores
 * {@code 0.5 · (1 − min(1, mean |log2 channel ratio|)) + 0.5 · extent}, where {@code extent} is the
 * share of the base's search layers the move maps: equal channel counts first, then twice or half
 * as many; whole-network merges (every layer, residual blocks and head included) before single convs,
 * as the MLP candidates put the identity map first. Moves between MLPs are left alone (admitted,
 * score 0), so the law may sit in any policy.
 */
public record FeatureMaps(boolean requireSameSize) implements Law {
    public static final String NAME = "feature-maps";
    static final String DEFAULTS = "mal.policies.laws.feature-maps";

    public static FeatureMaps from(Settings s) {
        s = s.withReference(DEFAULTS).only("require-same-size");
        return new FeatureMaps(s.getBoolean("require-same-size"));
    }

    @Override public String name() { return NAME; }

    /** Reads nothing of the history, nor of the base beyond the move's features. */
    @Override public java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.of(true); }

    @Override
    public boolean admits(Move move, MoveFeatures f, PolicyContext ctx) {
        if (!f.convolutional() || !requireSameSize) return true;
        for (MoveFeatures.LayerFeature l : f.layers()) if (l.baseSpatial() != l.targetSpatial()) return false;
        return true;
    }

    @Override
    public double score(Move move, MoveFeatures f, PolicyContext ctx) {
        if (!f.convolutional() || f.layers().isEmpty()) return 0.0;
        double log = 0;
        for (MoveFeatures.LayerFeature l : f.layers()) log += Math.abs(Math.log(l.widthRatio()) / Math.log(2));
        double channels = 1.0 - Math.min(1.0, log / f.layers().size());
        double extent = (double) f.layers().size() / f.baseDepth();
        return 0.5 * channels + 0.5 * extent;
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
