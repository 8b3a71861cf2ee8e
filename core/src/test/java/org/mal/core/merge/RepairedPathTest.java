package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link RepairedPath} against REPAIR's definition ({@link Repair#renormalise} of {@link Merge#convex}, a
 * product per layer and λ): the same models to 1e-5 relative, and the same curves through {@link Lmc}.
 */
class RepairedPathTest {
    private static final double[] LAMBDAS = {0.1, 0.37, 0.5, 0.9, 1};

    private static Model random(int in, List<Integer> hidden, int out, long seed) {
        return Trainer.initialWeights(Architecture.mlp(in, hidden, out), seed);
    }

    private static void assertClose(Model expected, Model actual, String what) {
        assertEquals(expected.params().keySet(), actual.params().keySet(), what);
        for (String name : expected.params().keySet()) {
            INDArray e = expected.params().get(name);
            INDArray a = actual.params().get(name);
            double err = a.sub(e).norm2Number().doubleValue() / Math.max(1e-12, e.norm2Number().doubleValue());
            assertTrue(err < 1e-5, what + ", " + name + ": relative error " + err);
        }
    }

    @Test
    void equalsRepairsDefinitionForPairsWhoseMergeStartsAtAnyLayer() {
        record Case(Model base, Model target, String map) {}
        List<Case> cases = List.of(
                new Case(random(12, List.of(16, 8), 3, 1), random(12, List.of(16, 8), 3, 2), "0:0,1:1,2:2"),
                new Case(random(12, List.of(10, 8, 6), 3, 3), random(12, List.of(7, 9, 6), 3, 4), "2:2,3:3"),
                new Case(random(12, List.of(20, 12), 3, 5), random(12, List.of(14, 18), 3, 6), "0:0,2:2"),
                new Case(random(12, List.of(12, 12), 3, 7), random(12, List.of(12, 12), 3, 8), "2:2"));   // only the output layer
        INDArray x = RepairTest.rows(300, 12, 11);
        for (Case c : cases) {
            Alignment a = WeightMatching.align(c.base(), c.target(), LayerMap.parse(c.map()), WeightMatching.Settings.DEFAULT);
            Map<String, INDArray> aligned = Transplant.alignedTensors(c.base(), c.target(), a);
            List<Repair.UnitStats> sb = Repair.stats(c.base(), x);
            List<Repair.UnitStats> st = Repair.stats(c.target(), x);
            RepairedPath path = Repair.measured(c.base(), c.target(), a, aligned, x);
            assertSame(c.base(), path.apply(0), "λ = 0 is the base itself");
            for (double lambda : LAMBDAS) {
                Model reference = Repair.renormalise(Merge.convex(c.base(), aligned, lambda),
                        Repair.targets(sb, st, a, c.base().architecture().depth(), lambda), x);
                assertClose(reference, path.apply(lambda), "map " + c.map() + ", λ " + lambda);
                RepairedPath.Step step = path.step(lambda);
                if (c.map().equals("2:2")) assertNull(step.scale(), "the output layer is not renormalised");
                else assertNotNull(step.scale(), "the first merged hidden layer is folded");
            }
        }
    }

    @Test
    void aUniformSoupEqualsItsDefinition() {
        Model base = random(12, List.of(16, 10), 3, 21);
        List<Model> targets = List.of(random(12, List.of(12, 10), 3, 22), random(12, List.of(16, 14), 3, 23), random(12, List.of(20, 8), 3, 24));
        LayerMap map = LayerMap.identity(3);
        INDArray x = RepairTest.rows(400, 12, 12);
        List<Repair.View> views = new ArrayList<>();
        List<Map<String, INDArray>> aligned = new ArrayList<>();
        for (Model t : targets) {
            Alignment a = WeightMatching.align(base, t, map, WeightMatching.Settings.DEFAULT);
            views.add(Repair.View.of(t, a, x));
            aligned.add(Transplant.alignedTensors(base, t, a));
        }
        RepairedPath soup = Soup.repairedUniform(base, views, aligned, x);
        var byShares = Soup.repairedByShares(base, views, aligned, x);
        for (double lambda : LAMBDAS) {
            double s = lambda / 3;
            assertClose(byShares.apply(new double[] {s, s, s}), soup.apply(lambda), "soup, λ " + lambda);
        }
    }

    /** Through {@link Lmc}: the REPAIRed branch's curves equal a model per λ run in full (issue 20's 1e-5 relative). */
    @Test
    void curvesEqualTheModelPerLambda() {
        Model base = random(12, List.of(16, 12, 10), 3, 31);
        Model target = random(12, List.of(12, 20, 10), 3, 32);
        LayerMap map = LayerMap.parse("1:1,2:2,3:3");
        Alignment a = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map));
        INDArray x = Synthetic.gaussianBlobs("a", 400, 10, 12, 3, 5).train().features(0, 400);
        RepairedPath repaired = Repair.measured(base, target, a, aligned, x);
        List<Dataset> sets = List.of(Synthetic.gaussianBlobs("a", 10, 700, 12, 3, 5).test(), Synthetic.gaussianBlobs("b", 10, 500, 12, 3, 6).test());
        double[] grid = Lmc.grid(11);
        Lmc.Report reference = Lmc.evaluateReference(base, l -> repaired.apply(l), 1, l -> Merge.convex(base, naive, l), 1, sets, grid, 0.05,
                Evaluator.DEFAULT_BATCH);
        Lmc.Report fast = Lmc.evaluate(base, repaired, 1, naive, sets, grid, 0.05, Evaluator.DEFAULT_BATCH);
        for (int t = 0; t < sets.size(); t++) {
            for (int k = 0; k < grid.length; k++) {
                double e = reference.tasks().get(t).aligned().loss()[k];
                double g = fast.tasks().get(t).aligned().loss()[k];
                assertEquals(e, g, 1e-5 * Math.abs(e), "task " + t + ", λ " + grid[k]);
                assertEquals(reference.tasks().get(t).aligned().accuracy()[k], fast.tasks().get(t).aligned().accuracy()[k],
                        1.0 / sets.get(t).size() + 1e-12, "task " + t + ", λ " + grid[k]);
            }
        }
    }
}
