package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.actors.Search;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchState;
import org.mal.engine.Status;

class SearchCommandTest {
    @TempDir Path dir;

    @Test
    void statusShowsTheLineageAsATableAndAsJson() throws Exception {
        var zoo = SearchFixture.zoo(dir.resolve("zoo"));
        SearchState s = Search.start(SearchFixture.settings(zoo.dir(), "search.budget.steps = 2"), dir.resolve("s"), SearchFixture.TASK_FN,
                Search.Options.quiet());
        CliRun table = CliRun.of("search", "status", dir.resolve("s").toString());
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("run 1: stopped"), table.out());
        assertTrue(table.out().contains("budget: 2 steps"), table.out());
        for (var c : s.lineage()) assertTrue(table.out().contains(c.assembly().id()), table.out());

        CliRun json = CliRun.of("search", "status", dir.resolve("s").toString(), "--json");
        assertEquals(0, json.exitCode(), json.err());
        Status st = SearchJson.read(json.out(), Status.class);
        assertEquals(s.evaluations(), st.evaluations());
        assertEquals(s.lineage().size(), st.lineage().size());
        assertTrue(json.out().contains("\"cache_hits\""), "snake_case keys");
    }

    @Test
    void aFolderWithoutASearchIsNamed() {
        CliRun r = CliRun.of("search", "status", dir.resolve("none").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("no search in"), r.err());
        CliRun resume = CliRun.of("search", "resume", dir.resolve("none").toString());
        assertEquals(1, resume.exitCode());
        CliRun start = CliRun.of("search", "start", "--conf", dir.resolve("missing.conf").toString());
        assertEquals(1, start.exitCode());
        assertTrue(start.err().contains("no configuration file"), start.err());
    }

    /** Issue 16, items 8 and 9: a finished run's elapsed time is its own (not now − start); the lineage is cut to the last N. */
    @Test
    void aFinishedRunShowsItsOwnElapsedTimeAndTheLastStepsOfItsLineage() throws Exception {
        var zoo = SearchFixture.zoo(dir.resolve("zoo"));
        SearchState s = Search.start(SearchFixture.settings(zoo.dir(), "search.budget.steps = 3"), dir.resolve("s"), SearchFixture.TASK_FN,
                Search.Options.quiet());
        assertTrue(s.lineage().size() >= 2, "the fixture accepts a move at most steps: " + s.lineage().size());
        var runs = org.mal.engine.SearchFolder.inspect(dir.resolve("s"));
        java.time.Instant stoppedAt = runs.lastEnded();
        Thread.sleep(20);
        Status st = SearchJson.read(CliRun.of("search", "status", dir.resolve("s").toString(), "--json").out(), Status.class);
        assertEquals(s.elapsedSeconds(stoppedAt), st.elapsedSeconds(), 0.0);
        assertEquals(stoppedAt.toString(), st.updatedAt());
        assertEquals(s.lineage().size(), st.lineage().size(), "JSON keeps the whole lineage");

        CliRun table = CliRun.of("search", "status", dir.resolve("s").toString(), "--last", "1");
        assertTrue(table.out().contains("lineage: " + s.lineage().size() + " accepted steps over "), table.out());
        var lineage = s.lineage();
        assertTrue(table.out().contains(lineage.get(lineage.size() - 1).assembly().id()), table.out());
        assertTrue(!table.out().contains(lineage.get(0).assembly().id()), table.out());
        CliRun all = CliRun.of("search", "status", dir.resolve("s").toString(), "--all");
        for (var c : lineage) assertTrue(all.out().contains(c.assembly().id()), all.out());

        String note = SearchCommand.finished(runs.last(), dir.resolve("s"));
        Path conf = dir.resolve("s").resolve(SearchCommand.LAST_RUN_CONF);
        assertTrue(note.contains("./mal search start --conf " + conf + " --store " + dir.resolve("s")), note);
        assertEquals(org.mal.engine.SearchSettings.ofRun(runs.last().settings()).render(),
                org.mal.engine.SearchSettings.from(com.typesafe.config.ConfigFactory.parseFile(conf.toFile())).render(),
                "the suggested command starts a search with the run's settings");
    }

    /** Issue 16, item 9: a search killed before its start was journaled leaves a store with no run. */
    @Test
    void aStoreWithoutARunSaysToStartTheSearch() {
        try (org.mal.store.MalStore store = org.mal.store.MalStore.open(dir.resolve("s").resolve("store"))) {
            assertEquals(0, store.lastSequence());
        }
        for (String command : java.util.List.of("status", "resume")) {
            CliRun r = CliRun.of("search", command, dir.resolve("s").toString());
            assertEquals(1, r.exitCode(), command);
            assertEquals("mal: no search run in " + dir.resolve("s") + ": it was stopped before its start was journaled; start it again with "
                    + "./mal search start --conf FILE --store " + dir.resolve("s"), r.err().strip(), command);
        }
    }

    @Test
    void theSummaryComparesAssemblyAndOriginOnTheSameRowsByAccuracyAndByLoss() {
        var blobs = org.mal.core.data.Synthetic.gaussianBlobs("blobs", 300, 600, 12, 3, 4);
        var origin = org.mal.core.train.Trainer.initialWeights(org.mal.core.model.Architecture.mlp(12, java.util.List.of(8), 3), 1);
        var trained = org.mal.core.train.Trainer.train(origin.architecture(), blobs.train(),
                new org.mal.core.train.TrainConfig(org.mal.core.train.Optimizer.ADAM, 1e-2, 3, 32, 1),
                org.mal.core.train.TrainingListener.NONE);
        var test = blobs.test();
        String line = SearchCommand.paired(origin, trained, test);
        var r = org.mal.core.stats.McNemar.compare(org.mal.core.model.Evaluator.correct(origin, test),
                org.mal.core.model.Evaluator.correct(trained, test));
        assertTrue(line.startsWith(r.onlySecond() + " rows right only with the assembly, " + r.onlyFirst() + " only with the origin"), line);
        double drop = org.mal.core.model.Evaluator.evaluate(trained, test).loss() - org.mal.core.model.Evaluator.evaluate(origin, test).loss();
        assertTrue(drop < 0, "training lowers the loss: " + drop);
        assertTrue(line.contains(String.format(java.util.Locale.ROOT, "loss %+.4f (assembly − origin), 95%% paired bootstrap interval [", drop)), line);
        assertTrue(!line.contains("contains 0"), "a clear drop: " + line);
        assertTrue(SearchCommand.paired(origin, origin, test).contains("0 rows right only with the assembly, 0 only with the origin"));
    }
}
