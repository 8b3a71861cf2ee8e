package org.mal.policies.laws;

import com.typesafe.config.Config;
import org.mal.core.config.Settings;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * Paper law 1: merging heterogeneous models on the same dataset works best when at least one of the
 * two performs well. For same-dataset pairs: drops the pair when both the base and the target are
 * below {@code weak-below} accuracy, and scores the target's accuracy (so strong targets come
 * first); a soup counts as its strongest target. Cross-dataset pairs are left alone (score 0). Accuracy is the card's accuracy on its zoo's
 * held-out rows when the card has it (measured on rows common to every model of the zoo and seen by
 * none: the one accuracy that compares models trained on different shards, whose own validation rows
 * may be skewed to a few classes), else its validation accuracy, else its test accuracy; a card with
 * none counts as weak.
 */
public record StrongBase(double weakBelow) implements Law {
    public static final String NAME = "strong-base";
    static final String DEFAULTS = "mal.policies.laws.strong-base";

    public StrongBase {
        if (!(weakBelow >= 0 && weakBelow <= 1)) throw new IllegalArgumentException("weak-below must be in [0, 1], got " + weakBelow);
    }

    public static StrongBase from(Settings s) {
        s = s.withReference(DEFAULTS).only("weak-below");
        double w = s.getDouble("weak-below");
        if (!(w >= 0 && w <= 1)) throw s.invalid("weak-below", "must be an accuracy in [0, 1], got " + w);
        return new StrongBase(w);
    }

    @Override public String name() { return NAME; }

    /** Reads nothing of the history; of the base, only whether it is weak. */
    @Override public java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.of(accuracy(base) >= weakBelow); }

    @Override
    public boolean admits(Move move, MoveFeatures f, PolicyContext ctx) {
        if (!f.sameDataset()) return true;
        return accuracy(ctx.base()) >= weakBelow || strongest(move, ctx) >= weakBelow;
    }

    @Override
    public double score(Move move, MoveFeatures f, PolicyContext ctx) {
        return f.sameDataset() ? strongest(move, ctx) : 0.0;
    }

    /**
     * The accuracy of the move's target; of a soup, of its strongest target (a soup holds its
     * strongest member, and one strong model is what the law asks for; the soup's first target is
     * only the first of its sorted ids).
     */
    static double strongest(Move move, PolicyContext ctx) {
        double best = 0;
        for (String id : move.targets()) best = Math.max(best, accuracy(ctx.zoo().require(id)));
        return best;
    }

    /** Accuracy on the zoo's held-out rows, else validation accuracy, else test accuracy, else 0. */
    public static double accuracy(ModelCard card) {
        Metrics m = card.holdout() != null && card.holdout().metrics() != null ? card.holdout().metrics()
                : card.validation() != null ? card.validation() : card.test();
        return m == null ? 0.0 : m.accuracy();
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
