package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;
import org.mal.core.zoo.Zoo;
import org.mal.store.MalStore;

class WorkbenchTest {
    @TempDir Path dir;

    @Test
    void theModelCachesForgetTheLeastRecentlyUsed() {
        Map<String, Integer> m = Workbench.lru(2);
        m.put("a", 1);
        m.put("b", 2);
        m.get("a");
        m.put("c", 3);
        assertEquals(Map.of("a", 1, "c", 3), Map.copyOf(m), "b was the least recently used");
    }

    @Test
    void aZooFileWhoseWeightsChangedUnderItsCardIsUnusableUntilItChanges() throws Exception {
        Zoo full = SearchFixture.zoo(dir.resolve("full"));
        Path file = full.fileOf(SearchFixture.BASE);
        byte[] original = Files.readAllBytes(file);
        Workbench bench = new Workbench(full, dir.resolve("assemblies"), null, SearchFixture.TASK_FN,
                new SearchSettings.Evaluation(5, 100, 0.05, true), 1);
        SearchFixture.scaleWeightsKeepingTheCard(file, 0.5f);
        var e = assertThrows(Workbench.UnusableModel.class, () -> bench.zooModel(SearchFixture.BASE));
        assertEquals(SearchFixture.BASE, e.id());
        assertEquals(Zoo.fingerprint(file), e.file(), "names the content that failed");
        assertTrue(e.getMessage().contains("the model card says"), e.getMessage());
        Files.write(file, original);
        assertEquals(ModelIO.readCard(file).orElseThrow().weightsHash(), bench.zooModel(SearchFixture.BASE).contentHash());
    }

    @Test
    void aDamagedAssemblyFileIsRestoredFromItsBlob() throws Exception {
        Model model = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 7);
        Path assemblies = dir.resolve("assemblies");
        Files.createDirectories(assemblies);
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            Workbench bench = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN,
                    new SearchSettings.Evaluation(5, 100, 0.05, true), 1);
            Path file = bench.assemblyFile(model.contentHash());
            ModelIO.save(file, model, SearchStateTest.card("a", model.contentHash()));
            String blob = store.putBlob(Files.readAllBytes(file));
            byte[] bytes = Files.readAllBytes(file);
            Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));   // a torn write

            assertEquals(model.contentHash(), bench.assembly(model.contentHash(), blob).contentHash());
            assertEquals(model.contentHash(), ModelIO.load(file).model().contentHash(), "the file is whole again");

            Workbench noStore = new Workbench(new Zoo(dir.resolve("zoo")), dir.resolve("elsewhere"), null, SearchFixture.TASK_FN,
                    new SearchSettings.Evaluation(5, 100, 0.05, true), 1);
            var e = assertThrows(IllegalStateException.class, () -> noStore.assembly(model.contentHash(), blob));
            assertTrue(e.getMessage().contains("neither in"), e.getMessage());
        }
    }
}
