package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Status;

/** Zoo files a search cannot use: it goes on without them and says which and why. */
class ZooProblemsTest {
    @TempDir static Path shared;
    static Zoo zoo;

    @BeforeAll
    static void zoo() throws Exception { zoo = SearchFixture.zoo(shared.resolve("zoo")); }

    @Test
    void aRenamedCopyAndAnImportedModelAreNamedAsNotTargetsAndTheSearchRuns(@TempDir Path dir) throws Exception {
        Path small = Files.createDirectories(dir.resolve("zoo"));
        Files.copy(zoo.fileOf(SearchFixture.BASE), small.resolve(SearchFixture.BASE + Zoo.EXTENSION));
        Files.copy(zoo.fileOf(SearchFixture.BASE), small.resolve("backup" + Zoo.EXTENSION));   // the base's id, twice
        // a model brought from PyTorch: tensors, no card
        Safetensors.write(small.resolve("imported" + Zoo.EXTENSION), ModelIO.load(zoo.fileOf("blobs-equal-16x16")).model().params(), Map.of());
        SearchSettings settings = SearchFixture.settings(small, "");
        StringWriter printed = new StringWriter();
        SearchState s = Search.start(settings, dir.resolve("s"), SearchFixture.TASK_FN, new Search.Options(new PrintWriter(printed, true), false));

        assertEquals(0, s.evaluations());
        assertTrue(s.stopped().startsWith("exhausted") && s.stopped().contains("2 zoo files are not targets (backup, imported"), s.stopped());
        Map<String, String> skipped = Status.of(s, 0, null, Instant.now()).skipped();
        assertEquals(Set.of("backup", "imported"), skipped.keySet());
        assertTrue(skipped.get("backup").contains(SearchFixture.BASE + Zoo.EXTENSION), skipped.toString());
        assertTrue(skipped.get("imported").startsWith("no model card (imported)"), skipped.toString());
        assertTrue(printed.toString().contains("not targets (2 zoo files):\n  backup: "), printed.toString());
        assertEquals(skipped, Status.of(SearchFolder.inspect(dir.resolve("s")).last(), 0, null, Instant.now()).skipped(), "journaled");
    }
}
