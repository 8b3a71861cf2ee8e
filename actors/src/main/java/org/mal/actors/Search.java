package org.mal.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.Platform;
import org.mal.core.data.TaskData;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.engine.AssemblyRetention;
import org.mal.engine.MoveRunner;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Workbench;
import org.mal.policies.IncrementalPlanner;
import org.mal.policies.Policy;
import org.mal.policies.ZooIndex;
import org.mal.store.MalStore;

/**
 * Starts and resumes searches in their folders ({@link SearchFolder}) and runs their actors.
 *
 * <p>{@link #start} journals a new run and runs it; {@link #resume} folds the last run's journal and
 * goes on from there: moves with a result are never evaluated again, moves without one are queued
 * again. Both block until the run stops, is paused (SIGTERM: in-flight moves are finished and
 * journaled within {@code drain-seconds}) or fails.
 */
public final class Search {
    private Search() {}

    public static final String BLOCKING_DISPATCHER = "mal.blocking-dispatcher";

    /** The folder of a search where the blob server keeps the store blobs it serves to worker nodes (emptied at start and resume). */
    public static final String SERVED = "served";

    /**
     * How to run: where notes go, whether to draw a progress bar, the workers' move runner
     * ({@link Worker#runner} unless a test wraps it), and a stop signal: completing it stops the
     * search as SIGTERM does (moves in flight are finished and journaled, then a pause).
     */
    public record Options(PrintWriter out, boolean progressBar, Function<Workbench, Worker.Runner> runner, CompletableFuture<Void> stop) {
        public Options(PrintWriter out, boolean progressBar) { this(out, progressBar, Worker::runner, new CompletableFuture<>()); }

        public static Options quiet() { return new Options(null, false); }

        public Options withRunner(Function<Workbench, Worker.Runner> r) { return new Options(out, progressBar, r, stop); }
    }

    /** Starts a new run in {@code dir} (created if needed); refuses while the last run there is unfinished. */
    public static SearchState start(SearchSettings settings, Path dir, Function<String, TaskData> tasks, Options options) throws IOException {
        Path zooDir = settings.zoo().toAbsolutePath().normalize();
        if (!Files.isDirectory(zooDir)) throw new IllegalArgumentException("the zoo folder " + zooDir + " does not exist");
        Config root = settings.root().withValue("search.zoo", ConfigValueFactory.fromAnyRef(zooDir.toString()));
        settings = SearchSettings.from(root);
        Zoo zoo = new Zoo(zooDir);
        String baseId = settings.base();
        ZooIndex mlps = ZooIndex.from(zoo);
        ZooIndex index = ZooIndex.CNN.equals(mlps.skipped().get(baseId)) ? ZooIndex.from(zoo, true) : mlps;   // a CNN base: CNN targets
        if (index.skipped().containsKey(baseId)) {
            throw new IllegalArgumentException("search.base: the zoo model '" + baseId + "' cannot be used: " + index.skipped().get(baseId));
        }
        ModelCard origin = index.get(baseId).orElseThrow(() -> new IllegalArgumentException(
                "search.base: no model '" + baseId + "' in the zoo " + zooDir + "; " + index.describe()));
        settings = settings.withOrigin(origin);
        Files.createDirectories(dir);
        MalStore store = MalStore.open(dir.resolve(SearchFolder.STORE), "MAL " + Platform.codeVersion());
        try {
            SearchFolder.Scan runs = SearchFolder.scan(store, null);   // earlier runs, read page by page
            if (!runs.isEmpty() && runs.last().stopped() == null) {
                throw new IllegalStateException("the search in " + dir + " (run " + runs.last().run() + ") has not finished; resume it with "
                        + "./mal search resume " + dir);
            }
            Workbench bench = SearchFolder.workbench(settings, dir, store, tasks);
            AssemblyRetention.sweep(store, runs, settings.assemblies(), bench);
            String task = MoveRunner.task(origin);
            double loss = origin.convolutional()
                    ? org.mal.core.cnn.CnnEvaluation.evaluate(bench.cnnZooModel(origin.id(), null), bench.selection(task)).loss()
                    : Evaluator.evaluate(bench.zooModel(origin.id()), bench.selection(task)).loss();
            double limit = settings.evaluation().lossLimit(loss);
            int run = runs.runs() + 1;
            SearchEvent.Started started = new SearchEvent.Started(run, settings.render(), origin, limit,
                    bench.evaluationData(List.of(task)), Instant.now().toString());
            store.append(SearchJson.write(started));
            SearchState begun = SearchState.begin(started);
            IncrementalPlanner planner = boundedPlanner(settings.policy(), origin);
            if (planner != null) begun = begun.withBoundedHistory();
            return run(store, noteSkipped(store, begun, index, options), settings, bench, index, dir, options, planner);
        } catch (RuntimeException | Error e) {
            store.close();
            throw e;
        }
    }

    /** Goes on with the last run in {@code dir}; returns its state at once if it has stopped. */
    public static SearchState resume(Path dir, Function<String, TaskData> tasks, Options options) throws IOException {
        if (!Files.isDirectory(dir.resolve(SearchFolder.STORE))) throw new IllegalArgumentException("no search in " + dir + ": it has no store/ folder");
        MalStore store = MalStore.openExisting(dir.resolve(SearchFolder.STORE));
        try {
            // the journal is read page by page; a run whose policy plans incrementally is folded bounded, its
            // history going into the planner as it is read rather than into the state (issue 22)
            Priming priming = new Priming();
            SearchFolder.Scan runs = SearchFolder.scan(store, priming);
            if (runs.isEmpty()) throw new IllegalArgumentException("the store in " + dir + " holds no search run");
            SearchState state = runs.last();
            if (state.stopped() != null) {
                store.close();
                return state;
            }
            SearchSettings settings = SearchSettings.ofRun(state.settings()).withOrigin(state.origin());
            if (!Files.isDirectory(settings.zoo())) {
                throw new IllegalArgumentException("the zoo folder " + settings.zoo() + " of this search is not there; mount or restore it, then resume");
            }
            Workbench bench = SearchFolder.workbench(settings, dir, store, tasks);
            AssemblyRetention.sweep(store, runs, settings.assemblies(), bench);
            SearchEvent.Resumed resumed = new SearchEvent.Resumed(Instant.now().toString());
            store.append(SearchJson.write(resumed));
            state = state.apply(resumed);
            ZooIndex index = priming.index != null ? priming.index : ZooIndex.forBase(bench.zoo(), state.origin());
            return run(store, noteSkipped(store, state, index, options), settings, bench, index, dir, options, priming.planner);
        } catch (RuntimeException | IOException | Error e) {
            store.close();
            throw e;
        }
    }

    /**
     * The incremental planner a search with this policy plans with, keeping a bounded state (issue
     * 22); null when the policy does not allow it (a plug-in law without a planning key, ...): then
     * the state keeps the whole history and every step is planned from scratch.
     */
    static IncrementalPlanner boundedPlanner(Policy policy, ModelCard origin) {
        return IncrementalPlanner.of(policy).filter(p -> p.supports(origin)).orElse(null);
    }

    /** Folds each run bounded when its policy plans incrementally, and primes that run's planner with its history. */
    private static final class Priming implements SearchFolder.ScanListener {
        IncrementalPlanner planner;
        ZooIndex index;
        private java.nio.file.Path indexed;

        @Override
        public boolean started(SearchEvent.Started started) {
            SearchSettings s = SearchSettings.ofRun(started.settings()).withOrigin(started.origin());
            planner = boundedPlanner(s.policy(), started.origin());
            if (planner != null && Files.isDirectory(s.zoo()) && (!s.zoo().equals(indexed) || index.convolutional() != started.origin().convolutional())) {
                try {
                    index = ZooIndex.forBase(new Zoo(s.zoo()), started.origin());
                    indexed = s.zoo();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot index the zoo " + s.zoo() + ": " + e.getMessage(), e);
                }
            }
            if (planner != null && index == null) planner = null;   // no zoo to read: resume says so below
            return planner != null;
        }

        @Override
        public void closed(List<org.mal.policies.Evaluated> results) {
            if (planner != null) planner.observeAll(results, index);
        }
    }

    /**
     * Says which zoo entries are not targets and why (printed, and journaled when it is news to the
     * run), so that a search that runs out of moves early is not a mystery.
     */
    private static SearchState noteSkipped(MalStore store, SearchState state, ZooIndex index, Options options) {
        if (options.out() != null && !index.skipped().isEmpty()) {
            options.out().println("not targets (" + files(index.skipped().size()) + "):");
            index.skipped().forEach((id, why) -> options.out().println("  " + id + ": " + why));
            options.out().flush();
        }
        if (index.skipped().equals(state.skipped())) return state;
        SearchEvent.ZooChanged e = new SearchEvent.ZooChanged(List.of(), List.of(), index.skipped(), Instant.now().toString());
        store.append(SearchJson.write(e));
        return state.apply(e);
    }

    static String files(int n) { return n + (n == 1 ? " zoo file" : " zoo files"); }

    private sealed interface GuardianCommand {}

    private record DrainRequest(String reason, ActorRef<Done> replyTo) implements GuardianCommand {}

    /** SearchFolder.Runs the actors until the coordinator stops; closes the store. */
    private static SearchState run(MalStore store, SearchState state, SearchSettings settings, Workbench bench, ZooIndex index, Path dir,
                                   Options options, IncrementalPlanner primed) {
        int workers = settings.workerCount();
        Config config = ConfigFactory.parseMap(Map.of(
                        BLOCKING_DISPATCHER + ".thread-pool-executor.fixed-pool-size", workers + 1,
                        "pekko.coordinated-shutdown.phases.before-service-unbind.timeout", (long) (settings.drainSeconds() * 1000) + 1000 + "ms"))
                .withFallback(ConfigFactory.load());
        SearchSettings.Cluster cl = settings.cluster();
        if (cl.enabled()) config = ClusterSetup.node(cl.host(), cl.port(), cl.host(), cl.port(), cl.stableAfterSeconds()).withFallback(config);
        boolean local = !cl.enabled() || cl.localWorkers();
        Policy policy = settings.policy();
        AtomicReference<SearchState> last = new AtomicReference<>(state);
        CompletableFuture<Done> over = new CompletableFuture<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        SearchSettings.Budget b = settings.budget();
        long expected = b.evaluations() > 0 ? b.evaluations() : b.steps() > 0 ? (long) b.steps() * settings.movesPerStep() : 0;
        Behavior<GuardianCommand> guardian = Behaviors.setup(ctx -> {
            var reporter = ctx.spawn(Reporter.create(dir, options.out(), expected, options.progressBar() && System.console() != null, 500,
                    last::set), "reporter");
            var planner = ctx.spawn(Planner.create(policy, primed), "planner");
            Worker.Runner runner = options.runner().apply(bench);
            for (int k = 0; local && k < workers; k++) {
                ctx.spawn(Worker.create("worker-" + k, runner), "worker-" + k);
            }
            // the coordinator (synced journal writes) and the zoo watcher (file reading) block: not on Pekko's default dispatcher
            BlobCatalog blobs = null;
            ActorRef<BlobServer.Command> blobServer = null;
            if (cl.enabled() && !cl.sharedFolder()) {   // worker nodes fetch the models from this node (issue 22)
                blobs = new BlobCatalog(store, dir.resolve(SERVED));
                try {
                    blobs.clear();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot empty " + dir.resolve(SERVED) + ": " + e.getMessage(), e);
                }
                blobServer = ctx.spawn(BlobServer.create(blobs), "blob-server", DispatcherSelector.blocking());
            }
            var coordinator = ctx.spawn(Coordinator.create(state, new Coordinator.Deps(store, bench, settings, policy.objective(), index,
                    planner, reporter, blobs, blobServer)), "coordinator", DispatcherSelector.blocking());
            ctx.spawn(ZooWatcher.create(bench.zoo(), index, Duration.ofMillis((long) (settings.zooPollSeconds() * 1000)), coordinator.narrow()),
                    "zoo-watcher", DispatcherSelector.blocking());
            ctx.watch(coordinator);
            ctx.watch(reporter);
            return Behaviors.receive(GuardianCommand.class)
                    .onMessage(DrainRequest.class, d -> {
                        coordinator.tell(new Coordinator.Drain(d.reason(), d.replyTo()));
                        return Behaviors.same();
                    })
                    .onSignal(Terminated.class, t -> {
                        if (t.getRef().equals(coordinator)) {
                            if (t instanceof org.apache.pekko.actor.typed.ChildFailed f) failure.set(f.getCause());
                            over.complete(Done.getInstance());
                            reporter.tell(new Reporter.Final(last.get()));
                        }
                        return t.getRef().equals(reporter) ? Behaviors.stopped() : Behaviors.same();
                    })
                    .build();
        });
        ActorSystem<GuardianCommand> system = ActorSystems.create(guardian, "mal-search", config);
        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-search", () -> {
            if (over.isDone()) return CompletableFuture.completedFuture(Done.getInstance());
            String reason = cs.getShutdownReason().filter(r -> r instanceof CoordinatedShutdown.JvmExitReason$).isPresent()
                    ? "SIGTERM" : "stop requested";
            CompletionStage<Done> drained = AskPattern.ask(system, (ActorRef<Done> r) -> new DrainRequest(reason, r),
                    Duration.ofMillis((long) (settings.drainSeconds() * 1000) + 500), system.scheduler());
            CompletableFuture<Done> d = drained.toCompletableFuture().exceptionally(e -> {
                system.log().warn("the search did not finish its moves in flight within drain-seconds ({} s); they are evaluated again on resume",
                        settings.drainSeconds());
                return Done.getInstance();
            });
            return CompletableFuture.anyOf(d, over).thenApply(x -> Done.getInstance());
        });
        cs.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "close-store", () -> {
            store.close();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        options.stop().thenRun(() -> cs.run(CoordinatedShutdown.unknownReason()));
        try {
            system.getWhenTerminated().toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            system.terminate();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the search's actor system failed", e.getCause());
        } finally {
            store.close();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the search failed: " + Planner.describe(failure.get())
                    + "; what was journaled is kept, fix the cause and resume", failure.get());
        }
        return last.get();
    }
}
