package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.policies.ZooIndex;

/** Issue 18: λ chosen by the merge's accuracy ({@code best}), and the paired counts a gain is tested on. */
class GainMoveTest {
    @TempDir static Path dir;
    static Zoo zoo;
    static ZooIndex index;

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.zoo(dir.resolve("zoo"));
        index = SearchFixture.index(zoo);
    }

    @Test
    void theBestRuleTakesTheMostAccurateAdmissibleLambdaAndTheOutcomeCarriesItsPairedCounts() {
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, new SearchSettings.Evaluation(11, 200, 0.5, true), 3);
        ModelCard base = index.require(SearchFixture.BASE);
        ModelCard target = index.require("blobs-equal-16x16");
        Move move = new Move(SearchFixture.BASE, target.id(), "0:0,1:1", "weight", Move.canonicalMap(Map.of()), "convex",
                Move.canonicalMap(Map.of()), "best", Move.canonicalMap(Map.of("refine", 3)));
        Model b = bench.zooModel(base.id());
        double limit = bench.evaluation().lossLimit(Evaluator.evaluate(b, bench.selection("blobs")).loss());
        Outcome o = MoveRunner.run(bench, move, base, null, target, limit);
        var curve = o.report().tasks().get(0).aligned();
        double chosen = o.accuracy().get(o.report().tasks().get(0).dataset());
        for (int k = 0; k < curve.loss().length; k++) {
            if (curve.loss()[k] <= limit) assertTrue(chosen >= curve.accuracy()[k], "λ = " + o.lambda() + " is at least as accurate as grid point " + k);
        }
        assertTrue(o.loss() <= limit);
        Model merged = MoveRunner.materialise(bench, move, base, null, target, o.lambda());
        McNemar.Result r = McNemar.compare(Evaluator.correct(b, bench.selection("blobs")), Evaluator.correct(merged, bench.selection("blobs")));
        assertEquals(r.onlyFirst(), o.paired().onlyBase());
        assertEquals(r.onlySecond(), o.paired().onlyMerge());
        assertEquals(bench.selection("blobs").size(), o.paired().rows());
        assertEquals(o.paired(), o.evaluated(move).paired(), "objectives see the counts");
        Outcome back = SearchJson.read(SearchJson.write(o), Outcome.class);
        assertEquals(o.paired(), back.paired(), "the journal and the cache keep them");
    }
}
