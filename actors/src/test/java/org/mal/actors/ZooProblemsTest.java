package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
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
        assertTrue(skipped.get("imported").startsWith("imported without a task: run mal zoo import"), skipped.toString());
        assertTrue(printed.toString().contains("not targets (2 zoo files):\n  backup: "), printed.toString());
        assertEquals(skipped, Status.of(SearchFolder.inspect(dir.resolve("s")).last(), 0, null, Instant.now()).skipped(), "journaled");
    }

    @Test
    void aTargetWhoseWeightsChangeUnderItsCardIsTriedOnceThenLeftUntilItsFileChanges(@TempDir Path dir) throws Exception {
        Path small = Files.createDirectories(dir.resolve("zoo"));
        Files.copy(zoo.fileOf(SearchFixture.BASE), small.resolve(SearchFixture.BASE + Zoo.EXTENSION));
        String target = "blobs-equal-16x16";
        Path file = small.resolve(target + Zoo.EXTENSION);
        Files.copy(zoo.fileOf(target), file);
        byte[] original = Files.readAllBytes(file);
        SearchFixture.scaleWeightsKeepingTheCard(file, 0.9f);   // the weights changed, the card did not
        SearchSettings settings = SearchFixture.settings(small, """
                search { workers = 1, retries = 2, moves-per-step = 50, budget { steps = 0, patience = 0, open-ended = true, seconds = 120 } }
                policy.candidates { max-per-target = 4 }
                """);
        List<String> tried = java.util.Collections.synchronizedList(new ArrayList<>());
        Search.Options options = Search.Options.quiet().withRunner(bench -> {
            Worker.Runner real = Worker.runner(bench);
            return item -> {
                tried.add(item.move().layerMap());
                return real.run(item);
            };
        });
        Path folder = dir.resolve("s");
        CompletableFuture<SearchState> run = CompletableFuture.supplyAsync(() -> {
            try {
                return Search.start(settings, folder, SearchFixture.TASK_FN, options);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Path status = folder.resolve(Reporter.STATUS_FILE);
        awaitWaiting(status, 0);
        // moves already handed to the workers fail too, but no move is tried twice (before: retries + 1 times each)
        assertEquals(Set.copyOf(tried).size(), tried.size(), "no retries: " + tried);
        int before = tried.size();
        assertTrue(Files.readString(status).contains("unusable until its file changes"), "status names it");

        Files.write(file, original);   // repaired: its moves are tried again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tried.size() == before) {
            assertTrue(System.nanoTime() < deadline, "the repaired model was never tried again");
            Thread.sleep(50);
        }
        options.stop().complete(null);
        SearchState s = run.get(60, TimeUnit.SECONDS);
        assertTrue(s.evaluations() > 0);
        assertTrue(s.unusable().isEmpty(), "the change cleared it");
        List<SearchEvent> events = SearchFolder.inspect(folder).runs().get(0);
        List<SearchEvent.MoveFailed> failed = events.stream().filter(e -> e instanceof SearchEvent.MoveFailed)
                .map(e -> (SearchEvent.MoveFailed) e).toList();
        assertEquals(4, failed.size(), "each of its 4 moves failed once: " + failed);
        assertTrue(failed.stream().allMatch(f -> f.giveUp() && f.attempt() == 1), failed.toString());
        assertEquals(1, events.stream().filter(e -> e instanceof SearchEvent.ModelUnusable u && u.id().equals(target)).count(),
                "journaled once");
    }

    /** Until the status file says the search waits for new zoo models after {@code evaluations} evaluations (at most 60 s). */
    static void awaitWaiting(Path status, int evaluations) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                var json = SearchJson.MAPPER.readTree(status.toFile());
                if (json.path("evaluations").asInt() == evaluations && json.toString().contains("waiting for new zoo models")) return;
            } catch (java.io.IOException e) {
                // not there yet, or being rewritten
            }
            assertTrue(System.nanoTime() < deadline, "the search never waited after " + evaluations + " evaluations: "
                    + (Files.exists(status) ? Files.readString(status) : "no status"));
            Thread.sleep(50);
        }
    }
}
