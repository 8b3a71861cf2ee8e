package org.mal.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;

/**
 * The state of one search run as a pure value: the fold of its journal events ({@link #apply}).
 * The coordinator holds one, journals an event, then applies it; resuming is folding the journal
 * again. Nothing here does I/O.
 *
 * <p>A run proceeds in steps. A step is planned (its moves fixed and journaled), its moves get
 * results (evaluated, from the cache, or failed after their retries), then it is closed: the best
 * move by the objective is accepted or none is, and the next step starts from the resulting base.
 *
 * @param history every result of closed steps, in (step, canonical move) order, so that what a
 *     learning law sees does not depend on the order in which workers finished; when
 *     {@code bounded}, only those from the current base
 * @param planned the current step's moves (empty: not planned yet)
 * @param results the current step's outcomes by move
 * @param failed the current step's moves that failed for good, with the reason
 * @param attempts failures so far per move of the current step
 * @param lineage the accepted steps, oldest first
 * @param targetWeights the current step's results: the weights hash of the target each used, by
 *     move (when the event recorded it); carried into {@link Evaluated#targetWeights()}
 * @param skipped the zoo entries that are not targets, with the reason, as last journaled
 * @param unusable zoo models whose file failed to load deterministically, by id, until it changes
 * @param bounded {@code history} keeps only the results from the current base ({@link #withBoundedHistory()})
 */
public record SearchState(
        int run,
        String settings,
        ModelCard origin,
        double lossLimit,
        Map<String, String> evaluationData,
        Instant startedAt,
        ModelCard base,
        String baseBlob,
        int step,
        List<Move> planned,
        Map<Move, Outcome> results,
        Map<Move, String> failed,
        Map<Move, Integer> attempts,
        List<Evaluated> history,
        List<SearchEvent.StepClosed> lineage,
        int evaluations,
        int cacheHits,
        int failures,
        int idleSteps,
        String paused,
        String stopped,
        Map<Move, String> targetWeights,
        Map<String, String> skipped,
        Map<String, SearchEvent.ModelUnusable> unusable,
        boolean bounded) {

    public SearchState {
        // the current step's collections grow by one entry per event: kept in structures that share
        // what earlier states hold (StepMap, PlannedMoves), so a step of n results folds in O(n), not O(n²)
        planned = PlannedMoves.of(planned);
        results = StepMap.of(results);
        failed = StepMap.of(failed);
        attempts = StepMap.of(attempts);
        history = List.copyOf(history);
        lineage = List.copyOf(lineage);
        targetWeights = StepMap.of(targetWeights);
        skipped = Map.copyOf(skipped);
        unusable = Map.copyOf(unusable);
    }

    /** What a run is in, derived from the fields. */
    public enum Phase { PLANNING, EVALUATING, CLOSING, STOPPED }

    /** The state right after {@code started}. */
    public static SearchState begin(SearchEvent.Started s) {
        return new SearchState(s.run(), s.settings(), s.origin(), s.lossLimit(), s.evaluationData(), Instant.parse(s.at()),
                s.origin(), null, 0, List.of(), Map.of(), Map.of(), Map.of(), List.of(), List.of(), 0, 0, 0, 0, null, null, Map.of(), Map.of(),
                Map.of(), false);
    }

    /**
     * Folds a run's events, the first of which must be its {@link SearchEvent.Started}.
     *
     * @throws IllegalStateException naming the event that does not fit
     */
    public static SearchState fold(List<SearchEvent> events) {
        if (events.isEmpty() || !(events.get(0) instanceof SearchEvent.Started s)) {
            throw new IllegalStateException("a run's journal must begin with a 'started' event");
        }
        SearchState state = begin(s);
        for (SearchEvent e : events.subList(1, events.size())) state = state.apply(e);
        return state;
    }

    public Phase phase() {
        if (stopped != null) return Phase.STOPPED;
        if (planned.isEmpty()) return Phase.PLANNING;
        // O(1): results and failures are of planned moves, never both for one move (apply checks it)
        return results.size() + failed.size() >= ((PlannedMoves) planned).distinct() ? Phase.CLOSING : Phase.EVALUATING;
    }

    /** The current step's moves with no result yet, in plan order. */
    public List<Move> pending() {
        List<Move> out = new ArrayList<>();
        for (Move m : planned) if (!results.containsKey(m) && !failed.containsKey(m)) out.add(m);
        return out;
    }

    /** The base's content hash: the id that cache keys use. */
    public String baseHash() { return base.weightsHash(); }

    /** Seconds since the run started. */
    public double elapsedSeconds(Instant now) { return Math.max(0, (now.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0); }

    public SearchState apply(SearchEvent event) {
        Objects.requireNonNull(event);
        if (stopped != null && !(event instanceof SearchEvent.ZooChanged)) {
            throw new IllegalStateException("run " + run + " has stopped (" + stopped + "); no " + event.getClass().getSimpleName() + " can follow");
        }
        if (event instanceof SearchEvent.Started) {
            throw new IllegalStateException("run " + run + " is going on; a new run starts a new fold");
        }
        if (event instanceof SearchEvent.ZooChanged z) {
            Map<String, SearchEvent.ModelUnusable> u = new LinkedHashMap<>(unusable);
            u.keySet().removeAll(z.added());   // its file changed: usable again
            return withZoo(z.skipped() != null ? z.skipped() : skipped, u);
        }
        if (event instanceof SearchEvent.ModelUnusable m) {
            Map<String, SearchEvent.ModelUnusable> u = new LinkedHashMap<>(unusable);
            u.put(m.id(), m);
            return withZoo(skipped, u);
        }
        if (event instanceof SearchEvent.StepPlanned p) {
            require(p.step() == step, "planned step " + p.step() + " while at step " + step);
            require(planned.isEmpty(), "step " + step + " was planned already");
            require(!p.moves().isEmpty(), "step " + step + " was planned with no moves");
            require(p.baseHash().equals(baseHash()), "step " + step + " planned for base " + p.baseHash() + ", the base is " + baseHash());
            return with(p.moves(), results, failed, attempts, evaluations, cacheHits, failures);
        }
        if (event instanceof SearchEvent.MoveEvaluated m) {
            requireOpen(m.step(), m.move());
            Map<Move, Outcome> r = ((StepMap<Move, Outcome>) results).plus(m.move(), m.outcome());
            return with(planned, r, failed, attempts, evaluations + (m.cached() ? 0 : 1), cacheHits + (m.cached() ? 1 : 0), failures,
                    recording(m.move(), m.targetWeights()));
        }
        if (event instanceof SearchEvent.MoveFailed f) {
            requireOpen(f.step(), f.move());
            Map<Move, Integer> a = ((StepMap<Move, Integer>) attempts).plus(f.move(), attempts.getOrDefault(f.move(), 0) + 1);
            Map<Move, String> fl = f.giveUp() ? ((StepMap<Move, String>) failed).plus(f.move(), f.reason()) : failed;
            return with(planned, results, fl, a, evaluations, cacheHits, failures + 1, f.giveUp() ? recording(f.move(), f.targetWeights()) : targetWeights);
        }
        if (event instanceof SearchEvent.StepClosed c) return close(c);
        if (event instanceof SearchEvent.Paused p) {
            return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                    failed, attempts, history, lineage, evaluations, cacheHits, failures, idleSteps, p.reason(), null, targetWeights, skipped, unusable, bounded);
        }
        if (event instanceof SearchEvent.Resumed) {
            return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                    failed, attempts, history, lineage, evaluations, cacheHits, failures, idleSteps, null, null, targetWeights, skipped, unusable, bounded);
        }
        SearchEvent.Stopped s = (SearchEvent.Stopped) event;
        return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                failed, attempts, history, lineage, evaluations, cacheHits, failures, idleSteps, paused, s.reason(), targetWeights, skipped,
                unusable, bounded);
    }

    private SearchState close(SearchEvent.StepClosed c) {
        require(c.step() == step, "closed step " + c.step() + " while at step " + step);
        require(phase() == Phase.CLOSING, "step " + step + " closed with moves still pending: " + pending());
        // bounded: only the results from the base the next step plans from (none after an accepted move)
        List<Evaluated> h = new ArrayList<>(bounded && c.accepted() != null ? List.of() : history);
        if (!bounded || c.accepted() == null) h.addAll(closing());
        List<SearchEvent.StepClosed> l = lineage;
        ModelCard nextBase = base;
        String nextBlob = baseBlob;
        if (c.accepted() != null) {
            require(planned.contains(c.accepted()), "step " + step + " accepted a move it did not plan");
            require(c.assembly() != null && c.assemblyBlob() != null, "an accepted move needs its assembly");
            l = new ArrayList<>(lineage);
            l.add(c);
            nextBase = c.assembly();
            nextBlob = c.assemblyBlob();
        }
        return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, nextBase, nextBlob, step + 1, List.of(),
                Map.of(), Map.of(), Map.of(), h, l, evaluations, cacheHits, failures,
                c.accepted() == null ? idleSteps + 1 : 0, paused, null, Map.of(), skipped, unusable, bounded);
    }

    /**
     * The results the current step's close adds to the history: every planned move's evaluation or
     * failure, in canonical order, with the target weights it used.
     */
    public List<Evaluated> closing() {
        List<Evaluated> out = new ArrayList<>();
        for (Move m : inCanonicalOrder(planned)) {
            out.add((results.containsKey(m) ? results.get(m).evaluated(m) : Evaluated.failed(m, failed.get(m)))
                    .withTargetWeights(targetWeights.get(m)));
        }
        return out;
    }

    /**
     * This state with a bounded history (issue 22): from now on {@link #history()} holds only the
     * results from the current base (what excludes moves from being planned again), not every result
     * of the run; whoever learns from the whole history (an incremental planner) takes in each
     * step's {@link #closing()} results as the step closes.
     */
    public SearchState withBoundedHistory() {
        List<Evaluated> h = new ArrayList<>();
        for (Evaluated e : history) if (e.move().base().equals(base.id())) h.add(e);
        return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                failed, attempts, h, lineage, evaluations, cacheHits, failures, idleSteps, paused, stopped, targetWeights, skipped, unusable, true);
    }

    private SearchState with(List<Move> planned, Map<Move, Outcome> results, Map<Move, String> failed,
                             Map<Move, Integer> attempts, int evaluations, int cacheHits, int failures) {
        return with(planned, results, failed, attempts, evaluations, cacheHits, failures, targetWeights);
    }

    private SearchState with(List<Move> planned, Map<Move, Outcome> results, Map<Move, String> failed,
                             Map<Move, Integer> attempts, int evaluations, int cacheHits, int failures, Map<Move, String> weights) {
        return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                failed, attempts, history, lineage, evaluations, cacheHits, failures, idleSteps, paused, stopped, weights, skipped, unusable, bounded);
    }

    private SearchState withZoo(Map<String, String> skipped, Map<String, SearchEvent.ModelUnusable> unusable) {
        return new SearchState(run, settings, origin, lossLimit, evaluationData, startedAt, base, baseBlob, step, planned, results,
                failed, attempts, history, lineage, evaluations, cacheHits, failures, idleSteps, paused, stopped, targetWeights, skipped, unusable, bounded);
    }

    private Map<Move, String> recording(Move move, String weights) {
        if (weights == null) return targetWeights;
        return ((StepMap<Move, String>) targetWeights).plus(move, weights);
    }

    private void requireOpen(int s, Move move) {
        require(s == step, "a result for step " + s + " while at step " + step);
        require(planned.contains(move), "a result for a move step " + step + " did not plan: " + SearchJson.abbreviate(move.canonical()));
        require(!results.containsKey(move) && !failed.containsKey(move), "a second result for " + SearchJson.abbreviate(move.canonical()));
    }

    /** The moves sorted by their canonical encoding: the order results enter the history and ties are broken in. */
    public static List<Move> inCanonicalOrder(Collection<Move> moves) {
        Map<String, Move> byCanonical = new TreeMap<>();
        for (Move m : moves) byCanonical.put(m.canonical(), m);
        return new ArrayList<>(byCanonical.values());
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalStateException(message);
    }
}
