package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.align.LayerMap;
import org.mal.core.merge.Soup;
import org.mal.core.method.Pair;
import org.mal.core.method.WeightAligner;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.policies.ZooIndex;

/** Issue 17: a move of several targets (a soup) in the engine: its curves, its merge, its cache key, its replay. */
class SoupMoveTest {
    @TempDir static Path dir;
    static Zoo zoo;
    static ZooIndex index;
    static Workbench bench;
    static final List<String> TARGETS = List.of("blobs-equal-16x16", "blobs-narrow-to-wide-8x16", "blobs-wide-to-narrow-16x8");

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.zoo(dir.resolve("zoo"));
        index = SearchFixture.index(zoo);
        bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, new SearchSettings.Evaluation(5, 200, 0.05, true), 3);
    }

    static Move soup(Map<String, ?> merger, double lambda) {
        return new Move(SearchFixture.BASE, TARGETS.get(0), "0:0,1:1", "weight", Move.canonicalMap(Map.of()), "convex", Move.canonicalMap(merger),
                "fixed", Move.canonicalMap(Map.of("value", lambda)), TARGETS.subList(1, 3));
    }

    static List<ModelCard> cards() { return TARGETS.stream().map(index::require).toList(); }

    @Test
    void aSoupMoveMergesEveryAlignedTargetAtAnEvenShareOfLambda() {
        ModelCard base = index.require(SearchFixture.BASE);
        Move move = soup(Map.of(), 0.6);
        Outcome o = MoveRunner.run(bench, move, base, null, cards(), 10.0);
        assertEquals(0.6, o.lambda());
        // the same merge computed here from its parts: each target weight-matched to the base, a share of 0.2 each
        Model b = bench.zooModel(base.id());
        List<Map<String, org.nd4j.linalg.api.ndarray.INDArray>> aligned = new ArrayList<>();
        WeightAligner aligner = new WeightAligner(100, null);
        for (String t : TARGETS) {
            Pair p = new Pair(b, bench.zooModel(t), "blobs", "blobs");
            aligned.add(aligner.align(p, LayerMap.parse("0:0,1:1"), bench).tensors());
        }
        Model expected = Soup.convex(b, aligned, new double[] {0.2, 0.2, 0.2});
        assertEquals(expected.contentHash(), o.mergedWeights());
        assertEquals(o.mergedWeights(), MoveRunner.materialise(bench, move, base, null, cards(), o.lambda()).contentHash());
        double baseLoss = Evaluator.evaluate(b, bench.selection("blobs")).loss();
        assertEquals(baseLoss, o.report().tasks().get(0).aligned().loss()[0], 1e-6, "λ = 0 is the base");
        assertEquals(baseLoss, o.report().tasks().get(0).naive().loss()[0], 1e-6, "for the naive soup too");

        Move repaired = soup(Map.of("repair", true, "repair-rows", 300), 0.6);
        Outcome r = MoveRunner.run(bench, repaired, base, null, cards(), 10.0);
        assertNotEquals(o.report().tasks().get(0).aligned().loss()[2], r.report().tasks().get(0).aligned().loss()[2]);
        assertEquals(r.mergedWeights(), MoveRunner.materialise(bench, repaired, base, null, cards(), r.lambda()).contentHash());
        List<Model> models = TARGETS.stream().map(bench::zooModel).toList();
        assertEquals(r.mergedWeights(), MoveRunner.merge(bench, repaired, b, "blobs", models, r.lambda()).contentHash(), "a recipe's replay");
    }

    @Test
    void theCacheKeyCoversEveryTargetAndAMoveOfOneIsKeyedAsBefore() {
        ModelCard base = index.require(SearchFixture.BASE);
        Move soup = soup(Map.of(), 0.5);
        Move one = soup.withSoup(List.of());
        var soupKey = EvaluationKey.of(bench, soup, base, cards(), 1.0);
        var oneKey = EvaluationKey.of(bench, one, base, index.require(TARGETS.get(0)), 1.0);
        assertNotEquals(soupKey.hex(), oneKey.hex());
        assertEquals(oneKey.hex(), EvaluationKey.of(bench, one, base, List.of(index.require(TARGETS.get(0))), 1.0).hex());
        Move two = soup.withSoup(List.of(TARGETS.get(1)));
        assertNotEquals(soupKey.hex(), EvaluationKey.of(bench, two, base, cards().subList(0, 2), 1.0).hex());
        List<ModelCard> reversed = new ArrayList<>(cards());
        java.util.Collections.reverse(reversed);
        assertThrows(IllegalArgumentException.class, () -> EvaluationKey.of(bench, soup, base, reversed, 1.0));
        assertEquals(MoveRunner.targetWeightsOf(cards()), MoveRunner.targetWeights(cards().stream().map(ModelCard::weightsHash).toList()));
        assertEquals(cards().get(0).weightsHash(), MoveRunner.targetWeightsOf(cards().subList(0, 1)), "one target: its own hash");
    }

    @Test
    void aMergerThatTakesOneTargetRefusesASoup() {
        ModelCard base = index.require(SearchFixture.BASE);
        Move np = soup(Map.of(), 0.5).withMerger("np", Map.of("rows", 100, "epochs", 1));
        var e = assertThrows(IllegalArgumentException.class, () -> MoveRunner.run(bench, np, base, null, cards(), 10.0));
        assertTrue(e.getMessage().contains("merges one target per move"), e.getMessage());
        Move closed = soup(Map.of("repair", true, "repair-method", "closed-form"), 0.5);
        var c = assertThrows(IllegalArgumentException.class, () -> MoveRunner.run(bench, closed, base, null, cards(), 10.0));
        assertTrue(c.getMessage().contains("closed-form"), c.getMessage());
    }
}
