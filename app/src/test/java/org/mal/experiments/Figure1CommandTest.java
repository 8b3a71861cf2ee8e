package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Repair;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchJson;
import org.mal.policies.ZooIndex;

class Figure1CommandTest {
    @TempDir Path dir;

    /** A pair's three curves: weight matching and naive as laws-check computes them, REPAIR as the engine's measured REPAIR on the given rows. */
    @Test
    void aPairsRepairedCurveIsTheMeasuredRepairOfTheWeightMatchedMergeAgainstTheSameNaiveCurve() throws Exception {
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        ZooIndex index = ZooIndex.from(zoo);
        List<ModelCard> blobs = index.cards().stream().filter(c -> c.dataset().task().equals(SearchFixture.TASKS.keySet().stream()
                .filter(t -> index.require(SearchFixture.BASE).dataset().task().equals(t)).findFirst().orElseThrow())).toList();
        ModelCard a = blobs.get(0);
        ModelCard b = blobs.get(1);
        Map<String, Model> models = new HashMap<>();
        for (ModelCard c : List.of(a, b)) models.put(c.id(), ModelIO.load(zoo.fileOf(c.id())).model());
        Dataset test = SearchFixture.TASKS.get(a.dataset().task()).test();
        Dataset train = SearchFixture.TASKS.get(a.dataset().task()).train();
        double[] lambdas = Lmc.grid(5);

        Figure1Command.Pair p = Figure1Command.pair(a, b, models, test, train, lambdas);
        Model ma = models.get(a.id());
        Model mb = models.get(b.id());
        LayerMap map = LayerMap.common(ma.architecture().depth(), mb.architecture().depth());
        Lmc.Report wm = ZooExperiment.evaluate(ma, mb, map, test, lambdas, 0.05);
        assertEquals(wm.auc(), p.auc(), 0.0);
        assertEquals(wm.naiveAuc(), p.naiveAuc(), 0.0);
        Alignment al = WeightMatching.align(ma, mb, map, WeightMatching.Settings.DEFAULT);
        var aligned = Transplant.alignedTensors(ma, mb, al);
        var repaired = Repair.measured(ma, mb, al, aligned, train.features(0, train.size()));
        double[] loss = new double[lambdas.length];
        for (int k = 0; k < lambdas.length; k++) loss[k] = Evaluator.evaluate(repaired.apply(lambdas[k]), test).loss();
        assertEquals(Lmc.area(lambdas, loss), p.repairedAuc(), 1e-5 * p.repairedAuc(), "the area under the loss curve");
        assertEquals(p.repairedAuc() / p.naiveAuc(), p.repairedAucRatio(), 1e-12);

        Figure1Command.Pair plain = Figure1Command.pair(a, b, models, test, null, lambdas);
        assertEquals(p.auc(), plain.auc(), 0.0);
        assertTrue(Double.isNaN(plain.repairedAuc()), "no REPAIR without rows");
    }

    /** The cache keeps every finished pair; a partial last line (a killed run) is skipped, not an error. */
    @Test
    void theCacheReadsBackItsPairsAndSkipsAPartialLine() throws Exception {
        Figure1Command.Pair p = new Figure1Command.Pair("a", "b", "t", "t", "0:0", 1.5, 2.0, 0.75, 0.1, 0.2, 0.5, Double.NaN, Double.NaN,
                Double.NaN);
        String line = SearchJson.MAPPER.writeValueAsString(new Figure1Command.Cached("k1", p));
        Path file = dir.resolve(Figure1Command.CACHE);
        Files.writeString(file, line + "\n" + line.substring(0, line.length() / 2));
        Map<String, Figure1Command.Pair> read = Figure1Command.readCache(file);
        assertEquals(Map.of("k1", p).keySet(), read.keySet());
        assertEquals(p.auc(), read.get("k1").auc(), 0.0);
        assertTrue(Double.isNaN(read.get("k1").repairedAuc()));
        assertTrue(Figure1Command.readCache(dir.resolve("none.jsonl")).isEmpty());
    }

    @Test
    void architecturesAreOrderedByFamilyDepthAndWidthsAsNumbers() {
        List<String> labels = new java.util.ArrayList<>(List.of("equal 128-128", "pyramid 16-64-16", "equal 16-16-16", "equal 16-16", "custom"));
        labels.sort(java.util.Comparator.comparing(Figure1Command::archKey));
        assertEquals(List.of("custom", "equal 16-16", "equal 128-128", "equal 16-16-16", "pyramid 16-64-16"), labels);
        assertEquals(1.0, Figure1Command.percentile(List.of(3.0, 1.0, 2.0, Double.NaN), 0));
        assertEquals(3.0, Figure1Command.percentile(List.of(3.0, 1.0, 2.0), 0.95));
    }
}
