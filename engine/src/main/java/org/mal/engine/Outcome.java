package org.mal.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;
import java.util.Objects;
import org.mal.core.merge.Lmc;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;

/**
 * What evaluating one move gave: the loss/accuracy curves over the λ grid (aligned and naive, on the
 * base's task and the target's), and the λ the move's λ policy chose with the loss and accuracies
 * there. This is the value of the evaluation cache.
 *
 * @param lambda the merge coefficient the move would be accepted with: λ* (the largest λ whose base
 *     loss stays under the search's limit, refined between grid points) for the {@code threshold}
 *     policy; for {@code fixed}, its value if the loss there is under the limit, else 0
 * @param loss the base-task loss at {@code lambda}
 * @param accuracy accuracy at {@code lambda} per evaluation task (base task first)
 * @param aligner the alignment method that ran, with its objective
 * @param mergedWeights SHA-256 of the merged model's weights at {@code lambda} (the model the
 *     accuracies are of); the coordinator checks that the assembly it builds has exactly these weights.
 *     Null in journals written before it was recorded.
 * @param paired the merge at {@code lambda} against the base, row by row on the base task's rows (for
 *     paired tests of a gain); null in journals written before it was recorded
 */
public record Outcome(Lmc.Report report, double lambda, double loss, Map<String, Double> accuracy, String aligner,
                      double alignObjective, double seconds, String mergedWeights,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Evaluated.Paired paired) {

    public Outcome {
        Objects.requireNonNull(report, "an outcome needs its report");
        accuracy = Map.copyOf(accuracy);
    }

    public Outcome(Lmc.Report report, double lambda, double loss, Map<String, Double> accuracy, String aligner, double alignObjective,
                   double seconds, String mergedWeights) {
        this(report, lambda, loss, accuracy, aligner, alignObjective, seconds, mergedWeights, null);
    }

    /**
     * The evaluation as objectives and laws see it: the report with λ* and the accuracies at λ*
     * replaced by the λ this move's policy chose and the accuracies there.
     */
    public Evaluated evaluated(Move move) {
        Lmc.Report r = report;
        return Evaluated.ok(move, new Lmc.Report(r.lambdas(), r.tasks(), r.tolerance(), r.barrier(), r.naiveBarrier(), r.auc(),
                r.naiveAuc(), r.aucRatio(), lambda, new java.util.LinkedHashMap<>(orderedAccuracy()))).withPaired(paired);
    }

    /** Accuracies in the order of the report's tasks (base task first). */
    public Map<String, Double> orderedAccuracy() {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (Lmc.TaskCurves t : report.tasks()) if (accuracy.containsKey(t.dataset())) out.put(t.dataset(), accuracy.get(t.dataset()));
        accuracy.forEach(out::putIfAbsent);
        return out;
    }
}
