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
}
