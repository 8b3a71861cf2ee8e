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
    void theModelCachesForgetTheLeastRecentlyUsedBeyondTheirBytes() {
        Map<String, Integer> m = Workbench.lru(100, 10, v -> v);   // an entry's size is its value
        m.put("a", 4);
        m.put("b", 4);
        m.get("a");
        m.put("c", 4);   // 12 bytes > 10: b, the least recently used, goes
        assertEquals(Map.of("a", 4, "c", 4), Map.copyOf(m));
        m.put("a", 1);   // replacing an entry counts its new size only: 5 bytes
        m.put("d", 5);
        assertEquals(Map.of("a", 1, "c", 4, "d", 5), Map.copyOf(m));
        m.put("huge", 50);   // larger than the bound: kept alone, the others go
        assertEquals(Map.of("huge", 50), Map.copyOf(m));
    }

    @Test
    void aModelsBytesAreItsWeights() {
        var a = org.mal.core.model.Architecture.mlp(3, java.util.List.of(4), 2);
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> p = new java.util.HashMap<>();
        p.put("0.weight", org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3));
        p.put("0.bias", org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4));
        p.put("2.weight", org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 4));
        p.put("2.bias", org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2));
        assertEquals(4L * (12 + 4 + 8 + 2), Workbench.bytes(new org.mal.core.model.Model(a, p)));
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
    void anAssemblyIsKeptOnceAsABlobAndReadBackFromIt() throws Exception {
        Model model = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 7);
        Path assemblies = dir.resolve("assemblies");
        var evaluation = new SearchSettings.Evaluation(5, 100, 0.05, true);
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            Workbench bench = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN, evaluation, 1);
            String blob = bench.keep(model, SearchStateTest.card("a", model.contentHash()));
            assertEquals(List.of(blob), store.blobNames());
            assertEquals(List.of(), AssemblyRetentionTest.files(assemblies), "no second copy as a file");

            Workbench fresh = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN, evaluation, 1);
            assertEquals(model.contentHash(), fresh.assembly(model.contentHash(), blob).contentHash());
            assertEquals(List.of(), AssemblyRetentionTest.files(assemblies), "read from the blob, no file left");

            Workbench noStore = new Workbench(new Zoo(dir.resolve("zoo")), dir.resolve("elsewhere"), null, SearchFixture.TASK_FN, evaluation, 1);
            var e = assertThrows(IllegalStateException.class, () -> noStore.assembly(model.contentHash(), blob));
            assertTrue(e.getMessage().contains("neither in"), e.getMessage());
        }
    }

    /** Issue 18: with selection = validation, moves are chosen on training rows the origin was not fitted on, never on test rows. */
    @Test
    void validationSelectionRowsAreTheOriginsHeldOutTrainingRowsAndNoTestRow() throws Exception {
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        var origin = SearchFixture.index(zoo).require(SearchFixture.BASE);
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.evaluation.rows = 50").withOrigin(origin);
        assertEquals("validation", settings.evaluation().selection(), "the default of a new search");
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, settings.evaluation(), settings.seed());
        var task = SearchFixture.TASK_FN.apply("blobs");
        var parts = org.mal.core.data.Splits.split(task.train(), origin.recipe().validationFraction(), origin.recipe().seed(), "a", "b");
        assertEquals(origin.dataset().trainHash(), parts[0].contentHash(), "the origin's fit rows, recomputed");
        java.util.Set<String> fit = rows(parts[0]);
        java.util.Set<String> validation = rows(parts[1]);
        java.util.Set<String> test = rows(task.test());
        var selection = bench.selection("blobs");
        assertEquals(50, selection.size());
        for (String r : rows(selection)) {
            assertTrue(validation.contains(r), "a selection row is one of the origin's validation rows");
            assertTrue(!fit.contains(r) && !test.contains(r), "never a row the origin was fitted on, never a test row");
        }
        assertEquals(task.test().contentHash(), bench.heldOut("blobs").contentHash(), "the report reads the whole test set");
        var other = bench.selection("other");   // a task the origin was not trained on: its training rows
        assertTrue(rows(SearchFixture.TASK_FN.apply("other").train()).containsAll(rows(other)));

        SearchSettings old = SearchSettings.ofRun(new SearchSettings(settings.zoo(), settings.base(), settings.seed(), settings.workers(),
                settings.movesPerStep(), settings.evaluation(), settings.budget(), settings.retries(), settings.zooPollSeconds(),
                settings.drainSeconds(), settings.cluster(), settings.assemblies(), settings.root().withoutPath("search.evaluation.selection")).render());
        assertEquals("test", old.evaluation().selection(), "a run journaled before issue 18 goes on choosing on test rows");
        assertEquals("validation", SearchSettings.ofRun(settings.render()).evaluation().selection(), "a new run's choice is journaled");
    }

    /** Issue 18: with a zoo holdout, the origin's task is selected on rows no model of the zoo trained or validated on. */
    @Test
    void aZooHoldoutIsWhereTheOriginsTaskIsSelected() throws Exception {
        Zoo zoo = new Zoo(dir.resolve("held-zoo"));
        org.mal.core.zoo.ZooSpec spec = org.mal.core.zoo.ZooSpec.from(com.typesafe.config.ConfigFactory.parseString("""
                zoo {
                  name = h, datasets = [blobs], families = [equal], depths = [2], widths = [8]
                  architectures = []
                  shards { count = 2, iid = true }
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 2, batch-size = 32, seed = 5, validation-fraction = 0.2,
                             holdout-rows = 100 }
                }"""));
        new org.mal.core.zoo.ZooBuilder(spec, zoo, SearchFixture.TASK_FN).build(new org.mal.core.zoo.ZooBuilder.Listener() {});
        var cards = SearchFixture.index(zoo).cards();
        var origin = cards.get(0);
        assertTrue(origin.holdout() != null && origin.shard() != null, "a sharded zoo with a holdout: " + origin.id());
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.base = " + origin.id() + ", search.evaluation.rows = 40")
                .withOrigin(origin);
        Workbench bench = new Workbench(zoo, dir.resolve("assemblies"), null, SearchFixture.TASK_FN, settings.evaluation(), settings.seed());
        var train = SearchFixture.TASK_FN.apply("blobs").train();
        java.util.Set<String> held = rows(org.mal.core.zoo.ZooHoldout.of(train, origin.holdout()).dataset(train));
        for (var c : cards) {
            java.util.Set<String> seen = rows(train.subset("pool", org.mal.core.zoo.CardRows.pool(train, c)));
            seen.retainAll(held);
            assertTrue(seen.isEmpty(), c.id() + " never saw a held-out row");
        }
        var selection = bench.selection("blobs");
        assertEquals(40, selection.size());
        assertTrue(held.containsAll(rows(selection)), "every selection row is one of the zoo's held-out rows");
    }

    private static java.util.Set<String> rows(org.mal.core.data.Dataset d) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int r = 0; r < d.size(); r++) {
            StringBuilder b = new StringBuilder();
            for (int c = 0; c < d.featureCount(); c++) b.append(Float.floatToIntBits(d.feature(r, c))).append(',');
            out.add(b.toString());
        }
        return out;
    }

    @Test
    void withWorkerNodesTheBaseIsTheOneFileTheyRead() throws Exception {
        Model a = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 7);
        Model b = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 8);
        Path assemblies = dir.resolve("assemblies");
        var evaluation = new SearchSettings.Evaluation(5, 100, 0.05, true);
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            Workbench bench = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN, evaluation, 1, true);
            bench.keep(a, SearchStateTest.card("a", a.contentHash()));
            String blobB = bench.keep(b, SearchStateTest.card("b", b.contentHash()));
            assertEquals(List.of(b.contentHash() + Zoo.EXTENSION), AssemblyRetentionTest.files(assemblies), "the new base only");

            Workbench node = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, null, SearchFixture.TASK_FN, evaluation, 1);
            assertEquals(b.contentHash(), node.assembly(b.contentHash(), blobB).contentHash(), "a worker node reads the shared file");
            Files.delete(bench.assemblyFile(b.contentHash()));
            assertEquals(0, bench.share(b.contentHash(), blobB), "on resume the base's file is written again");
            assertEquals(b.contentHash(), ModelIO.load(bench.assemblyFile(b.contentHash())).model().contentHash());
        }
    }

    @Test
    void aFailedRestoreLeavesNoPartFileBehind() throws Exception {
        Model model = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 7);
        Path assemblies = dir.resolve("assemblies");
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            Workbench bench = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN,
                    new SearchSettings.Evaluation(5, 100, 0.05, true), 1);
            Path file = bench.assemblyFile(model.contentHash());
            Files.createDirectories(assemblies);
            ModelIO.save(file, model, SearchStateTest.card("a", model.contentHash()));
            String blob = store.putBlob(Files.readAllBytes(file));
            Files.delete(file);
            org.mal.store.StoreDamage.flipAByteInEveryChunk(store);

            assertThrows(RuntimeException.class, () -> bench.assembly(model.contentHash(), blob));
            try (var left = Files.list(assemblies)) {
                assertEquals(List.of(), left.toList(), "nothing half-copied is left in assemblies/");
            }

            // a blob that holds other weights does not take the assembly's file name either
            Model other = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 8);
            Path otherFile = dir.resolve("other.safetensors");
            ModelIO.save(otherFile, other, SearchStateTest.card("b", other.contentHash()));
            String wrong = store.putBlob(Files.readAllBytes(otherFile));
            var e = assertThrows(IllegalStateException.class, () -> bench.assembly(model.contentHash(), wrong));
            assertTrue(e.getMessage().contains("does not hold assembly"), e.getMessage());
            try (var left = Files.list(assemblies)) {
                assertEquals(List.of(), left.toList());
            }
        }
    }
}
