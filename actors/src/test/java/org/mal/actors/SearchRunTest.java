package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.Recipe;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Status;

/**
 * Whole searches on the synthetic zoo, in this JVM and in child JVMs that are killed: the budget,
 * the cache on a second run, the open-ended zoo, kill -9 and resume, SIGTERM.
 */
class SearchRunTest {
    @TempDir static Path shared;
    static Zoo zoo;

    @BeforeAll
    static void zoo() throws Exception { zoo = SearchFixture.zoo(shared.resolve("zoo")); }

    /** The kill tests keep the fewest assemblies' weights: resuming needs no more than the base. */
    static SearchSettings killSettings(Path zoo) {
        return SearchFixture.settings(zoo, "search { budget { steps = 5 }, assemblies { keep-lineage = false, keep-last = 1 } }");
    }

    /** The accepted assemblies of a run, in order. */
    static List<String> lineage(SearchState s) {
        return s.lineage().stream().map(c -> c.assembly().weightsHash()).toList();
    }

    @Test
    void aSearchRunsToItsBudgetAndTheSameSearchAgainIsAnsweredFromTheCache(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "");
        SearchState first = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 4 steps", first.stopped());
        assertEquals(12, first.evaluations(), "3 moves in each of 4 steps");
        assertEquals(0, first.cacheHits());
        assertFalse(first.lineage().isEmpty(), "some move was accepted");
        Set<String> bases = new HashSet<>(lineage(first));
        bases.add(first.origin().weightsHash());
        assertEquals(first.lineage().size() + 1, bases.size(), "the search never returns to a base it has had");
        try (var store = org.mal.store.MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {
            assertEquals(first.lineage().size(), store.blobNames().size(), "one blob per accepted assembly, nothing else");
            for (SearchEvent.StepClosed c : first.lineage()) {
                Path file = Files.createTempFile(dir, "blob", Zoo.EXTENSION);
                try (var in = store.openBlob(c.assemblyBlob())) {
                    Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Model m = ModelIO.load(file).model();
                Files.delete(file);
                assertEquals(c.assembly().weightsHash(), m.contentHash(), "each assembly's weights are kept, as the store's blob");
                assertEquals(zoo.list().stream().filter(e -> e.id().equals(SearchFixture.BASE)).findFirst().orElseThrow()
                        .architecture().orElseThrow(), m.architecture(), "an assembly has the base's architecture");
            }
        }
        assertEquals(List.of(), files(dir.resolve(SearchFolder.ASSEMBLIES)), "no second copy of an assembly in assemblies/");
        assertTrue(Files.isRegularFile(dir.resolve(Reporter.STATUS_FILE)));

        SearchState second = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(2, second.run());
        assertEquals(0, second.evaluations(), "nothing recomputed");
        assertEquals(12, second.cacheHits(), "every move answered from the cache");
        assertEquals(lineage(first), lineage(second));
        assertEquals(2, SearchFolder.inspect(dir).runs().size());
    }

    @Test
    void aPlannerThatFailsPausesTheRunWithTheReasonInsteadOfEndingIt(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "policy.laws = [ { name = \"" + ThrowingLaw.class.getName() + "\" } ]");
        SearchState s = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertNull(s.stopped());
        assertTrue(s.paused().startsWith(Coordinator.ERROR) && s.paused().contains("law exploded"), s.paused());
        var e = assertThrows(IllegalStateException.class, () -> Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet()));
        assertTrue(e.getMessage().contains("resume it"), e.getMessage());
    }

    @Test
    void aSearchWithNpMergeMovesAcceptsThemAndTheirAssembliesReplayBitForBit(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), """
                search.budget.steps = 2
                policy.candidates.move { merger = np, merger-settings { rows = 200, epochs = 2, granularity = unit } }
                """);
        SearchState s = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 2 steps", s.stopped());
        assertFalse(s.lineage().isEmpty(), "an NP merge was accepted");
        for (var c : s.lineage()) assertTrue(c.assembly().merge().aligner().endsWith("+np"), c.assembly().merge().aligner());
        double share = s.lineage().get(0).assembly().merge().lambda();
        assertTrue(share > 0 && share < 1, "the target's mean share: " + share);
        Recipe r = Recipe.of(s, s.lineage().size(), dir);
        assertEquals(s.base().weightsHash(), r.replay(null, SearchFixture.TASK_FN).contentHash(), "NP Merge is deterministic for a seed");
    }

    @Test
    void aSearchWithZipMovesRunsAndItsAssembliesReplay(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), """
                search.budget.steps = 2
                policy.candidates { identity = true, depth-matched = false, prefixes = false, suffixes = false, single-layer = false }
                policy.candidates.move { aligner = zip, aligner-settings { rows = 200, decay = 0.5, budget = 0.5 } }
                """);
        SearchState s = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 2 steps", s.stopped());
        assertEquals(0, s.failures(), "identity maps on models of one depth: every move can be zipped");
        assertTrue(s.evaluations() > 0);
        if (!s.lineage().isEmpty()) {
            assertEquals("zip", s.lineage().get(0).assembly().merge().aligner());
            assertEquals(s.base().weightsHash(), Recipe.of(s, s.lineage().size(), dir).replay(null, SearchFixture.TASK_FN).contentHash());
        }
    }

    /**
     * Issue 18: a search chooses on held-out training rows and never reads a test row: with every test
     * set swapped for other data of the same shape, it plans, evaluates and accepts exactly the same.
     */
    @Test
    void aSearchNeverReadsTheTestSetToChoose(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.budget.steps = 2");
        java.util.function.Function<String, org.mal.core.data.TaskData> swapped = name -> {
            var real = SearchFixture.TASK_FN.apply(name);
            var other = org.mal.core.data.Synthetic.gaussianBlobs(name, 600, 400, 12, 3, 77);
            return new org.mal.core.data.TaskData(name, real.train(), other.test());
        };
        SearchState real = Search.start(settings, dir.resolve("real"), SearchFixture.TASK_FN, Search.Options.quiet());
        SearchState other = Search.start(settings, dir.resolve("swapped"), swapped, Search.Options.quiet());
        assertEquals(lineage(real), lineage(other), "the same assemblies");
        assertEquals(real.evaluations(), other.evaluations());
        // a running search keeps only the results from its current base (issue 22): the whole history is the journal's
        List<org.mal.policies.Evaluated> realHistory = wholeHistory(dir.resolve("real"));
        List<org.mal.policies.Evaluated> otherHistory = wholeHistory(dir.resolve("swapped"));
        for (var e : realHistory) {
            if (!e.succeeded()) continue;
            var o = otherHistory.stream().filter(x -> x.move().equals(e.move())).findFirst().orElseThrow();
            assertEquals(e.report().lambdaStar(), o.report().lambdaStar(), "the same λ for " + e.move());
            assertEquals(e.report().accuracyAtLambdaStar(), o.report().accuracyAtLambdaStar());
        }
        assertFalse(realHistory.isEmpty());
    }

    /** Issue 17: moves of several targets (soups, REPAIRed) planned, evaluated, accepted, journaled and replayed. */
    @Test
    void aSearchWithSoupMovesAcceptsASoupAndItsRecipeReplays(@TempDir Path dir) throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), """
                search.budget.steps = 1
                policy.candidates { identity = false, depth-matched = false, prefixes = false, suffixes = false, single-layer = false, soup-size = 3 }
                policy.candidates.move { merger-settings { repair = true, repair-rows = 200 }, lambda-policy = fixed, lambda-settings { value = 0.2 } }
                """);
        SearchState s = Search.start(settings, dir, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(0, s.failures());
        assertTrue(s.evaluations() > 0);
        assertEquals(1, s.lineage().size(), "a soup at λ = 0.2 is within the loss limit");
        var accepted = s.lineage().get(0).accepted();
        assertEquals(3, accepted.targets().size(), accepted.toString());
        assertEquals(4, s.lineage().get(0).assembly().provenance().parents().size(), "the base and the three targets");
        assertEquals(s.base().weightsHash(), Recipe.of(s, 1, dir).replay(null, SearchFixture.TASK_FN).contentHash());
        SearchState again = SearchFolder.inspect(dir).last();
        assertEquals(lineage(s), lineage(again), "the journal reads back the soup moves");
    }

    @Test
    void depthCkaMovesChooseTheirMapFromActivations(@TempDir Path dir) throws Exception {
        Zoo mixed = new Zoo(dir.resolve("zoo"));
        org.mal.core.zoo.ZooSpec spec = org.mal.core.zoo.ZooSpec.from(com.typesafe.config.ConfigFactory.parseString("""
                zoo {
                  name = t, datasets = [blobs], families = [equal], depths = [2, 3], widths = [8]
                  architectures = []
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 3, batch-size = 32, seed = 5, validation-fraction = 0.2 }
                }"""));
        new org.mal.core.zoo.ZooBuilder(spec, mixed, SearchFixture.TASK_FN).build(new org.mal.core.zoo.ZooBuilder.Listener() {});
        SearchSettings settings = SearchFixture.settings(mixed.dir(), """
                search { base = blobs-equal-8x8, budget.steps = 1 }
                policy.candidates { identity = false, depth-matched = false, prefixes = false, suffixes = false, single-layer = false,
                                    depth-cka = true, move.aligner-settings { rows = 200 } }
                """);
        SearchState s = Search.start(settings, dir.resolve("s"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(0, s.failures());
        assertEquals(1, s.evaluations(), "one target of another depth, one cka move");
        assertTrue(wholeHistory(dir.resolve("s")).get(0).move().alignerSettings().containsKey(org.mal.policies.Candidates.DEPTH));
        List<SearchEvent> events = SearchFolder.inspect(dir.resolve("s")).runs().get(0);
        String aligner = events.stream().filter(e -> e instanceof SearchEvent.MoveEvaluated).map(e -> ((SearchEvent.MoveEvaluated) e).outcome().aligner())
                .findFirst().orElseThrow();
        assertTrue(aligner.contains("cka map"), aligner);
    }

    @Test
    void anUnfinishedSearchIsNotStartedOverAndAMissingBaseIsNamed(@TempDir Path dir) throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> Search.start(SearchFixture.settings(zoo.dir(), "search.base = nope"), dir,
                SearchFixture.TASK_FN, Search.Options.quiet()));
        assertTrue(e.getMessage().contains("no model 'nope'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Search.resume(dir.resolve("nothing"), SearchFixture.TASK_FN, Search.Options.quiet()));
    }

    @Test
    void anOpenEndedSearchWaitsForNewZooModelsAndUsesThem(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("zoo");
        Files.createDirectories(small);
        Files.copy(zoo.fileOf(SearchFixture.BASE), small.resolve(SearchFixture.BASE + Zoo.EXTENSION));
        Files.copy(zoo.fileOf("blobs-equal-16x16"), small.resolve("blobs-equal-16x16" + Zoo.EXTENSION));
        SearchSettings settings = SearchFixture.settings(small, """
                search { moves-per-step = 50, budget { steps = 0, open-ended = true, seconds = 120 } }
                policy.candidates { max-per-target = 2 }
                """);
        Set<String> targets = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Search.Options options = watching(item -> targets.add(item.targets().get(0).id()));
        CompletableFuture<SearchState> run = startInBackground(settings, dir.resolve("search"), options);
        Path status = dir.resolve("search").resolve(Reporter.STATUS_FILE);
        awaitWaiting(status);
        assertFalse(targets.contains("other-equal-8x8"));
        assertTrue(targets.contains("blobs-equal-16x16"));
        Files.copy(zoo.fileOf("other-equal-8x8"), small.resolve("other-equal-8x8" + Zoo.EXTENSION));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!targets.contains("other-equal-8x8")) {
            assertTrue(System.nanoTime() < deadline, "the new model never became a target");
            Thread.sleep(50);
        }
        options.stop().complete(null);
        SearchState s = run.get(60, TimeUnit.SECONDS);
        assertEquals("stop requested", s.paused());
        List<SearchEvent> events = SearchFolder.inspect(dir.resolve("search")).runs().get(0);
        assertTrue(events.stream().anyMatch(e -> e instanceof SearchEvent.ZooChanged z && z.added().equals(List.of("other-equal-8x8"))));
        assertTrue(events.get(events.size() - 1) instanceof SearchEvent.Paused);
    }

    @Test
    void aZooModelReplacedUnderTheSameIdIsTriedAgainWithTheSameBase(@TempDir Path dir) throws Exception {
        Path small = dir.resolve("zoo");
        Files.createDirectories(small);
        Files.copy(zoo.fileOf(SearchFixture.BASE), small.resolve(SearchFixture.BASE + Zoo.EXTENSION));
        Path targetFile = small.resolve("blobs-equal-16x16" + Zoo.EXTENSION);
        Files.copy(zoo.fileOf("blobs-equal-16x16"), targetFile);
        // min-lambda 0.99: no move is accepted, so the base stays the same and only the target can change
        SearchSettings settings = SearchFixture.settings(small, """
                search { moves-per-step = 50, budget { steps = 0, patience = 0, open-ended = true, seconds = 120 } }
                search.evaluation.tolerance = 0.001
                policy.candidates { max-per-target = 2 }
                policy.objective { name = retention, min-lambda = 0.99 }
                policy.laws = [ { name = experience } ]
                """);
        List<String> weightsSeen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Search.Options options = watching(item -> weightsSeen.add(item.targets().get(0).weightsHash()));
        CompletableFuture<SearchState> run = startInBackground(settings, dir.resolve("search"), options);
        Path status = dir.resolve("search").resolve(Reporter.STATUS_FILE);
        awaitWaiting(status);
        ModelCard old = ModelIO.readCard(targetFile).orElseThrow();
        assertEquals(2, weightsSeen.size(), "two maps of the one target");
        assertTrue(weightsSeen.stream().allMatch(old.weightsHash()::equals));
        // the same id, retrained: other weights (here: scaled), a card naming them
        Model before = ModelIO.load(targetFile).model();
        java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> p = new java.util.TreeMap<>();
        before.params().forEach((k, v) -> p.put(k, v.mul(0.9)));
        Model retrained = new Model(before.architecture(), p);
        ModelCard card = new ModelCard(old.id(), old.architecture(), old.family(), old.dataset(), old.train(), old.validation(), old.test(),
                old.recipe(), old.provenance(), retrained.contentHash());
        Path tmp = small.resolve("retrained.tmp");
        ModelIO.save(tmp, retrained, card);
        Files.move(tmp, targetFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(weightsSeen.size() >= 4 && waitingAfter(status, 4))) {
            assertTrue(System.nanoTime() < deadline, "the replaced model was never tried again: " + weightsSeen);
            Thread.sleep(50);
        }
        options.stop().complete(null);
        SearchState s = run.get(60, TimeUnit.SECONDS);
        assertEquals(List.of(old.weightsHash(), old.weightsHash(), card.weightsHash(), card.weightsHash()), weightsSeen);
        assertEquals(SearchFixture.BASE, s.base().id(), "nothing accepted: the same base throughout");
        // the history keeps both evaluations of each move, each with the weights it used
        assertEquals(4, s.history().size());
        assertEquals(2, s.history().stream().filter(e -> card.weightsHash().equals(e.targetWeights())).count());
    }

    /** Every result of the last run in the search folder, from its journal folded whole (not bounded). */
    static List<org.mal.policies.Evaluated> wholeHistory(Path dir) {
        List<List<SearchEvent>> runs = SearchFolder.inspect(dir).runs();
        return SearchState.fold(runs.get(runs.size() - 1)).history();
    }

    /** Quiet options whose workers run each item for real after showing it to {@code seen}. */
    private static Search.Options watching(java.util.function.Consumer<WorkItem> seen) {
        return Search.Options.quiet().withRunner(bench -> {
            Worker.Runner real = Worker.runner(bench);
            return item -> {
                seen.accept(item);
                return real.run(item);
            };
        });
    }

    private static CompletableFuture<SearchState> startInBackground(SearchSettings settings, Path dir, Search.Options options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Search.start(settings, dir, SearchFixture.TASK_FN, options);
            } catch (Exception x) {
                throw new RuntimeException(x);
            }
        });
    }

    /** Until the status file says the search waits for new zoo models (at most 60 s). */
    private static void awaitWaiting(Path status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.isRegularFile(status) && Files.readString(status).contains("waiting for new zoo models"))) {
            assertTrue(System.nanoTime() < deadline, "the search never ran out of candidates");
            Thread.sleep(50);
        }
    }

    /** The status file says the search waits for new zoo models after {@code evaluations} evaluations. */
    private static boolean waitingAfter(Path status, int evaluations) {
        try {
            var json = SearchJson.MAPPER.readTree(status.toFile());
            return json.path("evaluations").asInt() == evaluations && json.toString().contains("waiting for new zoo models");
        } catch (java.io.IOException e) {
            return false;   // being rewritten
        }
    }

    @Test
    void killedTwiceAndResumedTheSearchReachesTheSameAssembliesAndEvaluatesNothingTwice(@TempDir Path dir) throws Exception {
        SearchState reference = Search.start(killSettings(zoo.dir()), dir.resolve("reference"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertTrue(reference.lineage().size() >= 2, "the reference run accepts several moves: " + lineage(reference));

        Path killed = dir.resolve("killed");
        int[] killAfter = {3, 8};
        for (int round = 0; round < killAfter.length; round++) {
            Process child = SearchChild.start(dir.resolve("child-" + round + ".err"), round == 0 ? "start" : "resume", killed.toString(),
                    zoo.dir().toString(), "150");
            Path status = killed.resolve(Reporter.STATUS_FILE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (evaluations(status) < killAfter[round]) {
                assertTrue(child.isAlive(), "the child ended early: " + Files.readString(dir.resolve("child-" + round + ".err")));
                assertTrue(System.nanoTime() < deadline, "the child made no progress");
                Thread.sleep(20);
            }
            child.toHandle().destroyForcibly();   // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        SearchState resumed = Search.resume(killed, SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(reference.stopped(), resumed.stopped());
        assertEquals(lineage(reference), lineage(resumed), "the same accepted assemblies as the uninterrupted run");

        List<SearchEvent> events = SearchFolder.inspect(killed).runs().get(0);
        Set<String> seen = new HashSet<>();
        int evaluated = 0;
        for (SearchEvent e : events) {
            if (e instanceof SearchEvent.MoveEvaluated m) {
                assertTrue(seen.add(m.step() + "|" + m.move()), "one result per move: " + m.move());
                if (!m.cached()) evaluated++;
            }
        }
        assertEquals(reference.evaluations(), evaluated, "each move evaluated once");
        assertEquals(2, events.stream().filter(e -> e instanceof SearchEvent.Resumed).count());
        // keep-last = 1: only the base's weights (and the one before it, until the next step would close) survive the kills
        List<String> blobs = resumed.lineage().stream().map(SearchEvent.StepClosed::assemblyBlob).toList();
        try (var store = org.mal.store.MalStore.openExisting(killed.resolve(SearchFolder.STORE))) {
            List<String> kept = store.blobNames();
            assertTrue(kept.contains(resumed.baseBlob()), "the base's weights are kept");
            assertTrue(blobs.subList(Math.max(0, blobs.size() - 2), blobs.size()).containsAll(kept), "nothing else: " + kept);
        }
        assertEquals(List.of(), files(killed.resolve(SearchFolder.ASSEMBLIES)));
    }

    /** The files in a folder (none when it does not exist). */
    static List<String> files(Path folder) throws java.io.IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (var l = Files.list(folder)) {
            return l.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void sigtermFinishesTheMovesInFlightJournalsAPauseAndClosesTheStore(@TempDir Path dir) throws Exception {
        Path search = dir.resolve("search");
        Process child = SearchChild.start(dir.resolve("child.err"), "start", search.toString(), zoo.dir().toString(), "400");
        Path status = search.resolve(Reporter.STATUS_FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (evaluations(status) < 2) {
            assertTrue(child.isAlive(), Files.readString(dir.resolve("child.err")));
            assertTrue(System.nanoTime() < deadline, "the child made no progress");
            Thread.sleep(20);
        }
        child.toHandle().destroy();   // SIGTERM
        assertTrue(child.waitFor(60, TimeUnit.SECONDS));
        List<SearchEvent> events = SearchFolder.inspect(search).runs().get(0);   // opens: the store was closed
        SearchEvent last = events.get(events.size() - 1);
        assertTrue(last instanceof SearchEvent.Paused p && p.reason().equals("SIGTERM"), "last event: " + last);
        SearchState paused = SearchState.fold(events);
        assertNull(paused.stopped());
        SearchState done = Search.resume(search, SearchFixture.TASK_FN, Search.Options.quiet());
        assertNotNull(done.stopped());
        SearchState reference = Search.start(killSettings(zoo.dir()), dir.resolve("reference"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals(lineage(reference), lineage(done));
    }

    /** Moves with a result so far, from a running search's status.json (0 before it exists). */
    static int evaluations(Path status) {
        try {
            if (!Files.isRegularFile(status)) return 0;
            Status s = SearchJson.read(Files.readString(status), Status.class);
            return s.evaluations() + s.cacheHits();
        } catch (Exception e) {
            return 0;
        }
    }
}
