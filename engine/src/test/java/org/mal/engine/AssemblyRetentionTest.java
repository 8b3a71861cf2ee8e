package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;
import org.mal.store.MalStore;

class AssemblyRetentionTest {
    @TempDir Path dir;

    private static final java.util.concurrent.atomic.AtomicInteger UNIQUE = new java.util.concurrent.atomic.AtomicInteger();

    /** A run of {@code steps} accepted steps whose assemblies' weights are real blobs of {@code store}. */
    static List<SearchEvent> run(MalStore store, int steps) {
        List<SearchEvent> events = new ArrayList<>(List.of(SearchStateTest.started()));
        String base = SearchStateTest.ORIGIN.weightsHash();
        for (int k = 0; k < steps; k++) {
            Move m = SearchStateTest.move("t" + k, "0:0");
            events.add(new SearchEvent.StepPlanned(k, base, List.of(m)));
            events.add(new SearchEvent.MoveEvaluated(k, m, "k" + k, SearchStateTest.outcome(0.4), false, "w"));
            base = "h" + (k + 1);
            String blob = store.putBlob(("assembly " + UNIQUE.incrementAndGet()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            events.add(new SearchEvent.StepClosed(k, m, 0.4, SearchStateTest.card("o~" + k, base), blob));
        }
        return events;
    }

    static List<String> blobs(SearchState s) { return s.lineage().stream().map(SearchEvent.StepClosed::assemblyBlob).toList(); }

    @Test
    void theLineageOrItsLastAssembliesAreKept() throws Exception {
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            SearchState s = SearchState.fold(run(store, 5));
            List<String> all = blobs(s);
            assertEquals(all, AssemblyRetention.kept(s.lineage(), new SearchSettings.Assemblies(true, 2)));
            assertEquals(all.subList(3, 5), AssemblyRetention.kept(s.lineage(), new SearchSettings.Assemblies(false, 2)));
            assertEquals(all, AssemblyRetention.kept(s.lineage(), new SearchSettings.Assemblies(false, 9)));
        }
    }

    @Test
    void afterAStepTheWeightsThatFellOutOfTheWindowAreDeleted() throws Exception {
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            SearchState s = SearchState.fold(run(store, 5));
            String stray = store.putBlob(new byte[] {1, 2, 3});
            assertEquals(0, AssemblyRetention.prune(s, new SearchSettings.Assemblies(true, 2), store), "keep-lineage keeps everything");
            assertEquals(3, AssemblyRetention.prune(s, new SearchSettings.Assemblies(false, 2), store));
            List<String> left = new ArrayList<>(blobs(s).subList(3, 5));
            left.add(stray);
            assertEquals(new TreeSet<>(left), new TreeSet<>(store.blobNames()), "the last two; a sweep, not a step, deletes strays");
            assertEquals(0, AssemblyRetention.prune(s, new SearchSettings.Assemblies(false, 2), store), "idempotent");
        }
    }

    @Test
    void aSweepDeletesWeightsNoLineageKeepsAndEveryFileButTheSharedBase() throws Exception {
        Path assemblies = dir.resolve("assemblies");
        Files.createDirectories(assemblies);
        Model model = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), 7);
        try (MalStore store = MalStore.open(dir.resolve("store"))) {
            List<SearchEvent> first = run(store, 3);
            first.add(new SearchEvent.Stopped("budget", "2026-11-22T10:05:00Z"));
            // the run going on: its base is a real model, shared with worker nodes
            List<SearchEvent> second = new ArrayList<>(run(store, 2).subList(0, 4));   // step 1's blob: a stray
            ModelIO.save(assemblies.resolve("x.tmp"), model, SearchStateTest.card("o~real", model.contentHash()));
            String realBlob = store.putBlob(Files.readAllBytes(assemblies.resolve("x.tmp")));
            Files.delete(assemblies.resolve("x.tmp"));
            Move m = SearchStateTest.move("t1", "0:0");
            second.add(new SearchEvent.StepPlanned(1, "h1", List.of(m)));
            second.add(new SearchEvent.MoveEvaluated(1, m, "k", SearchStateTest.outcome(0.4), false, "w"));
            second.add(new SearchEvent.StepClosed(1, m, 0.4, SearchStateTest.card("o~real", model.contentHash()), realBlob));
            String crashLeftover = store.putBlob(new byte[] {9});
            Files.writeString(assemblies.resolve("old" + Zoo.EXTENSION), "a second copy, as folders had them");
            Files.writeString(assemblies.resolve("blob-1" + Workbench.PART), "a scratch file a kill left");
            Files.writeString(assemblies.resolve("notes.txt"), "not ours");
            SearchFolder.Runs runs = new SearchFolder.Runs(List.of(first, second));

            Workbench sharing = new Workbench(new Zoo(dir.resolve("zoo")), assemblies, store, SearchFixture.TASK_FN,
                    new SearchSettings.Evaluation(5, 100, 0.05, true), 1, true);
            AssemblyRetention.Swept swept = AssemblyRetention.sweep(store, runs, new SearchSettings.Assemblies(false, 1), sharing);
            assertEquals(5, swept.blobs(), "two of the first run's three, one of the second's, the stray and the crash's leftover");
            assertEquals(2, swept.files());
            List<String> kept = new ArrayList<>(List.of(blobs(SearchState.fold(first)).get(2), realBlob));
            assertEquals(new TreeSet<>(kept), new TreeSet<>(store.blobNames()), "each run's last assembly");
            assertTrue(!store.blobNames().contains(crashLeftover));
            assertEquals(List.of(model.contentHash() + Zoo.EXTENSION, "notes.txt"), files(assemblies),
                    "the base worker nodes read, written from its blob; nothing else of ours");
            assertEquals(model.contentHash(), ModelIO.load(sharing.assemblyFile(model.contentHash())).model().contentHash());
        }
    }

    static List<String> files(Path folder) throws java.io.IOException {
        try (var l = Files.list(folder)) {
            return l.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keepLastMustKeepTheBase() {
        var e = assertThrows(com.typesafe.config.ConfigException.class,
                () -> SearchSettings.parse("search { base = o, assemblies.keep-last = 0 }"));
        assertTrue(e.getMessage().contains("search.assemblies.keep-last"), e.getMessage());
        assertEquals(new SearchSettings.Assemblies(true, 10), SearchSettings.parse("search.base = o").assemblies(), "the defaults");
    }
}
