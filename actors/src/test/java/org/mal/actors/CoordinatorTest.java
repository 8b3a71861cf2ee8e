package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.SearchStateTest;
import org.mal.engine.Workbench;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;
import org.mal.store.JournalEntry;
import org.mal.store.MalStore;

/**
 * The coordinator's protocol, with the planner and the reporter played by probes and workers that
 * answer from a table: journal before acting, one result per move, retries, dropping stale
 * answers, closing a step, stopping.
 */
class CoordinatorTest {
    static final ActorTestKit kit = ActorTestKit.create("coordinator-test",
            com.typesafe.config.ConfigFactory.parseString("mal.blocking-dispatcher.thread-pool-executor.fixed-pool-size = 3")
                    .withFallback(com.typesafe.config.ConfigFactory.load()));
    @TempDir static Path shared;
    static Zoo zoo;
    static ZooIndex index;

    @TempDir Path dir;
    MalStore store;

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.zoo(shared.resolve("zoo"));
        index = ZooIndex.from(zoo);
    }

    @AfterAll
    static void stopKit() { kit.shutdownTestKit(); }

    @BeforeEach
    void open() { store = MalStore.open(dir.resolve("store")); }

    /** Workers of one test, stopped after it: otherwise they would take the next test's work. */
    final List<ActorRef<?>> workers = new ArrayList<>();

    @AfterEach
    void close() {
        for (ActorRef<?> w : workers) kit.stop(w);
        store.close();
    }

    private SearchState started(SearchSettings settings) {
        var s = new SearchEvent.Started(1, settings.render(), index.require(SearchFixture.BASE), 0.5, Map.of(), "2026-11-22T10:00:00Z");
        store.append(SearchJson.write(s));
        return SearchState.begin(s);
    }

    private List<SearchEvent> journal() {
        List<SearchEvent> out = new ArrayList<>();
        for (JournalEntry e : store.readJournal(1)) out.add(SearchJson.read(e.eventJson(), SearchEvent.class));
        return out;
    }

    @Test
    void journalsEachResultOnceRetriesFailuresAndStopsWhenNothingIsLeft() {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.retries = 1");
        Policy policy = settings.policy();
        List<Move> moves = policy.propose(new PolicyContext(index.require(SearchFixture.BASE), index)).stream().limit(3)
                .map(p -> p.move()).toList();
        Move failing = moves.get(1);
        Map<Move, AtomicInteger> runs = new ConcurrentHashMap<>();
        Worker.Runner runner = item -> {
            runs.computeIfAbsent(item.move(), m -> new AtomicInteger()).incrementAndGet();
            if (item.move().equals(failing)) throw new IllegalStateException("NaN weights in target");
            return SearchStateTest.outcome(0.0);   // λ = 0: retention accepts nothing, so no assembly is built
        };
        Workbench bench = SearchFolder.workbench(settings, dir, store, SearchFixture.TASK_FN);
        for (int k = 0; k < 2; k++) workers.add(kit.spawn(Worker.create("w" + k, runner)));
        TestProbe<Planner.Command> planner = kit.createTestProbe(Planner.Command.class);
        TestProbe<Reporter.Command> reporter = kit.createTestProbe(Reporter.Command.class);
        ActorRef<Coordinator.Command> coordinator = kit.spawn(Coordinator.create(started(settings),
                new Coordinator.Deps(store, bench, settings, policy.objective(), index, planner.ref(), reporter.ref())));

        Planner.Plan plan = planner.expectMessageClass(Planner.Plan.class);
        assertEquals(0, plan.step());
        assertEquals(3, plan.count());
        assertTrue(plan.exclude().isEmpty());
        coordinator.tell(new Planner.Planned(0, moves));

        Planner.Plan plan1 = planner.expectMessageClass(Planner.Plan.class, Duration.ofSeconds(20));
        assertEquals(1, plan1.step());
        assertEquals(new java.util.HashSet<>(moves), plan1.exclude(), "evaluated moves are not proposed again for the same base");
        List<SearchEvent> events = journal();
        assertTrue(events.get(1) instanceof SearchEvent.StepPlanned);
        long evaluated = events.stream().filter(e -> e instanceof SearchEvent.MoveEvaluated).count();
        List<SearchEvent.MoveFailed> failures = events.stream().filter(e -> e instanceof SearchEvent.MoveFailed)
                .map(e -> (SearchEvent.MoveFailed) e).toList();
        assertEquals(2, evaluated);
        assertEquals(2, failures.size(), "tried twice (retries = 1)");
        assertFalse(failures.get(0).giveUp());
        assertTrue(failures.get(1).giveUp());
        assertTrue(failures.get(1).reason().contains("NaN weights"));
        assertEquals(2, runs.get(failing).get());
        SearchEvent.StepClosed closed = (SearchEvent.StepClosed) events.get(events.size() - 1);
        assertEquals(null, closed.accepted(), "λ* = 0 everywhere: retention accepts none");

        // a late duplicate of an old result changes nothing
        int before = store.readJournal(1).size();
        WorkItem stale = new WorkItem(1, 0, moves.get(0), "0".repeat(64), index.require(SearchFixture.BASE), null,
                java.util.List.of(index.require(moves.get(0).target())), 0.5, 1, coordinator.narrow(), zoo.dir().toString(), dir.toString(), settings.evaluation(), settings.seed());
        coordinator.tell(new Worker.Done(stale, SearchStateTest.outcome(0.9), "ghost"));
        TestProbe<SearchState> state = kit.createTestProbe(SearchState.class);
        coordinator.tell(new Coordinator.GetState(state.ref()));
        assertEquals(1, state.receiveMessage().step());
        assertEquals(before, store.readJournal(1).size());

        coordinator.tell(new Planner.Planned(1, List.of()));
        Reporter.Final fin = reporter.fishForMessage(Duration.ofSeconds(10),
                m -> m instanceof Reporter.Final ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).stream()
                .filter(m -> m instanceof Reporter.Final).map(m -> (Reporter.Final) m).findFirst().orElseThrow();
        assertTrue(fin.state().stopped().startsWith("exhausted"), fin.state().stopped());
        planner.expectTerminated(coordinator);
        SearchEvent last = journal().get(journal().size() - 1);
        assertTrue(last instanceof SearchEvent.Stopped);
        assertEquals(fin.state().stopped(), SearchState.fold(journal()).stopped(), "the journal folds to the state the coordinator had");
    }

    @Test
    void aTargetReplacedBetweenItsResultAndTheCloseIsNotAssembledAndIsPlannedAgain() throws Exception {
        SearchSettings settings = SearchFixture.settings(zoo.dir(), "search.retries = 0");
        Policy policy = settings.policy();
        Move move = policy.propose(new PolicyContext(index.require(SearchFixture.BASE), index)).get(0).move();
        String target = move.target();
        java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Worker.Runner runner = item -> {
            running.countDown();
            release.await();
            return SearchStateTest.outcome(0.5);   // retention would accept it
        };
        Workbench bench = SearchFolder.workbench(settings, dir, store, SearchFixture.TASK_FN);
        workers.add(kit.spawn(Worker.create("w-replaced", runner)));
        TestProbe<Planner.Command> planner = kit.createTestProbe(Planner.Command.class);
        TestProbe<Reporter.Command> reporter = kit.createTestProbe(Reporter.Command.class);
        ActorRef<Coordinator.Command> coordinator = kit.spawn(Coordinator.create(started(settings),
                new Coordinator.Deps(store, bench, settings, policy.objective(), index, planner.ref(), reporter.ref())));
        planner.expectMessageClass(Planner.Plan.class);
        coordinator.tell(new Planner.Planned(0, List.of(move)));
        assertTrue(running.await(20, java.util.concurrent.TimeUnit.SECONDS));

        // while the move runs, the target is replaced in the zoo: same id, other weights
        org.mal.core.model.ModelCard old = index.require(target);
        org.mal.core.model.ModelCard replaced = new org.mal.core.model.ModelCard(old.id(), old.architecture(), old.family(), old.dataset(),
                old.train(), old.validation(), old.test(), old.recipe(), old.provenance(), "weights-after-retraining");
        List<org.mal.core.model.ModelCard> cards = new ArrayList<>(index.cards());
        cards.replaceAll(c -> c.id().equals(target) ? replaced : c);
        coordinator.tell(new ZooWatcher.Changed(ZooIndex.of(cards), List.of(target), List.of()));
        release.countDown();

        Planner.Plan next = planner.expectMessageClass(Planner.Plan.class, Duration.ofSeconds(20));
        assertEquals(1, next.step());
        assertFalse(next.exclude().contains(move), "evaluated with the old weights: to be tried again");
        List<SearchEvent> events = journal();
        SearchEvent.MoveEvaluated result = events.stream().filter(e -> e instanceof SearchEvent.MoveEvaluated)
                .map(e -> (SearchEvent.MoveEvaluated) e).findFirst().orElseThrow();
        assertEquals(old.weightsHash(), result.targetWeights());
        SearchEvent.StepClosed closed = events.stream().filter(e -> e instanceof SearchEvent.StepClosed)
                .map(e -> (SearchEvent.StepClosed) e).findFirst().orElseThrow();
        assertEquals(null, closed.accepted(), "its result says nothing about the new weights: not assembled");
        assertEquals(null, SearchState.fold(events).paused(), "and the run goes on");
        kit.stop(coordinator);
    }

}
