package org.mal.engine;

import java.util.Map;
import java.util.TreeMap;
import org.mal.core.Platform;
import org.mal.core.model.ModelCard;
import org.mal.policies.Move;
import org.mal.store.CacheKey;

/**
 * The evaluation cache key of a move (docs/DESIGN.md, invariant 6): both models' weights, the move (without
 * the base's name, which the weights identify), its aligner and merger with their settings, the λ
 * grid, the evaluation rows, the loss limit, the seed, the tolerance and the code version. Field
 * names in the store's generic encoding: {@code base.weights}, {@code target.weights}, {@code move},
 * {@code aligner}, {@code merger}, {@code lambda.grid}, {@code evaluation.data}, {@code code.version},
 * {@code extra.loss-limit}, {@code extra.seed}, {@code extra.tolerance} (pinned by a golden file).
 */
public final class EvaluationKey {
    private EvaluationKey() {}

    public static final String KIND = "evaluation";

    public static CacheKey of(Workbench bench, Move move, ModelCard base, ModelCard target, double lossLimit) {
        return of(bench, move, base, java.util.List.of(target), lossLimit);
    }

    /**
     * The key of a move of several targets (a soup; cards in {@link Move#targets()} order): as for one
     * target, and {@code soup.weights}, the weights hashes of the soup's further targets in order (the
     * field is absent for a move of one target, whose key is as before).
     */
    public static CacheKey of(Workbench bench, Move move, ModelCard base, java.util.List<ModelCard> targets, double lossLimit) {
        java.util.List<String> ids = targets.stream().map(ModelCard::id).toList();
        if (!move.targets().equals(ids)) throw new IllegalArgumentException("the move's targets are " + move.targets() + ", not " + ids);
        ModelCard target = targets.get(0);
        Map<String, Object> m = new TreeMap<>();
        m.put("target", move.target());
        if (!move.soup().isEmpty()) m.put("soup", move.soup());
        m.put("layer-map", move.layerMap());
        m.put("lambda-policy", move.lambdaPolicy());
        m.put("lambda-settings", move.lambdaSettings());
        Map<String, Object> aligner = new TreeMap<>(move.alignerSettings());
        aligner.put("name", move.aligner());
        Map<String, Object> merger = new TreeMap<>(move.mergerSettings());
        merger.put("name", move.merger());
        CacheKey.Builder key = CacheKey.builder(KIND);
        if (targets.size() > 1) {
            java.util.List<String> soup = new java.util.ArrayList<>();
            for (ModelCard t : targets.subList(1, targets.size())) soup.add(sha256(t.weightsHash(), "target weights hash of " + t.id()));
            key.put("soup.weights", soup);
        }
        return key
                .put("base.weights", sha256(base.weightsHash(), "base weights hash"))
                .put("target.weights", sha256(target.weightsHash(), "target weights hash"))
                .put("move", m)
                .put("aligner", aligner)
                .put("merger", merger)
                .put("lambda.grid", bench.lambdas())
                .put("evaluation.data", bench.evaluationData(bench.tasks(MoveRunner.task(base), target.dataset() == null ? null : target.dataset().task())).toString())
                .put("code.version", Platform.codeVersion())
                .putValue("extra.loss-limit", lossLimit)
                .putValue("extra.seed", bench.seed())
                .putValue("extra.tolerance", bench.evaluation().tolerance())
                .build();
    }

    private static String sha256(String hex, String what) {
        if (hex == null || !hex.matches("[0-9a-f]{64}")) throw new IllegalArgumentException(what + " must be 64 lower-case hex digits, got " + hex);
        return hex;
    }
}
