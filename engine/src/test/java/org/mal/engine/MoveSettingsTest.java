package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.merge.NpMerge;
import org.mal.core.method.NpMerger;
import org.mal.core.model.Evaluator;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.policies.ZooIndex;

/**
 * Issue 15's two bugs: a configured setting must change what a move computes, and a method's
 * defaults are the same wherever it runs.
 */
class MoveSettingsTest {
    @TempDir static Path dir;
    static Zoo zoo;
    static ZooIndex index;
    static final String TARGET = "blobs-wide-to-narrow-16x8";

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.zoo(dir.resolve("zoo"));
        index = SearchFixture.index(zoo);
    }

    static Move move(Map<String, ?> lambdaSettings) {
        return new Move(SearchFixture.BASE, TARGET, "0:0,1:1", "weight", Move.canonicalMap(Map.of()), "convex", Move.canonicalMap(Map.of()),
                "threshold", Move.canonicalMap(lambdaSettings));
    }

    /** λ of {@code move} in a search whose evaluation settings are {@code evaluation}. */
    static double lambda(SearchSettings.Evaluation evaluation, Move move) {
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, evaluation, 3);
        ModelCard base = index.require(SearchFixture.BASE);
        double originLoss = Evaluator.evaluate(bench.zooModel(base.id()), bench.selection(MoveRunner.task(base))).loss();
        return MoveRunner.run(bench, move, base, null, index.require(TARGET), evaluation.lossLimit(originLoss)).lambda();
    }

    @Test
    void everyThresholdSettingChangesTheLambdaItFinds() {
        SearchSettings.Evaluation e = new SearchSettings.Evaluation(5, 200, 0.05, true);
        Move refined = move(Map.of("method", "refined-grid", "refine", 2));
        double reference = lambda(e, refined);
        assertTrue(reference > 0 && reference < 1, "an interior λ*, so that every setting can move it: " + reference);
        assertNotEquals(reference, lambda(new SearchSettings.Evaluation(5, 200, 0.5, true), refined), "search.evaluation.tolerance");
        assertNotEquals(reference, lambda(new SearchSettings.Evaluation(9, 200, 0.05, true), refined), "search.evaluation.grid");
        assertNotEquals(reference, lambda(e, move(Map.of("method", "refined-grid", "refine", 9))), "the law's refine");
        assertNotEquals(reference, lambda(e, move(Map.of("method", "bisection", "steps", 6))), "the law's method and steps");
    }

    @Test
    void npMergesLearnOneCoefficientPerUnitUnlessToldOtherwiseInTheSearchAsOnTheCommandLine() {
        Move np = move(Map.of()).withMerger("np", Map.of());
        assertEquals(NpMerge.Granularity.UNIT, ((NpMerger) MoveMethod.of(np).merger()).granularity());
        Move perParameter = move(Map.of()).withMerger("np", Map.of("granularity", "parameter"));
        assertEquals(NpMerge.Granularity.PARAMETER, ((NpMerger) MoveMethod.of(perParameter).merger()).granularity());
    }

    @Test
    void aMistypedMethodSettingIsNamedWithItsPath() {
        var e = assertThrows(RuntimeException.class, () -> MoveMethod.of(move(Map.of()).withAligner("weight", Map.of("max-sweep", 3))));
        assertTrue(e.getMessage().contains("move.aligner-settings") && e.getMessage().contains("max-sweep"), e.getMessage());
        var f = assertThrows(RuntimeException.class, () -> MoveMethod.of(move(Map.of()).withMerger("np", Map.of("granularity", "layer"))));
        assertTrue(f.getMessage().contains("move.merger-settings.granularity") && f.getMessage().contains("unit or parameter"), f.getMessage());
        var g = assertThrows(RuntimeException.class, () -> MoveMethod.of(move(Map.of()).withAligner("magic", Map.of())));
        assertTrue(g.getMessage().contains("unknown aligner 'magic'"), g.getMessage());
    }

    @Test
    void anAlignerOfOneClassNamedInTheMoveRunsItThroughTheSameRegistry() {
        Move plugged = move(Map.of("method", "refined-grid", "refine", 2)).withAligner(PaddingAligner.class.getName(), Map.of("label", "mine"));
        SearchSettings.Evaluation e = new SearchSettings.Evaluation(5, 200, 0.05, true);
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, e, 3);
        Outcome o = MoveRunner.run(bench, plugged, index.require(SearchFixture.BASE), null, index.require(TARGET), 10.0);
        assertEquals("mine", o.aligner());
    }
}
