package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The evaluation with the first merged layer linear in λ ({@link LinearCurves}, through
 * {@link Lmc#prepare}) against the model-per-λ reference ({@link Lmc#evaluateReference}): equal
 * within 1e-5 relative on every curve point, for random models of several widths and depths, layer
 * maps that skip layers, zero-padded heterogeneous widths, and soups.
 */
class LinearCurvesTest {
    private static final double REL = 1e-5;
    private static final double[] GRID = Lmc.grid(11);
    private static final double[] OFF_GRID = {0.037, 0.37, 0.5, 0.913};

    private static List<Dataset> tasks(int features, int classes) {
        return List.of(Synthetic.gaussianBlobs("a", 10, 700, features, classes, 5).test(),
                Synthetic.gaussianBlobs("b", 10, 500, features, classes, 6).test());
    }

    private static Model random(int in, List<Integer> hidden, int out, long seed) {
        return Trainer.initialWeights(Architecture.mlp(in, hidden, out), seed);
    }

    @Test
    void equalsTheReferenceOnRandomModelsAndMaps() {
        record Case(Model base, Model target, String map) {}
        List<Case> cases = List.of(
                new Case(random(12, List.of(16, 8), 3, 1), random(12, List.of(16, 8), 3, 2), "0:0,1:1,2:2"),
                new Case(random(12, List.of(10, 8, 6), 3, 3), random(12, List.of(7, 9, 6), 3, 4), "2:2,3:3"),
                new Case(random(12, List.of(20, 12), 3, 5), random(12, List.of(14, 18), 3, 6), "0:0,2:2"),
                new Case(random(12, List.of(32, 32, 32), 3, 7), random(12, List.of(16, 48), 3, 8), "0:0,1:1,3:2"),
                new Case(random(12, List.of(8), 3, 9), random(12, List.of(24), 3, 10), "1:1"),
                new Case(random(12, List.of(24, 16), 3, 11), random(12, List.of(24, 16), 3, 12), "1:1"));
        List<Dataset> sets = tasks(12, 3);
        for (Case c : cases) {
            LayerMap map = LayerMap.parse(c.map());
            Alignment a = WeightMatching.align(c.base(), c.target(), map, WeightMatching.Settings.DEFAULT);
            Map<String, INDArray> aligned = Transplant.alignedTensors(c.base(), c.target(), a);
            Map<String, INDArray> naive = Transplant.alignedTensors(c.base(), c.target(), WeightMatching.naive(c.base(), c.target(), map));
            String what = c.base().architecture().describe() + " <- " + c.target().architecture().describe() + " map " + map;
            Lmc.Report fast = Lmc.evaluate(c.base(), aligned, naive, sets, GRID, 0.05, Evaluator.DEFAULT_BATCH);
            Lmc.Report reference = Lmc.evaluateReference(c.base(), l -> Merge.convex(c.base(), aligned, l), Lmc.firstLayer(aligned),
                    l -> Merge.convex(c.base(), naive, l), Lmc.firstLayer(naive), sets, GRID, 0.05, 64);
            assertSameReport(reference, fast, what);
            Lmc.Evaluation e = Lmc.prepare(c.base(), ConvexPath.of(c.base(), aligned), Lmc.firstLayer(aligned), ConvexPath.of(c.base(), naive),
                    Lmc.firstLayer(naive), sets, Evaluator.DEFAULT_BATCH);
            for (double l : OFF_GRID) {
                Model merged = Merge.convex(c.base(), aligned, l);
                assertClose(Evaluator.evaluate(merged, sets.get(1)), e.aligned(1, l), what + " λ " + l);
                assertMostlySame(Evaluator.correct(merged, sets.get(0)), e.alignedCorrect(0, l), what + " λ " + l);
                assertClose(Evaluator.evaluate(Merge.convex(c.base(), naive, l), sets.get(0)), e.naive(0, l), what + " naive λ " + l);
            }
            assertMostlySame(Evaluator.correct(c.base(), sets.get(0)), e.alignedCorrect(0, 0), what + " λ = 0 is the base");
        }
    }

    @Test
    void widerModelsAndDoublePrecisionToo() {
        Model base = random(64, List.of(128, 64), 5, 21);
        Model target = random(64, List.of(96, 80), 5, 22);
        LayerMap map = LayerMap.common(3, 3);
        Alignment a = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map));
        List<Dataset> sets = tasks(64, 5);
        assertSameReport(Lmc.evaluateReference(base, l -> Merge.convex(base, aligned, l), 0, l -> Merge.convex(base, naive, l), 0, sets, GRID,
                0.05, 128), Lmc.evaluate(base, aligned, naive, sets, GRID, 0.05, Evaluator.DEFAULT_BATCH), "wide");

        Model base64 = asDouble(base);
        Map<String, INDArray> aligned64 = new java.util.HashMap<>();
        aligned.forEach((k, v) -> aligned64.put(k, v.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)));
        assertSameReport(Lmc.evaluateReference(base64, l -> Merge.convex(base64, aligned64, l), 0, l -> Merge.convex(base64, naive, l), 0, sets,
                GRID, 0.05, 128), Lmc.evaluate(base64, aligned64, naive, sets, GRID, 0.05, Evaluator.DEFAULT_BATCH), "double");
    }

    @Test
    void soupsEqualTheReference() {
        Model base = random(12, List.of(16, 12), 3, 31);
        List<Model> targets = List.of(random(12, List.of(16, 12), 3, 32), random(12, List.of(20, 8), 3, 33), random(12, List.of(12, 12), 3, 34));
        List<String> maps = List.of("0:0,1:1,2:2", "0:0,2:2", "1:1");
        List<Map<String, INDArray>> aligned = new java.util.ArrayList<>();
        List<Map<String, INDArray>> naive = new java.util.ArrayList<>();
        for (int k = 0; k < targets.size(); k++) {
            LayerMap map = LayerMap.parse(maps.get(k));
            aligned.add(Transplant.alignedTensors(base, targets.get(k), WeightMatching.align(base, targets.get(k), map, WeightMatching.Settings.DEFAULT)));
            naive.add(Transplant.alignedTensors(base, targets.get(k), WeightMatching.naive(base, targets.get(k), map)));
        }
        DoubleFunction<Model> soupAt = l -> Soup.convex(base, aligned, new double[] {l / 3, l / 3, l / 3});
        DoubleFunction<Model> naiveAt = l -> Soup.convex(base, naive, new double[] {l / 3, l / 3, l / 3});
        List<Dataset> sets = tasks(12, 3);
        ConvexPath soup = ConvexPath.soup(base, aligned);
        assertSameReport(Lmc.evaluateReference(base, soupAt, 0, naiveAt, 0, sets, GRID, 0.05, 2000),
                Lmc.evaluate(base, soup, soup.firstLayer(), ConvexPath.soup(base, naive), 0, sets, GRID, 0.05, 2000), "soup");
        for (double l : OFF_GRID) assertEquals(soupAt.apply(l).contentHash(), soup.apply(l).contentHash(), "the path builds the soup's own model");
    }

    /** REPAIR's merge function ({@link RepairedPath}, its first layer from the convex path's products) gives the curves of a model per λ. */
    @Test
    void aRepairedCurveEqualsTheModelPerLambda() {
        Model base = random(12, List.of(16, 12), 3, 41);
        Model target = random(12, List.of(12, 20), 3, 42);
        LayerMap map = LayerMap.identity(3);
        Alignment a = WeightMatching.align(base, target, map, WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, target, WeightMatching.naive(base, target, map));
        INDArray x = Synthetic.gaussianBlobs("a", 400, 10, 12, 3, 5).train().features(0, 400);
        DoubleFunction<Model> repaired = Repair.measured(base, target, a, aligned, x);
        List<Dataset> sets = tasks(12, 3);
        assertSameReport(Lmc.evaluateReference(base, repaired, 0, l -> Merge.convex(base, naive, l), 0, sets, GRID, 0.05, 2000),
                Lmc.evaluate(base, repaired, 0, naive, sets, GRID, 0.05, 2000), "repaired");
    }

    private static Model asDouble(Model m) {
        Map<String, INDArray> p = new java.util.LinkedHashMap<>();
        m.params().forEach((k, v) -> p.put(k, v.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)));
        return new Model(m.architecture(), p);
    }

    private static void assertSameReport(Lmc.Report expected, Lmc.Report actual, String what) {
        assertEquals(expected.tasks().size(), actual.tasks().size());
        for (int t = 0; t < expected.tasks().size(); t++) {
            Lmc.TaskCurves e = expected.tasks().get(t);
            Lmc.TaskCurves a = actual.tasks().get(t);
            int rows = 700 - 200 * t;
            for (int k = 0; k < GRID.length; k++) {
                String at = what + ", task " + t + ", λ " + GRID[k];
                assertRelative(e.aligned().loss()[k], a.aligned().loss()[k], at + " aligned loss");
                assertRelative(e.naive().loss()[k], a.naive().loss()[k], at + " naive loss");
                // an argmax whose two best logits differ in the last bits may flip with the summation order
                assertEquals(e.aligned().accuracy()[k], a.aligned().accuracy()[k], 1.0 / rows + 1e-12, at + " aligned accuracy");
                assertEquals(e.naive().accuracy()[k], a.naive().accuracy()[k], 1.0 / rows + 1e-12, at + " naive accuracy");
            }
        }
        assertRelative(expected.barrier(), actual.barrier(), what + " barrier");
        assertRelative(expected.aucRatio(), actual.aucRatio(), what + " AUC ratio");
        assertEquals(expected.lambdaStar(), actual.lambdaStar(), what + " λ*");
    }

    private static void assertClose(Metrics expected, Metrics actual, String what) {
        assertRelative(expected.loss(), actual.loss(), what + " loss");
        assertEquals(expected.accuracy(), actual.accuracy(), 1.0 / expected.samples() + 1e-12, what + " accuracy");
        assertEquals(expected.samples(), actual.samples());
    }

    private static void assertMostlySame(boolean[] expected, boolean[] actual, String what) {
        assertEquals(expected.length, actual.length);
        int differ = 0;
        for (int r = 0; r < expected.length; r++) if (expected[r] != actual[r]) differ++;
        assertTrue(differ <= 1, what + ": " + differ + " rows differ");
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= REL * Math.max(Math.abs(expected), Math.abs(actual)) + 1e-12,
                what + ": expected " + expected + ", got " + actual + " (relative " + Math.abs(expected - actual) / Math.abs(expected) + ")");
    }
}
