package org.mal.policies;

import java.util.List;
import java.util.Objects;
import org.mal.core.model.ModelCard;

/**
 * What a law may consult besides the move: the base's card, the zoo, and the evaluations made so far
 * (oldest first; empty at the start of a search; what a learning law learns from).
 */
public record PolicyContext(ModelCard base, ZooIndex zoo, List<Evaluated> history) {

    public PolicyContext {
        Objects.requireNonNull(base, "a policy context needs the base's card");
        Objects.requireNonNull(zoo, "a policy context needs a zoo index");
        history = List.copyOf(history);
    }

    public PolicyContext(ModelCard base, ZooIndex zoo) { this(base, zoo, List.of()); }

    public ModelCard target(Move move) { return zoo.require(move.target()); }

    public MoveFeatures features(Move move) { return MoveFeatures.of(base, target(move), move.layers()); }

    /**
     * The features of an earlier evaluation's move against its own base: that base's zoo card when
     * the zoo has it, else this context's base (a search's assemblies are not zoo models, and they
     * keep their origin's architecture and dataset, which is what the features read).
     */
    public MoveFeatures featuresOf(Move move) {
        ModelCard own = move.base().equals(base.id()) ? base : zoo.get(move.base()).orElse(base);
        return MoveFeatures.of(own, target(move), move.layers());
    }
}
