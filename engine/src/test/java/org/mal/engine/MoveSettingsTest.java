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

    /** Issue 17: REPAIR as a setting of the convex merger; the assembly the coordinator rebuilds is the model evaluated. */
    @Test
    void aRepairedMoveHasItsOwnCurvesAndItsMergeIsRebuiltBitForBit() {
        SearchSettings.Evaluation e = new SearchSettings.Evaluation(5, 200, 0.05, true);
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, e, 3);
        ModelCard base = index.require(SearchFixture.BASE);
        ModelCard target = index.require(TARGET);
        Move plain = move(Map.of("method", "refined-grid", "refine", 2));
        Move repaired = plain.withMerger("convex", Map.of("repair", true, "repair-rows", 300));
        Outcome p = MoveRunner.run(bench, plain, base, null, target, 10.0);
        Outcome r = MoveRunner.run(bench, repaired, base, null, target, 10.0);
        double[] pl = p.report().tasks().get(0).aligned().loss();
        double[] rl = r.report().tasks().get(0).aligned().loss();
        assertEquals(pl[0], rl[0], 0.0, "λ = 0 is the base either way");
        assertNotEquals(pl[2], rl[2], "the midpoint of the curve is the REPAIRed merge's");
        assertEquals(p.report().tasks().get(0).naive().loss()[2], r.report().tasks().get(0).naive().loss()[2], 0.0, "the naive curve is not");
        assertEquals(r.mergedWeights(), MoveRunner.materialise(bench, repaired, base, null, target, r.lambda()).contentHash());
        // the zip aligner: REPAIR sees each zipped group as one unit
        Move zip = new Move(SearchFixture.BASE, TARGET, "0:0,1:1,2:2", "zip", Move.canonicalMap(Map.of("rows", 100)), "convex",
                Move.canonicalMap(Map.of("repair", true, "repair-rows", 300)), "fixed", Move.canonicalMap(Map.of("value", 0.5)));
        Outcome z = MoveRunner.run(bench, zip, base, null, target, 10.0);
        Outcome zPlain = MoveRunner.run(bench, zip.withMerger("convex", Map.of()), base, null, target, 10.0);
        assertNotEquals(zPlain.report().tasks().get(0).aligned().loss()[2], z.report().tasks().get(0).aligned().loss()[2]);
        assertEquals(z.mergedWeights(), MoveRunner.materialise(bench, zip, base, null, target, z.lambda()).contentHash());
    }

    /** A journal written before issue 15 holds threshold moves with the law's dead tolerance and grid. */
    @Test
    void oldThresholdSettingsAreDroppedWhereTheJournalIsReadSoOldMovesEqualTodays() {
        Move today = move(Map.of("method", "refined-grid", "refine", 2));
        Move old = today.withLambda("threshold", Map.of("method", "refined-grid", "refine", 2, "tolerance", 0.05, "grid", 25));
        SearchEvent.StepPlanned read = (SearchEvent.StepPlanned) SearchJson.read(
                SearchJson.write(new SearchEvent.StepPlanned(0, "h", java.util.List.of(old))), SearchEvent.class);
        assertEquals(today, read.moves().get(0));
        var e = assertThrows(RuntimeException.class, () -> MoveMethod.of(old));
        assertTrue(e.getMessage().contains("search.evaluation.tolerance"), e.getMessage());
    }

    /** One aligner-settings block serves plain and CKA-mapped moves: rows is CKA's when depth = cka, and accepted otherwise. */
    @Test
    void everyAlignerTakesTheRowsCkaReads() {
        for (String aligner : java.util.List.of("weight", "naive", "activation", "zip")) {
            MoveMethod.of(move(Map.of()).withAligner(aligner, Map.of("rows", 500)));
            MoveMethod.of(move(Map.of()).withAligner(aligner, Map.of("rows", 500, "depth", "cka")));
        }
    }

    @Test
    void theClosedFormRepairIsAMoveSettingCheckedByName() {
        Move m = move(Map.of()).withMerger("convex", Map.of("repair", true, "repair-method", "closed-form"));
        assertTrue(((org.mal.core.method.ConvexMerger) MoveMethod.of(m).merger()).closedForm());
        var e = assertThrows(RuntimeException.class,
                () -> MoveMethod.of(move(Map.of()).withMerger("convex", Map.of("repair", true, "repair-method", "guess"))));
        assertTrue(e.getMessage().contains("move.merger-settings.repair-method") && e.getMessage().contains("closed-form"), e.getMessage());
    }
}
