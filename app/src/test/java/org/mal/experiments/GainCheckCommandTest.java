package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.*;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.data.Dataset;
import org.mal.core.data.TaskData;
import org.mal.core.merge.Soup;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchSettings;
import org.mal.policies.ZooIndex;

class GainCheckCommandTest {

    @TempDir static Path dir;
    static Zoo zoo;
    static ZooIndex index;
    static Config conf;

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.zoo(dir.resolve("zoo"));
        index = ZooIndex.from(zoo);
        conf = SearchSettings.readFile(Path.of("../conf/search-gain.conf"));
    }

    /** The fixture's base and one model of the other task. */
    private static List<ModelCard> bases() {
        ModelCard other = index.cards().stream().filter(c -> c.dataset().task().equals("other")).findFirst().orElseThrow();
        return List.of(index.require(SearchFixture.BASE), other);
    }

    private static Model load(String id) throws Exception { return ModelIO.load(zoo.fileOf(id)).model(); }

    @Test
    void everyBaseHasEveryColumnAndTheOriginAndEnsembleAreTheDirectComputationsOnTheWholeTestSet() throws Exception {
        List<GainCheckCommand.Row> rows = new ArrayList<>();
        for (ModelCard base : bases()) {
            GainCheckCommand.Row r = GainCheckCommand.check(base, index, zoo, conf, 1, dir.resolve("out").resolve(base.id()), SearchFixture.TASK_FN);
            rows.add(r);
            String task = base.dataset().task();
            Dataset test = SearchFixture.TASKS.get(task).test();
            assertEquals(test.size(), r.baselines().testRows(), "the whole test set");
            Model origin = load(base.id());
            Metrics o = Evaluator.evaluate(origin, test);
            assertEquals(o.accuracy(), r.origin().accuracy(), 0.0);
            assertEquals(o.loss(), r.origin().loss(), 1e-12);
            List<Model> same = new ArrayList<>();
            for (ModelCard c : index.cards()) if (c.dataset().task().equals(task)) same.add(load(c.id()));
            assertTrue(same.size() >= 3, "the fixture has several models per task: " + same.size());
            assertEquals(same.size(), r.baselines().sameTask().size());
            Metrics e = Soup.ensemble(same, test);
            assertEquals(e.accuracy(), r.baselines().ensemble().accuracy(), 0.0, "ensemble of every same-task model");
            assertEquals(e.loss(), r.baselines().ensemble().loss(), 1e-9);
            for (GainCheckCommand.Cell c : r.cells()) assertTrue(c.accuracy() >= 0 && c.accuracy() <= 1, c.toString());
            // the paired counts are the two accuracies' difference on the same rows
            assertEquals(Math.round((r.assembly().accuracy() - o.accuracy()) * test.size()), r.paired().onlySecond() - r.paired().onlyFirst());
            assertEquals(r.assembly().loss() - o.loss(), r.lossChange().difference(), 1e-9, "the loss change is measured on the same rows");
            assertTrue(r.evaluations() > 0 && r.cacheHits() == 0, "the search ran, in a new folder");
        }

        StringWriter text = new StringWriter();
        GainCheckCommand.print(rows, new PrintWriter(text, true));
        List<String> lines = text.toString().lines().toList();
        String header = lines.stream().filter(l -> l.startsWith("| base | test rows")).findFirst().orElseThrow();
        for (String c : GainCheckCommand.COLUMNS) assertTrue(header.contains("| " + c + " |"), c + " in " + header);
        int cells = header.split("\\|", -1).length;
        for (GainCheckCommand.Row r : rows) {
            String line = lines.stream().filter(l -> l.startsWith("| " + r.baselines().base() + " | ")).findFirst().orElseThrow();
            assertEquals(cells, line.split("\\|", -1).length, line);
            assertFalse(line.contains("–"), "every column has a value: " + line);
        }
        assertTrue(text.toString().contains("beats its origin with p < 0.05 on"), text.toString());
        Path png = dir.resolve("figure/gain-check.png");
        Files.createDirectories(png.getParent());
        GainCheckCommand.figure(rows, png);
        assertTrue(Files.size(png) > 1000);

        // a second check of the same base starts a new run in the same folder, answered from its cache
        ModelCard base = bases().get(0);
        GainCheckCommand.Row again = GainCheckCommand.check(base, index, zoo, conf, 1, dir.resolve("out").resolve(base.id()), SearchFixture.TASK_FN);
        assertEquals(0, again.evaluations(), "nothing computed again");
        assertEquals(rows.get(0).evaluations(), again.cacheHits(), "every move answered from the cache");
        assertEquals(rows.get(0).assembly(), again.assembly());
    }

    @Test
    void everyChoiceIsMadeOnSelectionRowsSoOtherTestDataChangesNoChoice() throws Exception {
        // every task's test set swapped for the other task's (same shapes, other rows)
        Function<String, TaskData> swapped = name -> {
            TaskData t = SearchFixture.TASKS.get(name);
            TaskData other = SearchFixture.TASKS.get(name.equals("blobs") ? "other" : "blobs");
            return new TaskData(t.name(), t.train(), other.test());
        };
        for (ModelCard base : bases()) {
            SearchSettings settings = GainCheckCommand.settings(conf, base, zoo.dir(), 1);
            GainCheckCommand.Baselines real = GainCheckCommand.baselines(base, index,
                    GainCheckCommand.workbench(settings, zoo, dir.resolve("a"), SearchFixture.TASK_FN));
            GainCheckCommand.Baselines other = GainCheckCommand.baselines(base, index,
                    GainCheckCommand.workbench(settings, zoo, dir.resolve("b"), swapped));
            assertNotEquals(real.origin().accuracy(), other.origin().accuracy(), "the test sets differ");
            assertEquals(real.selectionHash(), other.selectionHash());
            for (var pick : List.<Function<GainCheckCommand.Baselines, GainCheckCommand.Cell>>of(GainCheckCommand.Baselines::bestSingle,
                    GainCheckCommand.Baselines::pair, GainCheckCommand.Baselines::pairRepair, GainCheckCommand.Baselines::soup)) {
                assertEquals(pick.apply(real).choice(), pick.apply(other).choice());
                assertEquals(pick.apply(real).selectionAccuracy(), pick.apply(other).selectionAccuracy(), 0.0);
            }
            // the best single model is the most accurate on the selection rows
            var bench = GainCheckCommand.workbench(settings, zoo, dir.resolve("a"), SearchFixture.TASK_FN);
            Dataset selection = bench.selection(base.dataset().task());
            double best = 0;
            for (String id : real.sameTask()) best = Math.max(best, Evaluator.evaluate(load(id), selection).accuracy());
            assertEquals(best, real.bestSingle().selectionAccuracy(), 0.0);
            assertEquals(Evaluator.evaluate(load(real.bestSingle().choice()), selection).accuracy(), best, 0.0);
        }
    }

    private static GainCheckCommand.Row row(String base, double origin, double ensemble, double assembly, int onlyAssembly, int onlyOrigin) {
        GainCheckCommand.Cell o = new GainCheckCommand.Cell(origin, 0.3, base, origin);
        GainCheckCommand.Cell e = new GainCheckCommand.Cell(ensemble, 0.3, "3 models", ensemble);
        var b = new GainCheckCommand.Baselines(base, "t", List.of(base), 100, 1000, "h", o, o, e, o, o, o);
        return new GainCheckCommand.Row(b, new GainCheckCommand.Cell(assembly, 0.3, "", assembly),
                new org.mal.core.stats.McNemar.Result(onlyOrigin, onlyAssembly, org.mal.core.stats.McNemar.exactP(onlyOrigin, onlyAssembly)),
                org.mal.core.stats.PairedBootstrap.of(new double[] {0.3, 0.3}, new double[] {0.3, 0.3}), 1, 1, 0);
    }

    @Test
    void theSummaryCountsSignificantGainsNamesTheWorstDropAndTheShareOfTheEnsembleGap() {
        String s = GainCheckCommand.summary(List.of(row("a", 0.80, 0.90, 0.85, 60, 10), row("b", 0.80, 0.90, 0.801, 2, 1),
                row("c", 0.80, 0.78, 0.79, 0, 10)));
        assertTrue(s.startsWith("The assembly beats its origin with p < 0.05 on 1 of 3 bases; worst change against the origin -1.00 points (c)"), s);
        assertTrue(s.contains("a 0.50; b 0.01; c – (the ensemble is not above the origin: -2.00 points)"), s);
        assertTrue(GainCheckCommand.summary(List.of(row("a", 0.8, 0.9, 0.8, 0, 0))).contains("never below its origin (worst change +0.00 points)"));
    }

    @Test
    void aSampleOfBasesIsSeededAndKeepsTheZoosOrder() {
        List<ModelCard> cards = index.cards();
        List<ModelCard> s = GainCheckCommand.sample(cards, 4, 7);
        assertEquals(4, s.size());
        assertEquals(s, GainCheckCommand.sample(cards, 4, 7));
        assertNotEquals(s, GainCheckCommand.sample(cards, 4, 8));
        List<Integer> at = s.stream().map(cards::indexOf).toList();
        assertEquals(at.stream().sorted().toList(), at);
        assertEquals(cards, GainCheckCommand.sample(cards, 0, 7));
        assertEquals(cards, GainCheckCommand.sample(cards, 99, 7));
    }
}
