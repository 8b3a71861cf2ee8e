package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.zoo.Zoo;
import org.mal.engine.Outcome;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;

/**
 * An outcome names the weights its worker evaluated; the coordinator builds the assembly itself and
 * must get exactly those weights, or the step fails (journaled) instead of accepting a model whose
 * results belong to another.
 */
class MergedWeightsCheckTest {
    @TempDir Path dir;

    @Test
    void anAssemblyThatIsNotTheModelTheWorkerEvaluatedFailsTheStepWithTheReason() throws Exception {
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.budget.steps = 1");
        // the worker reports other merged weights than the merge it evaluated: as a worker on another machine might
        Search.Options lying = Search.Options.quiet().withRunner(bench -> {
            Worker.Runner honest = Worker.runner(bench);
            return item -> {
                Outcome o = honest.run(item);
                return new Outcome(o.report(), o.lambda(), o.loss(), o.accuracy(), o.aligner(), o.alignObjective(), o.seconds(),
                        "f".repeat(64));
            };
        });
        SearchState s = Search.start(settings, dir.resolve("search"), SearchFixture.TASK_FN, lying);
        assertEquals("budget: 1 steps", s.stopped());
        assertTrue(s.lineage().isEmpty(), "nothing is accepted on results of other weights");
        List<SearchEvent> events = SearchFolder.inspect(dir.resolve("search")).runs().get(0);
        SearchEvent.StepClosed closed = events.stream().filter(e -> e instanceof SearchEvent.StepClosed).map(e -> (SearchEvent.StepClosed) e)
                .findFirst().orElseThrow();
        assertNull(closed.accepted());
        assertTrue(closed.failure() != null && closed.failure().contains("f".repeat(64)) && closed.failure().contains("measured"),
                "the journal says why the step failed: " + closed.failure());

        SearchState honest = Search.start(settings, dir.resolve("honest"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertFalse(honest.lineage().isEmpty(), "the same search with honest workers accepts a move");
        assertNull(honest.lineage().get(0).failure());
    }
}
