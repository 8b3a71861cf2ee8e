package org.mal.actors;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.delivery.WorkPullingProducerController;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.engine.EvaluationKey;
import org.mal.engine.MoveRunner;
import org.mal.engine.Outcome;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Status;
import org.mal.engine.StepCloser;
import org.mal.engine.Workbench;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Objective;
import org.mal.policies.ZooIndex;
import org.mal.store.CacheKey;
import org.mal.store.MalStore;

/**
 * Owns the search state and is the only writer of the journal. Every event is appended to the
 * journal (synced) before the state changes and before anything is done because of it; an
 * evaluation's cache entry is written in the same atomic batch as its event.
 *
 * <p>A step: ask the {@link Planner} for moves not yet evaluated for the base; journal the plan;
 * answer each move from the cache or hand it to the workers (work pulling); journal every result or
 * failure (a failed move is retried up to {@code retries} times, then counts as failed); when every
 * move has a result, accept the best one the objective accepts (ties: smallest canonical move), or
 * none, compute the new assembly, store it, and journal the step's close. The choice depends only on
 * the set of results, never on the order workers finished in, so a resumed run makes the same
 * choices as an uninterrupted one.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

    /**
     * What the coordinator hears: its own commands below, the planner's {@link Planner.Result}, the
     * workers' {@link Worker.Reply} and the zoo watcher's {@link ZooWatcher.Changed}.
     */
    public sealed interface Command permits Drain, GetState, Next, RequestNext, Assembled, Planner.Result, Worker.Reply, ZooWatcher.Changed {}

    /** Stop taking new work, journal what is in flight, then stop (SIGTERM). */
    public record Drain(String reason, ActorRef<Done> replyTo) implements Command {}

    /** The current state, for status and tests. */
    public record GetState(ActorRef<SearchState> replyTo) implements Command {}

    record Next() implements Command {}

    record RequestNext(WorkPullingProducerController.RequestNext<WorkItem> next) implements Command {}

    /** A step's assembly was built ({@code move} null: none; {@code failure}: the step fails for this reason; {@code error}: it could not be built). */
    record Assembled(int step, Move move, double score, ModelCard card, String blob, String failure, String error) implements Command {}

    /** What the coordinator works with; the caller owns the store and closes it after the system stops. */
    /**
     * @param blobs what the blob server serves, when worker nodes fetch the models as blobs; else null
     * @param blobServer the blob server worker nodes fetch from (named in each work item); else null
     */
    public record Deps(MalStore store, Workbench bench, SearchSettings settings, Objective objective, ZooIndex zoo,
                       ActorRef<Planner.Command> planner, ActorRef<Reporter.Command> reporter, BlobCatalog blobs,
                       ActorRef<BlobServer.Command> blobServer) {
        public Deps(MalStore store, Workbench bench, SearchSettings settings, Objective objective, ZooIndex zoo,
                    ActorRef<Planner.Command> planner, ActorRef<Reporter.Command> reporter) {
            this(store, bench, settings, objective, zoo, planner, reporter, null, null);
        }
    }

    private final Deps deps;
    private final TimerScheduler<Command> timers;
    private ZooIndex planZoo;
    private final Executor blocking;
    private SearchState state;
    private ZooIndex zoo;
    private final Deque<WorkItem> queue = new ArrayDeque<>();
    private final Map<Move, Integer> inFlight = new HashMap<>();
    /** The evaluation keys of the moves queued or in flight, computed once when a move is dispatched. */
    private final Map<Move, CacheKey> keys = new HashMap<>();
    private ActorRef<WorkItem> sendNextTo;
    /** Bounded state: results of steps closed since the last plan, not yet handed to the planner. */
    private final java.util.List<Evaluated> unsent = new java.util.ArrayList<>();
    private boolean planning;
    /** When the planner was asked (for the note that says how long planning took, from asking to the answer). */
    private long planStarted;
    private boolean assembling;
    private boolean waitingForZoo;
    private ActorRef<Done> drainReply;
    private String drainReason;

    public static Behavior<Command> create(SearchState initial, Deps deps) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Coordinator(ctx, timers, initial, deps)));
    }

    private Coordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, SearchState initial, Deps deps) {
        super(ctx);
        this.timers = timers;
        this.deps = deps;
        this.state = initial;
        this.zoo = deps.zoo();
        this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(Search.BLOCKING_DISPATCHER));
        ActorRef<WorkPullingProducerController.Command<WorkItem>> producer = ctx.spawn(
                WorkPullingProducerController.create(WorkItem.class, "mal-moves", Worker.SERVICE_KEY, Optional.empty()), "producer");
        producer.tell(new WorkPullingProducerController.Start<>(
                ctx.messageAdapter(WorkPullingProducerController.requestNextClass(), RequestNext::new)));
        report(state.step() == 0 && state.planned().isEmpty() ? "started" : "resumed at step " + state.step());
        ctx.getSelf().tell(new Next());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Next.class, n -> next())
                .onMessage(Planner.Planned.class, this::onPlanned)
                .onMessage(Planner.PlanFailed.class, f -> {
                    planning = false;
                    return pauseForError("the planner failed: " + f.reason());
                })
                .onMessage(RequestNext.class, this::onRequestNext)
                .onMessage(Worker.Done.class, this::onDone)
                .onMessage(Worker.Failed.class, this::onFailed)
                .onMessage(Assembled.class, this::onAssembled)
                .onMessage(ZooWatcher.Changed.class, this::onZooChanged)
                .onMessage(Drain.class, this::onDrain)
                .onMessage(GetState.class, g -> {
                    g.replyTo().tell(state);
                    return this;
                })
                .onSignal(PostStop.class, s -> this)
                .build();
    }

    /** Journal, then apply: the only way the state changes. */
    private void journal(SearchEvent event, Map<CacheKey, String> cacheEntries) {
        SearchState next = state.apply(event);
        deps.store().append(SearchJson.write(event), cacheEntries);
        // a bounded state forgets the results of a closed step once its base changes: the planner gets them with its next plan
        if (state.bounded() && event instanceof SearchEvent.StepClosed) unsent.addAll(state.closing());
        state = next;
    }

    private void journal(SearchEvent event) { journal(event, Map.of()); }

    private Behavior<Command> next() {
        if (drainReply != null) return drainIfIdle();
        if (planning || assembling) return this;
        if (waitingForZoo) {
            double budget = deps.settings().budget().seconds();
            if (budget > 0 && state.elapsedSeconds(Instant.now()) >= budget) return stop("budget: " + budget + " s");
            return this;
        }
        switch (state.phase()) {
            case STOPPED -> { return finish(); }
            case CLOSING -> { return close(); }
            case EVALUATING -> {
                dispatchPending();
                return this;
            }
            case PLANNING -> { return plan(); }
        }
        return this;
    }

    private Behavior<Command> plan() {
        SearchSettings.Budget b = deps.settings().budget();
        if (b.steps() > 0 && state.step() >= b.steps()) return stop("budget: " + b.steps() + " steps");
        if (b.evaluations() > 0 && state.evaluations() >= b.evaluations()) return stop("budget: " + b.evaluations() + " evaluations");
        if (b.seconds() > 0 && state.elapsedSeconds(Instant.now()) >= b.seconds()) return stop("budget: " + b.seconds() + " s");
        if (b.patience() > 0 && state.idleSteps() >= b.patience()) {
            return stop("no move accepted in the last " + b.patience() + " steps");
        }
        int count = deps.settings().movesPerStep();
        if (b.evaluations() > 0) count = Math.min(count, b.evaluations() - state.evaluations());
        Set<Move> exclude = new HashSet<>();
        // moves already evaluated for this base, unless their target has been replaced since (new weights, same id)
        for (Evaluated e : state.history()) {
            if (!e.move().base().equals(state.base().id())) continue;
            if (e.current(MoveRunner.targetCards(zoo, e.move()).map(MoveRunner::targetWeightsOf).orElse(null))) exclude.add(e.move());
        }
        Map<String, String> unusable = new java.util.TreeMap<>();
        for (String id : state.unusable().keySet()) {
            String why = unusable(id);
            if (why != null) unusable.put(id, "unusable until its file changes: " + why);
        }
        planning = true;
        planStarted = System.nanoTime();
        planZoo = zoo;
        List<Evaluated> history = state.bounded() ? List.copyOf(unsent) : state.history();
        unsent.clear();
        deps.planner().tell(new Planner.Plan(state.step(), state.base(), zoo.without(unusable), history, exclude, count,
                getContext().getSelf().narrow(), state.bounded()));
        return this;
    }

    private Behavior<Command> onPlanned(Planner.Planned p) {
        planning = false;
        if (p.step() != state.step() || state.phase() != SearchState.Phase.PLANNING) return this;
        if (drainReply != null) return drainIfIdle();
        if (p.moves().isEmpty()) {
            if (zoo != planZoo) {   // the zoo changed while the planner worked on the old index
                getContext().getSelf().tell(new Next());
                return this;
            }
            if (deps.settings().budget().openEnded()) {
                waitingForZoo = true;
                double budget = deps.settings().budget().seconds();
                if (budget > 0) {
                    double left = Math.max(0, budget - state.elapsedSeconds(Instant.now()));
                    timers.startSingleTimer(new Next(), java.time.Duration.ofMillis((long) (left * 1000) + 1));
                }
                report("every candidate evaluated; waiting for new zoo models" + notTargets());
                return this;
            }
            return stop("exhausted: every candidate move for the base has been evaluated" + notTargets());
        }
        journal(new SearchEvent.StepPlanned(state.step(), state.baseHash(), p.moves()));
        report(String.format(java.util.Locale.ROOT, "step %d planned: %d moves in %.1f ms", state.step(), p.moves().size(),
                (System.nanoTime() - planStarted) / 1e6));
        dispatchPending();
        return this;
    }

    /** Answers pending moves from the cache, queues the rest for the workers. */
    private void dispatchPending() {
        for (Move m : state.pending()) {
            if (inFlight.containsKey(m) || keys.containsKey(m)) continue;
            Optional<List<ModelCard>> targets = MoveRunner.targetCards(zoo, m);
            if (targets.isEmpty()) {
                String gone = m.targets().stream().filter(id -> zoo.get(id).isEmpty()).findFirst().orElse(m.target());
                journal(new SearchEvent.MoveFailed(state.step(), m, state.attempts().getOrDefault(m, 0) + 1,
                        "zoo model '" + gone + "' is not in the zoo any more", true, Evaluated.ABSENT));
                continue;
            }
            String targetWeights = MoveRunner.targetWeightsOf(targets.get());
            String bad = m.targets().stream().filter(id -> unusable(id) != null).findFirst().orElse(null);
            if (bad != null) {
                journal(new SearchEvent.MoveFailed(state.step(), m, state.attempts().getOrDefault(m, 0) + 1,
                        "zoo model '" + bad + "' is unusable until its file changes: " + unusable(bad), true, Evaluated.ABSENT));
                continue;
            }
            CacheKey key;
            try {
                key = EvaluationKey.of(deps.bench(), m, state.base(), targets.get(), state.lossLimit());
            } catch (RuntimeException e) {   // e.g. the data of a new target's task is missing
                journal(new SearchEvent.MoveFailed(state.step(), m, state.attempts().getOrDefault(m, 0) + 1, Planner.describe(e), true,
                        targetWeights));
                continue;
            }
            Optional<Outcome> cached = cached(key);
            if (cached.isPresent()) {
                journal(new SearchEvent.MoveEvaluated(state.step(), m, key.hex(), cached.get(), true, "cache", targetWeights));
                continue;
            }
            MoveRunner.Files files = null;
            if (deps.blobServer() != null) {
                try {
                    files = blobFiles(targets.get());
                } catch (java.io.IOException e) {
                    journal(new SearchEvent.MoveFailed(state.step(), m, state.attempts().getOrDefault(m, 0) + 1,
                            "cannot hash a model file to send it to worker nodes: " + e.getMessage(), true, targetWeights));
                    continue;
                }
            }
            keys.put(m, key);
            boolean shared = files == null;   // blobs: the item names no path, a worker node reads nothing shared
            queue.add(new WorkItem(state.run(), state.step(), m, key.hex(), state.base(), state.baseBlob(), targets.get(), state.lossLimit(),
                    state.attempts().getOrDefault(m, 0) + 1, getContext().getSelf().narrow(),
                    shared ? deps.bench().zoo().dir().toAbsolutePath().toString() : null,
                    shared ? deps.bench().assemblies().toAbsolutePath().toString() : null, deps.settings().evaluation(), deps.settings().seed(),
                    files, deps.blobServer()));
        }
        report(null);
        sendWork();
        if (state.phase() == SearchState.Phase.CLOSING) getContext().getSelf().tell(new Next());
    }

    /**
     * The blobs of a move's models for worker nodes: the base's store blob (an assembly) or its zoo
     * file's SHA-256 (the origin), and each target's zoo file's, which the blob server then serves.
     */
    private MoveRunner.Files blobFiles(List<ModelCard> targets) throws java.io.IOException {
        String base = state.baseBlob() != null ? state.baseBlob() : deps.blobs().zooFile(deps.bench().zoo().fileOf(state.base().id()));
        List<String> out = new java.util.ArrayList<>();
        for (ModelCard t : targets) out.add(deps.blobs().zooFile(deps.bench().zoo().fileOf(t.id())));
        return new MoveRunner.Files(base, out);
    }

    /** A cache entry, or none when there is none or it cannot be read (then the move is evaluated again and the entry replaced). */
    private Optional<Outcome> cached(CacheKey key) {
        try {
            return deps.store().evaluation(key).map(json -> SearchJson.read(json, Outcome.class));
        } catch (RuntimeException e) {
            getContext().getLog().warn("cache entry {} is unreadable, evaluating again: {}", key.hex(), e.getMessage());
            return Optional.empty();
        }
    }

    private Behavior<Command> onRequestNext(RequestNext r) {
        sendNextTo = r.next().sendNextTo();
        sendWork();
        return this;
    }

    private void sendWork() {
        if (sendNextTo == null || queue.isEmpty() || drainReply != null) return;
        WorkItem w = queue.poll();
        inFlight.put(w.move(), w.attempt());
        sendNextTo.tell(w);
        sendNextTo = null;
    }

    /** Whether a worker's message answers the attempt in flight (redeliveries and stale steps are dropped). */
    private boolean current(WorkItem item) {
        return item.run() == state.run() && item.step() == state.step() && Integer.valueOf(item.attempt()).equals(inFlight.get(item.move()));
    }

    private Behavior<Command> onDone(Worker.Done r) {
        if (!current(r.item())) return this;
        inFlight.remove(r.item().move());
        CacheKey key = keys.remove(r.item().move());
        if (key == null || !key.hex().equals(r.item().key())) {   // not the item this coordinator dispatched: never journaled
            getContext().getLog().warn("a result for {} under key {} that was not dispatched here; dropped", r.item().move(), r.item().key());
            getContext().getSelf().tell(new Next());
            return this;
        }
        journal(new SearchEvent.MoveEvaluated(state.step(), r.item().move(), key.hex(), r.outcome(), false, r.worker(),
                        MoveRunner.targetWeightsOf(r.item().targets())), Map.of(key, SearchJson.write(r.outcome())));
        report(null);
        getContext().getSelf().tell(new Next());
        return this;
    }

    private Behavior<Command> onFailed(Worker.Failed f) {
        if (!current(f.item())) return this;
        inFlight.remove(f.item().move());
        keys.remove(f.item().move());
        String target = f.unusableTarget();
        // a target file that fails the same way on every read is not tried again (nor are its other moves) until it changes
        boolean unusable = target != null;
        boolean giveUp = unusable || f.item().attempt() > deps.settings().retries();
        // (an unusable target's weights are not known: whatever file it comes back with, its moves are tried again)
        journal(new SearchEvent.MoveFailed(state.step(), f.item().move(), f.item().attempt(), f.reason(), giveUp,
                unusable ? Evaluated.ABSENT : MoveRunner.targetWeightsOf(f.item().targets())));
        if (unusable) {
            SearchEvent.ModelUnusable known = state.unusable().get(target);
            if (known == null || !known.file().equals(f.unusableFile())) {
                journal(new SearchEvent.ModelUnusable(target, f.unusableFile(), f.reason(), Instant.now().toString()));
                report("zoo model " + target + " is unusable until its file changes: " + f.reason());
            }
            // its moves waiting for a worker go back to pending, where dispatchPending fails them at once
            queue.removeIf(w -> w.move().targets().contains(target));
            keys.keySet().removeIf(m -> m.targets().contains(target) && !inFlight.containsKey(m));
        }
        // Printed once, by the reporter, in one short line; the whole reason is in the journal (and here at debug level).
        getContext().getLog().debug("move failed on {} (attempt {}{}): {}", f.worker(), f.item().attempt(), giveUp ? ", giving up" : "",
                f.reason());
        report(failureNote(f.item().move(), f.item().attempt(), giveUp, f.reason()));
        getContext().getSelf().tell(new Next());
        return this;
    }

    /** Longest reason a failure note shows; the journal keeps the whole of it. */
    static final int NOTE_REASON_CHARS = 100;

    /** One short line for a failed attempt: the target, the attempt, and the reason's first line, cut. */
    static String failureNote(Move move, int attempt, boolean giveUp, String reason) {
        String r = reason == null ? "" : reason.strip().lines().findFirst().orElse("");
        if (r.length() > NOTE_REASON_CHARS) r = r.substring(0, NOTE_REASON_CHARS - 1) + "…";
        return "move into " + move.targetNames() + " failed (attempt " + attempt + (giveUp ? ", giving up" : "") + "): " + r;
    }

    /**
     * Ranks the step's moves the objective accepts (score, then canonical move) and builds the
     * assembly of the first one off the actor's thread; a move whose merge gives back a base the
     * search has already had (the origin or an earlier assembly) is passed over, so the search never
     * goes round in a circle.
     */
    private Behavior<Command> close() {
        List<Map.Entry<Move, Double>> ranked = StepCloser.ranked(state, deps.objective());
        if (ranked.isEmpty()) return closeWithout("no move accepted");
        assembling = true;
        SearchState s = state;
        ZooIndex index = zoo;
        CompletableFuture<Assembled> f = CompletableFuture.supplyAsync(() -> {
            StepCloser.Closed c = StepCloser.close(s, index, ranked, deps.bench(), deps.store(), deps.settings().assemblies());
            return new Assembled(s.step(), c.move(), c.score(), c.card(), c.blob(), c.failure(), null);
        }, blocking);
        getContext().pipeToSelf(f, (ok, err) -> ok != null ? ok
                : new Assembled(s.step(), null, Double.NaN, null, null, null, Planner.describe(err.getCause() != null ? err.getCause() : err)));
        return this;
    }

    private Behavior<Command> closeWithout(String why) { return closeWithout(why, null); }

    /** Closes the step accepting nothing; {@code failure}, when given, is journaled as the reason the step failed. */
    private Behavior<Command> closeWithout(String why, String failure) {
        journal(new SearchEvent.StepClosed(state.step(), null, Double.NaN, null, null, failure));
        report("step " + (state.step() - 1) + ": " + why);
        getContext().getSelf().tell(new Next());
        return this;
    }

    private Behavior<Command> onAssembled(Assembled a) {
        assembling = false;
        if (a.error() != null) return pauseForError("cannot build the assembly of step " + a.step() + ": " + a.error());
        if (a.failure() != null) {
            getContext().getLog().error("step {} fails: {}", a.step(), a.failure());
            return closeWithout("FAILED: " + a.failure(), a.failure());
        }
        if (a.move() == null) {
            return closeWithout("no accepted move could be assembled (each gives back a base the search has had, or its target "
                    + "left the zoo or was replaced after its evaluation)");
        }
        journal(new SearchEvent.StepClosed(a.step(), a.move(), a.score(), a.card(), a.blob()));
        report("step " + a.step() + ": accepted " + a.card().id());
        getContext().getSelf().tell(new Next());
        return this;
    }

    /**
     * Why the zoo model {@code id} is unusable, when the journal says its file failed to load and the
     * file still holds the same content; null otherwise (never failed, changed since, or gone).
     */
    private String unusable(String id) {
        SearchEvent.ModelUnusable u = state.unusable().get(id);
        if (u == null) return null;
        try {
            return u.file().equals(Zoo.fingerprint(deps.bench().zoo().fileOf(id))) ? u.reason() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Which zoo files are not targets, for a stop or wait note; empty when every file is a target. */
    private String notTargets() {
        Map<String, String> skipped = Status.skipped(state);
        if (skipped.isEmpty()) return "";
        return "; " + Search.files(skipped.size()) + (skipped.size() == 1 ? " is not a target (" : " are not targets (")
                + String.join(", ", skipped.keySet()) + "; search status says why)";
    }

    private Behavior<Command> onZooChanged(ZooWatcher.Changed u) {
        StringBuilder news = new StringBuilder();
        u.index().skipped().forEach((id, why) -> {
            if (!why.equals(zoo.skipped().get(id))) news.append("; not a target: ").append(id).append(": ").append(why);
        });
        zoo = u.index();
        if (state.phase() != SearchState.Phase.STOPPED) {
            journal(new SearchEvent.ZooChanged(u.added(), u.removed(), u.index().skipped(), Instant.now().toString()));
        }
        report("zoo: +" + u.added().size() + " -" + u.removed().size() + " models" + news);
        if (waitingForZoo && !u.added().isEmpty()) {
            waitingForZoo = false;
            getContext().getSelf().tell(new Next());
        }
        return this;
    }

    private Behavior<Command> onDrain(Drain d) {
        drainReply = d.replyTo();
        drainReason = d.reason();
        for (WorkItem w : queue) keys.remove(w.move());
        queue.clear();
        report("stopping: waiting for " + inFlight.size() + " moves in flight");
        return drainIfIdle();
    }

    private Behavior<Command> drainIfIdle() {
        if (!inFlight.isEmpty() || assembling || planning) return this;
        if (state.phase() != SearchState.Phase.STOPPED) journal(new SearchEvent.Paused(drainReason, Instant.now().toString()));
        report("paused: " + drainReason);
        return finish();
    }

    private Behavior<Command> stop(String reason) {
        journal(new SearchEvent.Stopped(reason, Instant.now().toString()));
        report("stopped: " + reason);
        return finish();
    }

    /**
     * Something that may pass (a planner bug, a full disk) stops this process but not the search:
     * the run is paused with the reason, and {@code resume} tries again.
     */
    private Behavior<Command> pauseForError(String reason) {
        getContext().getLog().error("search paused: {}", reason);
        journal(new SearchEvent.Paused(ERROR + reason, Instant.now().toString()));
        report("paused: " + reason);
        return finish();
    }

    /** Prefix of the reason of a pause caused by an error (not by a stop request). */
    public static final String ERROR = "error: ";

    private Behavior<Command> finish() {
        if (drainReply != null) drainReply.tell(Done.getInstance());
        deps.reporter().tell(new Reporter.Final(state));
        return Behaviors.stopped();
    }

    private void report(String note) {
        deps.reporter().tell(new Reporter.Update(state, inFlight.size() + queue.size(), note));
    }
}
