package org.mal.policies;

import java.util.Objects;
import org.mal.core.merge.Lmc;

/**
 * A move and what came of evaluating it: the LMC report, or why it failed (exactly one of the two).
 */
public record Evaluated(Move move, Lmc.Report report, String failure) {

    public Evaluated {
        Objects.requireNonNull(move, "an evaluation needs its move");
        if ((report == null) == (failure == null)) {
            throw new IllegalArgumentException("an evaluation has either a report or a failure, not " + (report == null ? "neither" : "both"));
        }
    }

    public static Evaluated ok(Move move, Lmc.Report report) { return new Evaluated(move, report, null); }

    public static Evaluated failed(Move move, String failure) { return new Evaluated(move, null, failure); }

    public boolean succeeded() { return report != null; }
}
