package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnMoveMerge;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.core.zoo.CardRows;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.policies.ZooIndex;

/** Issue 21: a search's moves between CNNs ({@link CnnMoveRunner} behind {@link MoveRunner}) on a synthetic CNN zoo. */
class CnnMoveRunnerTest {
    @TempDir static Path dir;
    static Zoo zoo;
    static ZooIndex index;
    static ModelCard base;

    @BeforeAll
    static void zoo() throws Exception {
        zoo = CnnSearchFixture.zoo(dir.resolve("zoo"));
        index = ZooIndex.from(zoo, true);
        base = index.require(CnnSearchFixture.BASE);
    }

    static Workbench bench(String extra) {
        SearchSettings s = CnnSearchFixture.settings(zoo.dir(), extra).withOrigin(base);
        return new Workbench(zoo, dir.resolve("assemblies"), null, CnnSearchFixture.TASK_FN, s.evaluation(), s.seed());
    }

    static Move move(String target, String map, Map<String, Object> merger, String rule, Map<String, Object> ruleSettings) {
        return new Move(CnnSearchFixture.BASE, target, map, "weight", Move.canonicalMap(Map.of()), "convex", Move.canonicalMap(merger), rule,
                Move.canonicalMap(ruleSettings));
    }

    @Test
    void aWholeCnnMoveIsEvaluatedOnTheOriginsValidationRowsAndMaterialisesToTheWeightsItMeasured() {
        Workbench bench = bench("");
        ModelCard target = index.require("pix-cnn-wide-to-narrow-4x2");   // the same layers, other channel counts
        Move move = move(target.id(), "0:0,1:1,2:2", Map.of("repair", true, "repair-rows", 100), "threshold", Map.of("refine", 2));
        CnnModel b = bench.cnnZooModel(base.id(), null);
        var rows = bench.selection("pix");
        int[] validation = CardRows.validation(CnnSearchFixture.TASKS.get("pix").train(), base, CnnSearchFixture.SAMPLE_SEED);
        assertEquals(60, validation.length, "a quarter of the 240 sampled rows");
        assertEquals(60, rows.size(), "moves are chosen on the origin's validation rows, all of them (fewer than search.evaluation.rows)");
        Metrics own = CnnEvaluation.evaluate(b, rows);
        double limit = bench.evaluation().lossLimit(own.loss());
        Outcome o = MoveRunner.run(bench, move, base, null, target, limit);

        assertTrue(o.aligner().startsWith("weight/whole"), o.aligner());
        var curves = o.report().tasks().get(0);
        assertEquals(own.loss(), curves.aligned().loss()[0], 1e-12, "λ = 0 is the base");
        assertEquals(own.accuracy(), curves.aligned().accuracy()[0]);
        assertEquals(own.loss(), curves.naive().loss()[0], 1e-12);
        assertNotEquals(curves.aligned().loss()[2], curves.naive().loss()[2], "aligned and naive merges differ at λ = 0.5");
        assertTrue(o.loss() <= limit, "λ* keeps the loss within the limit");
        assertTrue(o.lambda() > 0, "the merge keeps something of the target at this tolerance: λ = " + o.lambda());

        CnnModel merged = MoveRunner.materialiseCnn(bench, move, base, null, java.util.List.of(target), o.lambda());
        assertEquals(o.mergedWeights(), Model.hashParams(merged.params()), "the assembly built again is the model that was measured");
        assertEquals(b.architecture(), merged.architecture(), "an assembly has the base's architecture");
        McNemar.Result r = McNemar.compare(CnnMoveMerge.rows(b, rows).correct(), CnnMoveMerge.rows(merged, rows).correct());
        assertEquals(r.onlyFirst(), o.paired().onlyBase());
        assertEquals(r.onlySecond(), o.paired().onlyMerge());
        assertEquals(CnnEvaluation.evaluate(merged, rows).accuracy(), o.accuracy().get(rows.name()), 1e-12);
        Outcome back = SearchJson.read(SearchJson.write(o), Outcome.class);
        assertEquals(o.mergedWeights(), back.mergedWeights(), "the journal and the cache keep it");
    }

    @Test
    void aPartialMapPutsAConvOfAnotherWidthIntoTheBaseAndChangesNothingElse() {
        Workbench bench = bench("");
        ModelCard target = index.require("pix-cnn-narrow-to-wide-2x4");
        Move move = move(target.id(), "1:1", Map.of(), "fixed", Map.of("value", 0.5));
        CnnModel b = bench.cnnZooModel(base.id(), null);
        CnnModel merged = MoveRunner.materialiseCnn(bench, move, base, null, java.util.List.of(target), 0.5);
        // search layer 1 of the plain depth-2 zoo CNN is module 4 (conv, batch norm 5); the rest is the base's, bit for bit
        Set<String> changed = Set.of("4.weight", "5.weight", "5.bias", "5.running_mean", "5.running_var");
        for (var e : b.params().entrySet()) {
            if (changed.contains(e.getKey())) assertNotEquals(e.getValue(), merged.params().get(e.getKey()), e.getKey() + " is merged");
            else assertSame(e.getValue(), merged.params().get(e.getKey()), e.getKey() + " is the base's tensor itself");
        }
        Outcome o = MoveRunner.run(bench, move, base, null, target, 1e9);
        assertTrue(o.aligner().startsWith("weight/selective"), o.aligner());
        assertEquals(0.5, o.lambda());
        assertEquals(Model.hashParams(merged.params()), o.mergedWeights());
    }

    @Test
    void theOriginsRowsNeedTheZoosSampleSeedAndAWrongSeedIsCaught() {
        var none = assertThrows(IllegalStateException.class, () -> bench("search.evaluation.sample-seed = null").selection("pix"));
        assertTrue(none.getMessage().contains("search.evaluation.sample-seed") && none.getMessage().contains("240-row sample"), none.getMessage());
        var wrong = assertThrows(IllegalStateException.class, () -> bench("search.evaluation.sample-seed = 6").selection("pix"));
        assertTrue(wrong.getMessage().contains("do not hash"), wrong.getMessage());
    }

    @Test
    void aWholeCnnMoveCanBeZippedAndMaterialisesToTheWeightsItMeasured() {
        Workbench bench = bench("");
        ModelCard target = index.require("pix-cnn-wide-to-narrow-4x2");
        Move move = move(target.id(), "0:0,1:1,2:2", Map.of("repair", true, "repair-rows", 100), "fixed", Map.of("value", 0.5))
                .withAligner("zip", Map.of("rows", 100, "decay", 0.6, "budget", 0.25));
        Outcome o = MoveRunner.run(bench, move, base, null, target, 1e9);
        assertTrue(o.aligner().startsWith("zip/whole"), o.aligner());
        assertEquals(0.5, o.lambda());
        CnnModel merged = MoveRunner.materialiseCnn(bench, move, base, null, java.util.List.of(target), 0.5);
        assertEquals(o.mergedWeights(), Model.hashParams(merged.params()));
        Move weight = move(target.id(), "0:0,1:1,2:2", Map.of("repair", true, "repair-rows", 100), "fixed", Map.of("value", 0.5));
        assertNotEquals(MoveRunner.run(bench, weight, base, null, target, 1e9).mergedWeights(), o.mergedWeights(), "zip is not weight matching");
    }

    @Test
    void methodsWithoutACnnCounterpartAreRefusedByName() {
        Workbench bench = bench("");
        ModelCard target = index.require("pix-cnn-equal-2x2");
        Move zip = move(target.id(), "1:1", Map.of(), "fixed", Map.of("value", 0.5)).withAligner("zip", Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> MoveRunner.run(bench, zip, base, null, target, 1e9));
        assertTrue(e.getMessage().contains("zip of a partial CNN layer map is not built"), e.getMessage());
        Move np = move(target.id(), "0:0,1:1,2:2", Map.of(), "fixed", Map.of("value", 0.5)).withMerger("np", Map.of());
        e = assertThrows(IllegalArgumentException.class, () -> MoveRunner.run(bench, np, base, null, target, 1e9));
        assertTrue(e.getMessage().contains("merger np is not built for CNNs"), e.getMessage());
        Move residual = move("pix-resnet-equal-4x4", "1:1", Map.of(), "fixed", Map.of("value", 0.5));
        e = assertThrows(IllegalArgumentException.class,
                () -> MoveRunner.run(bench, residual, base, null, index.require("pix-resnet-equal-4x4"), 1e9));
        assertTrue(e.getMessage().contains("pairs plain convs only"), e.getMessage());
    }
}
