package org.mal.engine;

import org.mal.core.method.Aligner;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.Merger;
import org.mal.core.method.Methods;
import org.mal.policies.Move;

/**
 * A move's methods, resolved from their names and settings by the one registry ({@link Methods}),
 * every setting checked; a move with a wrong setting fails here, naming it.
 *
 * @param rule null for a merger that learns its own coefficients ({@link Merger#takesLambda()} false)
 */
public record MoveMethod(Aligner aligner, Merger merger, LambdaRule rule) {

    public static MoveMethod of(Move move) { return of(move, "move"); }

    /** @param path where the move's method keys sit, for messages (e.g. {@code policy.candidates.move}) */
    public static MoveMethod of(Move move, String path) {
        Aligner a = Methods.aligner(move.aligner(), move.alignerSettings(), path + ".aligner", path + ".aligner-settings");
        Merger m = Methods.merger(move.merger(), move.mergerSettings(), path + ".merger", path + ".merger-settings");
        LambdaRule r = m.takesLambda()
                ? Methods.lambdaRule(move.lambdaPolicy(), move.lambdaSettings(), path + ".lambda-policy", path + ".lambda-settings") : null;
        return new MoveMethod(a, m, r);
    }
}
