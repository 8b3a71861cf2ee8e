package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooImport;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchState;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Models brought from PyTorch by {@code zoo import} are zoo models like any other: a search's base and targets. */
class ImportedSearchTest {

    /** The model's tensors under a custom module's nested names, as a PyTorch user's state dict would have them. */
    private static Map<String, INDArray> nested(Model m) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (int i = 0; i < m.architecture().depth(); i++) {
            String prefix = i == m.architecture().depth() - 1 ? "head." : "level" + (i + 1) + ".1.";
            t.put(prefix + "weight", m.weight(i));
            t.put(prefix + "bias", m.bias(i));
        }
        return t;
    }

    @Test
    void aSearchWhoseBaseAndTargetsAreAllImportedRunsToItsBudget(@TempDir Path dir) throws Exception {
        Zoo trained = SearchFixture.zoo(dir.resolve("trained"));
        Zoo zoo = new Zoo(dir.resolve("imported"));
        Files.createDirectories(dir.resolve("torch"));
        int imported = 0;
        for (Zoo.Entry e : trained.list()) {
            String task = e.card().orElseThrow().dataset().task();
            Path file = dir.resolve("torch").resolve("torch-" + e.id() + Zoo.EXTENSION);
            Safetensors.write(file, nested(ModelIO.load(e.file()).model()), Map.of());
            ZooImport.run(zoo, new ZooImport.Request(file, "torch-" + e.id(), task, null, null, false), SearchFixture.TASK_FN.apply(task));
            imported++;
        }
        // a PyTorch file copied into the zoo without import: skipped with the reason, and named in the base error
        Safetensors.write(zoo.fileOf("raw"), nested(ModelIO.load(trained.fileOf(SearchFixture.BASE)).model()), Map.of());
        for (Zoo.Entry e : zoo.list()) {
            assertTrue(e.problem().isEmpty(), e.id() + ": " + e.problem());
            assertEquals(!e.id().equals("raw"), e.card().isPresent(), e.id());
        }

        var missing = SearchFixture.settings(zoo.dir(), "search.base = nope");
        var e = assertThrows(IllegalArgumentException.class, () -> Search.start(missing, dir.resolve("none"), SearchFixture.TASK_FN,
                Search.Options.quiet()));
        assertTrue(e.getMessage().contains("; usable: torch-") && e.getMessage().contains(" torch-" + SearchFixture.BASE + ",") && e.getMessage().contains("skipped: raw (imported without a task: "
                + "run mal zoo import"), e.getMessage());
        var raw = SearchFixture.settings(zoo.dir(), "search.base = raw");
        e = assertThrows(IllegalArgumentException.class, () -> Search.start(raw, dir.resolve("raw"), SearchFixture.TASK_FN, Search.Options.quiet()));
        assertTrue(e.getMessage().contains("'raw' cannot be used: imported without a task"), e.getMessage());

        var settings = SearchFixture.settings(zoo.dir(), "search { base = torch-" + SearchFixture.BASE + ", budget.steps = 2 }");
        SearchState s = Search.start(settings, dir.resolve("s"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 2 steps", s.stopped());
        assertTrue(s.evaluations() >= 2, "evaluations: " + s.evaluations());
        assertEquals(java.util.Set.of("raw"), s.skipped().keySet(), "every imported model is a target; only the raw file is not");
        assertTrue(imported >= 8, "imported " + imported);
    }
}
