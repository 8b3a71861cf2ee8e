package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.cnn.CnnIO;
import org.mal.core.model.Model;
import org.mal.core.zoo.Zoo;
import org.mal.engine.CnnSearchFixture;
import org.mal.engine.Recipe;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;

/**
 * Issue 21: whole searches whose base is a CNN, on the synthetic CNN zoo: moves over conv layers
 * evaluated, accepted, kept in the store and answered from the cache; a recipe that replays bit for
 * bit; kill -9 and resume reaching the same assemblies.
 */
class CnnSearchRunTest {
    @TempDir static Path shared;
    static Zoo zoo;

    @BeforeAll
    static void zoo() throws Exception { zoo = CnnSearchFixture.zoo(shared.resolve("zoo")); }

    static SearchSettings settings(Path zoo) {
        return CnnSearchFixture.settings(zoo, "search { budget { steps = 3 } }");
    }

    static List<String> lineage(SearchState s) { return s.lineage().stream().map(c -> c.assembly().weightsHash()).toList(); }

    @Test
    void aCnnSearchAcceptsConvMovesKeepsItsAssembliesAndReplaysThemBitForBit(@TempDir Path dir) throws Exception {
        SearchState first = Search.start(settings(zoo.dir()), dir, CnnSearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 3 steps", first.stopped());
        assertEquals(9, first.evaluations(), "3 moves in each of 3 steps");
        assertEquals(0, first.failures());
        assertFalse(first.lineage().isEmpty(), "a move was accepted");
        assertEquals(Set.of(), first.skipped().keySet(), "every zoo model is a CNN: none skipped");
        Set<String> maps = new HashSet<>();
        for (var step : SearchFolder.inspect(dir).runs().get(0)) {
            if (step instanceof SearchEvent.MoveEvaluated e) {
                maps.add(e.move().layerMap());
                assertTrue(e.outcome().aligner().startsWith("weight/"), e.outcome().aligner());
            }
        }
        assertTrue(maps.contains("0:0,1:1,2:2"), "whole networks were merged: " + maps);
        try (var store = org.mal.store.MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {
            for (SearchEvent.StepClosed c : first.lineage()) {
                Path file = Files.createTempFile(dir, "blob", Zoo.EXTENSION);
                try (var in = store.openBlob(c.assemblyBlob())) {
                    Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                var m = CnnIO.load(file).model();
                assertEquals(c.assembly().weightsHash(), Model.hashParams(m.params()), "the assembly is kept as the store's blob");
                assertEquals(first.origin().cnn(), m.architecture(), "an assembly has the origin's architecture");
                assertTrue(c.assembly().convolutional());
            }
        }
        Recipe r = Recipe.of(first, first.lineage().size(), dir);
        assertTrue(r.convolutional());
        assertEquals(first.base().weightsHash(), Model.hashParams(r.replayCnn(null, CnnSearchFixture.TASK_FN).params()),
                "the recipe computes the assembly again, bit for bit");

        SearchState second = Search.start(settings(zoo.dir()), dir, CnnSearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(0, second.evaluations(), "nothing recomputed");
        assertEquals(9, second.cacheHits());
        assertEquals(lineage(first), lineage(second));
    }

    @Test
    void killedAndResumedTheCnnSearchReachesTheSameAssembliesAndEvaluatesNothingTwice(@TempDir Path dir) throws Exception {
        SearchState reference = Search.start(settings(zoo.dir()), dir.resolve("reference"), CnnSearchFixture.TASK_FN, Search.Options.quiet());
        assertFalse(reference.lineage().isEmpty(), "the reference run accepts a move");
        Path killed = dir.resolve("killed");
        Process child = SearchChild.start(dir.resolve("child.err"), "start-cnn", killed.toString(), zoo.dir().toString(), "150");
        Path status = killed.resolve(Reporter.STATUS_FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (SearchRunTest.evaluations(status) < 4) {
            assertTrue(child.isAlive(), "the child ended early: " + Files.readString(dir.resolve("child.err")));
            assertTrue(System.nanoTime() < deadline, "the child made no progress");
            Thread.sleep(20);
        }
        child.toHandle().destroyForcibly();   // SIGKILL
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        SearchState resumed = Search.resume(killed, CnnSearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(reference.stopped(), resumed.stopped());
        assertEquals(lineage(reference), lineage(resumed), "the same accepted assemblies as the uninterrupted run");
        int evaluated = 0;
        Set<String> seen = new HashSet<>();
        for (SearchEvent e : SearchFolder.inspect(killed).runs().get(0)) {
            if (e instanceof SearchEvent.MoveEvaluated m) {
                assertTrue(seen.add(m.step() + "|" + m.move()), "one result per move: " + m.move());
                if (!m.cached()) evaluated++;
            }
        }
        assertEquals(reference.evaluations(), evaluated, "each move evaluated once");
    }
}
