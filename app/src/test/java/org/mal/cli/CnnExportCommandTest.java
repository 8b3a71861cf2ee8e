package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.actors.Search;
import org.mal.core.cnn.CnnIO;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.engine.CnnSearchFixture;
import org.mal.engine.Recipe;
import org.mal.engine.SearchState;

/** Issue 21: a CNN search's assembly through the command line: status, report, export, and merge --recipe bit for bit. */
class CnnExportCommandTest {
    @TempDir static Path dir;
    static SearchState search;

    @BeforeAll
    static void search() throws Exception {
        var zoo = CnnSearchFixture.zoo(dir.resolve("zoo"));
        // weight matching without the statistics reset reads no training rows: the recipe replays without the test's data
        search = Search.start(CnnSearchFixture.settings(zoo.dir(), "search.budget.steps = 2\npolicy.candidates.move.merger-settings.repair = false"),
                dir.resolve("s"), CnnSearchFixture.TASK_FN, Search.Options.quiet());
        assertFalse(search.lineage().isEmpty(), "the search accepts a move");
    }

    @Test
    void aCnnAssemblyIsExportedAndReproducedBitForBitFromItsRecipe() throws Exception {
        Path out = dir.resolve("cnn.safetensors");
        CliRun export = CliRun.of("export", dir.resolve("s").toString(), "--out", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        var exported = CnnIO.load(out).model();
        assertEquals(search.base().weightsHash(), Model.hashParams(exported.params()));
        assertTrue(ModelIO.readCard(out).orElseThrow().convolutional(), "the exported file carries the assembly's CNN card");
        Path recipe = dir.resolve("cnn.recipe.json");
        assertTrue(Recipe.read(recipe).convolutional());

        Path again = dir.resolve("again.safetensors");
        CliRun merge = CliRun.of("merge", "--recipe", recipe.toString(), "--out", again.toString());
        assertEquals(0, merge.exitCode(), merge.err());
        assertTrue(merge.out().contains("(a CNN)") && merge.out().contains("as the recipe says"), merge.out());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again), "the file itself, card included, bit for bit");
    }

    @Test
    void statusAndReportDescribeACnnSearch() throws Exception {
        CliRun status = CliRun.of("search", "status", dir.resolve("s").toString());
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.out().contains("origin " + CnnSearchFixture.BASE), status.out());
        assertTrue(status.out().contains(search.base().id()), status.out());
        CliRun report = CliRun.of("report", dir.resolve("s").toString(), "--out", dir.resolve("report").toString());
        assertEquals(0, report.exitCode(), report.err());
        String html = Files.readString(dir.resolve("report").resolve("index.html"));
        assertTrue(html.contains(search.lineage().get(0).accepted().target()), "the lineage names the accepted target");
    }
}
