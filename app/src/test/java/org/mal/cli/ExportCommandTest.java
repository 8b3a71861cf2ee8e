package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.actors.Search;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.engine.Recipe;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchState;

/** Export an assembly with its recipe; the recipe computes it again bit for bit, or names what differs. */
class ExportCommandTest {
    @TempDir static Path dir;
    static SearchState search;

    @BeforeAll
    static void search() throws Exception {
        var zoo = SearchFixture.zoo(dir.resolve("zoo"));
        search = Search.start(SearchFixture.settings(zoo.dir(), "search.budget.steps = 3"), dir.resolve("s"), SearchFixture.TASK_FN,
                Search.Options.quiet());
        assertTrue(search.lineage().size() >= 2, "the search accepts several moves: " + search.lineage().size());
    }

    @Test
    void anExportedAssemblyIsReproducedBitForBitFromItsRecipe() throws Exception {
        Path out = dir.resolve("final.safetensors");
        CliRun export = CliRun.of("export", dir.resolve("s").toString(), "--out", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        Path recipe = dir.resolve("final.recipe.json");
        assertTrue(Files.isRegularFile(recipe));
        Recipe r = Recipe.read(recipe);
        assertEquals(search.lineage().size(), r.steps().size());
        assertEquals(search.base().weightsHash(), r.assemblyHash());
        Model exported = ModelIO.load(out).model();
        assertEquals(search.base().weightsHash(), exported.contentHash());

        // the recipe's models are replayed through the test's data (the aligners here need none)
        Model again = r.replay(null, SearchFixture.TASK_FN);
        assertEquals(exported.contentHash(), again.contentHash());
        for (String name : exported.params().keySet()) {
            assertArrayEquals(exported.params().get(name).data().asFloat(), again.params().get(name).data().asFloat(), 0f, name);
        }

        Path againFile = dir.resolve("again.safetensors");
        CliRun merge = CliRun.of("merge", "--recipe", recipe.toString(), "--out", againFile.toString());
        assertEquals(0, merge.exitCode(), merge.err());
        assertEquals(exported.contentHash(), ModelIO.load(againFile).model().contentHash());
        assertTrue(merge.out().contains("as the recipe says"), merge.out());
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(againFile), "the file itself, card included, bit for bit");
        assertEquals(ModelIO.load(out).card(), ModelIO.load(againFile).card());

        // a recipe written before it held the card: the tensors bit for bit, and a new card that says so
        Path old = dir.resolve("old.recipe.json");
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) org.mal.engine.SearchJson.MAPPER.readTree(recipe.toFile());
        tree.remove("card");
        Files.writeString(old, tree.toString());
        Path fromOld = dir.resolve("from-old.safetensors");
        CliRun oldMerge = CliRun.of("merge", "--recipe", old.toString(), "--out", fromOld.toString());
        assertEquals(0, oldMerge.exitCode(), oldMerge.err());
        assertTrue(oldMerge.out().contains("the card is new"), oldMerge.out());
        Model replayed = ModelIO.load(fromOld).model();
        for (String name : exported.params().keySet()) {
            assertArrayEquals(exported.params().get(name).data().asFloat(), replayed.params().get(name).data().asFloat(), 0f, name);
        }
    }

    @Test
    void anEarlierAssemblyIsChosenByIdAndAChangedZooModelIsNamed() throws Exception {
        var first = search.lineage().get(0).assembly();
        Path out = dir.resolve("first.safetensors");
        CliRun export = CliRun.of("export", dir.resolve("s").toString(), "--assembly", first.id(), "--out", out.toString());
        assertEquals(0, export.exitCode(), export.err());
        Recipe r = Recipe.read(dir.resolve("first.recipe.json"));
        assertEquals(1, r.steps().size());
        assertEquals(first.weightsHash(), ModelIO.load(out).model().contentHash());

        String json = Files.readString(dir.resolve("first.recipe.json"));
        String target = r.steps().get(0).targetHash();
        Path bad = dir.resolve("bad.recipe.json");
        Files.writeString(bad, json.replace(target, "0".repeat(64)));
        var e = assertThrows(IllegalStateException.class, () -> Recipe.read(bad).replay(null, SearchFixture.TASK_FN));
        assertTrue(e.getMessage().contains("step " + r.steps().get(0).step()) && e.getMessage().contains("the recipe used"), e.getMessage());

        CliRun none = CliRun.of("export", dir.resolve("s").toString(), "--assembly", "nope", "--out", dir.resolve("x.safetensors").toString());
        assertEquals(1, none.exitCode());
        assertTrue(none.err().contains("no assembly 'nope'"), none.err());
        CliRun again = CliRun.of("export", dir.resolve("s").toString(), "--assembly", first.id(), "--out", out.toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("--force"), again.err());
    }

    @Test
    void anAssemblyWhoseWeightsWereLetGoIsExportedAsItsRecipe() throws Exception {
        SearchState lean = Search.start(SearchFixture.settings(dir.resolve("zoo"),
                "search.budget.steps = 3\nsearch.assemblies { keep-lineage = false, keep-last = 1 }"), dir.resolve("lean"), SearchFixture.TASK_FN,
                Search.Options.quiet());
        assertEquals(search.lineage().size(), lean.lineage().size(), "the same search, keeping less");
        var first = lean.lineage().get(0).assembly();
        Path out = dir.resolve("lean-first.safetensors");
        CliRun export = CliRun.of("export", dir.resolve("lean").toString(), "--assembly", first.id(), "--out", out.toString());
        assertEquals(1, export.exitCode());
        assertTrue(export.err().contains("were not kept") && export.err().contains("merge --recipe"), export.err());
        assertTrue(!Files.exists(out));
        Recipe r = Recipe.read(dir.resolve("lean-first.recipe.json"));
        assertEquals(first.weightsHash(), r.replay(null, SearchFixture.TASK_FN).contentHash(), "the recipe rebuilds the weights let go");
        CliRun last = CliRun.of("export", dir.resolve("lean").toString(), "--out", dir.resolve("lean-last.safetensors").toString());
        assertEquals(0, last.exitCode(), "the base's weights are always kept: " + last.err());
    }
}
