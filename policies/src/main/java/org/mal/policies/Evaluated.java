package org.mal.policies;

import java.util.Objects;
import org.mal.core.merge.Lmc;

/**
 * A move and what came of evaluating it: the LMC report, or why it failed (exactly one of the two).
 *
 * @param targetWeights the weights hash of the target the evaluation used, when known (null: not
 *     recorded); a zoo model replaced under the same id makes its earlier evaluations out of date
 */
public record Evaluated(Move move, Lmc.Report report, String failure, String targetWeights, Paired paired) {

    /**
     * The merge at its chosen λ against the base, row by row on the base task's selection rows:
     * {@code onlyBase} rows the base gets right and the merge does not, {@code onlyMerge} the reverse,
     * of {@code rows}. What a paired test of a gain needs (McNemar's exact test).
     */
    public record Paired(int onlyBase, int onlyMerge, int rows) {
        public Paired {
            if (onlyBase < 0 || onlyMerge < 0 || onlyBase + onlyMerge > rows) {
                throw new IllegalArgumentException("paired counts " + onlyBase + " and " + onlyMerge + " of " + rows + " rows");
            }
        }

        /** McNemar's exact two-sided p-value. */
        public double p() { return org.mal.core.stats.McNemar.exactP(onlyBase, onlyMerge); }
    }

    public Evaluated {
        Objects.requireNonNull(move, "an evaluation needs its move");
        if ((report == null) == (failure == null)) {
            throw new IllegalArgumentException("an evaluation has either a report or a failure, not " + (report == null ? "neither" : "both"));
        }
    }

    public Evaluated(Move move, Lmc.Report report, String failure, String targetWeights) { this(move, report, failure, targetWeights, null); }

    public Evaluated(Move move, Lmc.Report report, String failure) { this(move, report, failure, null, null); }

    /** The {@link #targetWeights} of a move that failed because its target was not in the zoo: any weights it comes back with are new. */
    public static final String ABSENT = "absent";

    public static Evaluated ok(Move move, Lmc.Report report) { return new Evaluated(move, report, null); }

    public static Evaluated failed(Move move, String failure) { return new Evaluated(move, null, failure); }

    public boolean succeeded() { return report != null; }

    public Evaluated withTargetWeights(String weights) { return new Evaluated(move, report, failure, weights, paired); }

    public Evaluated withPaired(Paired p) { return new Evaluated(move, report, failure, targetWeights, p); }

    /**
     * Whether this evaluation stands for the target as it is now: its weights were not recorded, the
     * current ones are not known, or they are the same.
     */
    public boolean current(String currentTargetWeights) {
        return targetWeights == null || currentTargetWeights == null || targetWeights.equals(currentTargetWeights);
    }
}
