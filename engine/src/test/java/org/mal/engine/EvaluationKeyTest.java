package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.policies.ZooIndex;
import org.mal.store.CacheKey;

/** Design invariant 6: an evaluation is keyed by everything that determines it, and by nothing else. */
class EvaluationKeyTest {
    @TempDir static Path dir;
    static ZooIndex index;

    @BeforeAll
    static void zoo() throws Exception { index = SearchFixture.index(SearchFixture.zoo(dir.resolve("zoo"))); }

    static Workbench bench(SearchSettings.Evaluation e, long seed) {
        return new Workbench(new Zoo(dir.resolve("zoo")), dir.resolve("a"), null, SearchFixture.TASK_FN, e, seed);
    }

    @Test
    void everyInputChangesTheKeyAndTheBasesNameDoesNot() {
        SearchSettings.Evaluation e = new SearchSettings.Evaluation(5, 100, 0.05, true);
        ModelCard base = index.require(SearchFixture.BASE);
        ModelCard target = index.require("other-equal-8x8");
        Move move = SearchStateTest.move(target.id(), "0:0");
        CacheKey reference = EvaluationKey.of(bench(e, 1), move, base, target, 0.5);
        Set<CacheKey> keys = new HashSet<>(Set.of(reference));
        keys.add(EvaluationKey.of(bench(e, 2), move, base, target, 0.5));                                            // seed
        keys.add(EvaluationKey.of(bench(new SearchSettings.Evaluation(7, 100, 0.05, true), 1), move, base, target, 0.5));  // grid
        keys.add(EvaluationKey.of(bench(new SearchSettings.Evaluation(5, 50, 0.05, true), 1), move, base, target, 0.5));   // rows
        keys.add(EvaluationKey.of(bench(new SearchSettings.Evaluation(5, 100, 0.1, true), 1), move, base, target, 0.5));   // tolerance
        keys.add(EvaluationKey.of(bench(new SearchSettings.Evaluation(5, 100, 0.05, false), 1), move, base, target, 0.5)); // target task
        keys.add(EvaluationKey.of(bench(e, 1), move, base, target, 0.6));                                            // loss limit
        keys.add(EvaluationKey.of(bench(e, 1), move.withLayerMap(org.mal.core.align.LayerMap.parse("1:1")), base, target, 0.5));
        keys.add(EvaluationKey.of(bench(e, 1), move.withAligner("weight", Map.of("max-sweeps", 3)), base, target, 0.5));
        keys.add(EvaluationKey.of(bench(e, 1), move.withMerger("np", Map.of()), base, target, 0.5));
        keys.add(EvaluationKey.of(bench(e, 1), move.withLambda("fixed", Map.of("value", 0.25)), base, target, 0.5));
        keys.add(EvaluationKey.of(bench(e, 1), move, index.require("blobs-equal-16x16"), target, 0.5));             // base weights
        assertEquals(12, keys.size());
        Move renamed = new Move("another-name-for-the-same-base", move.target(), move.layerMap(), move.aligner(), move.alignerSettings(),
                move.merger(), move.mergerSettings(), move.lambdaPolicy(), move.lambdaSettings());
        assertEquals(reference, EvaluationKey.of(bench(e, 1), renamed, base, target, 0.5), "the weights identify the base, not its name");
        assertEquals(EvaluationKey.KIND, reference.kind());
    }

    @Test
    void weightHashesMustBeLowerCaseSha256Hex() {
        SearchSettings.Evaluation e = new SearchSettings.Evaluation(5, 100, 0.05, true);
        ModelCard target = index.require("other-equal-8x8");
        ModelCard bad = SearchStateTest.card(SearchFixture.BASE, "ABC");
        var x = assertThrows(IllegalArgumentException.class,
                () -> EvaluationKey.of(bench(e, 1), SearchStateTest.move(target.id(), "0:0"), bad, target, 0.5));
        assertTrue(x.getMessage().contains("base weights hash"), x.getMessage());
    }
}
