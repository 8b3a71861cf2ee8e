package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.policies.Move;

public class SearchStateTest {

    public static ModelCard card(String id, String hash) {
        return new ModelCard(id, Architecture.mlp(12, List.of(8, 8), 3), "custom",
                new ModelCard.DatasetRef("blobs", "tr", "th", "te", "eh"), null, new Metrics(0.5, 0.9, 10), null, null, null, hash);
    }

    public static final ModelCard ORIGIN = card("o", "h0");

    public static Move move(String target, String map) {
        return new Move("o", target, map, "weight", Move.canonicalMap(Map.of()), "convex", Move.canonicalMap(Map.of()), "fixed",
                Move.canonicalMap(Map.of("value", 0.5)));
    }

    public static Outcome outcome(double lambda) {
        Lmc.Curve c = new Lmc.Curve(new double[] {0.1, 0.3}, new double[] {0.9, 0.7});
        Lmc.Report r = new Lmc.Report(new double[] {0, 1}, List.of(new Lmc.TaskCurves("blobs", "d", c, c)), 0.05, 0, 0, 0.2, 0.2, 1,
                lambda, Map.of("blobs", 0.9));
        return new Outcome(r, lambda, 0.1, Map.of("blobs", 0.9 - lambda / 10), "weight", 1.0, 0.01, null);
    }

    public static SearchEvent.Started started() {
        return new SearchEvent.Started(1, "search { base = o }", ORIGIN, 0.2, Map.of("blobs", "d"), "2026-11-22T10:00:00Z");
    }

    @Test
    void aStepGoesFromPlanningThroughEvaluatingToClosing() {
        Move a = move("t1", "0:0");
        Move b = move("t2", "0:0");
        SearchState s = SearchState.begin(started());
        assertEquals(SearchState.Phase.PLANNING, s.phase());
        s = s.apply(new SearchEvent.StepPlanned(0, "h0", List.of(a, b)));
        assertEquals(SearchState.Phase.EVALUATING, s.phase());
        assertEquals(List.of(a, b), s.pending());
        s = s.apply(new SearchEvent.MoveEvaluated(0, b, "k", outcome(0.4), true, "cache"));
        s = s.apply(new SearchEvent.MoveFailed(0, a, 1, "boom", false));
        assertEquals(List.of(a), s.pending(), "a failure that will be retried leaves the move pending");
        s = s.apply(new SearchEvent.MoveFailed(0, a, 2, "boom", true));
        assertEquals(SearchState.Phase.CLOSING, s.phase());
        assertEquals(1, s.cacheHits());
        assertEquals(0, s.evaluations());
        assertEquals(2, s.failures());
        ModelCard asm = card("o~1", "h1");
        s = s.apply(new SearchEvent.StepClosed(0, b, 0.4, asm, "blob1"));
        assertEquals(1, s.step());
        assertEquals(SearchState.Phase.PLANNING, s.phase());
        assertEquals("h1", s.baseHash());
        assertEquals("blob1", s.baseBlob());
        assertEquals(1, s.lineage().size());
        assertEquals(2, s.history().size());
        assertTrue(s.history().stream().anyMatch(e -> !e.succeeded() && e.failure().equals("boom")));
        assertEquals(0.4, s.history().stream().filter(e -> e.succeeded()).findFirst().orElseThrow().report().lambdaStar(),
                "what laws see is the λ the move's policy chose");
    }

    @Test
    void eventsThatDoNotFitAreRefusedWithTheReason() {
        Move a = move("t1", "0:0");
        SearchState s = SearchState.begin(started()).apply(new SearchEvent.StepPlanned(0, "h0", List.of(a)));
        SearchState planned = s;
        assertThrows(IllegalStateException.class, () -> planned.apply(new SearchEvent.MoveEvaluated(0, move("zz", "0:0"), "k", outcome(0.1), false, "w")));
        assertThrows(IllegalStateException.class, () -> planned.apply(new SearchEvent.StepClosed(0, null, Double.NaN, null, null)),
                "a step with a pending move cannot close");
        SearchState done = s.apply(new SearchEvent.MoveEvaluated(0, a, "k", outcome(0.1), false, "w"));
        var second = assertThrows(IllegalStateException.class, () -> done.apply(new SearchEvent.MoveEvaluated(0, a, "k", outcome(0.2), false, "w")));
        assertTrue(second.getMessage().contains("second result"), second.getMessage());
        assertThrows(IllegalStateException.class, () -> SearchState.begin(started()).apply(new SearchEvent.StepPlanned(0, "other", List.of(a))),
                "a plan for another base");
        SearchState stopped = done.apply(new SearchEvent.Stopped("budget", "2026-11-22T10:00:01Z"));
        assertEquals(SearchState.Phase.STOPPED, stopped.phase());
        assertThrows(IllegalStateException.class, () -> stopped.apply(new SearchEvent.Resumed("x")));
    }

    @Test
    void theHistoryDoesNotDependOnTheOrderResultsArrived() {
        List<Move> moves = new ArrayList<>();
        for (int k = 0; k < 6; k++) moves.add(move("t" + k, "0:0"));
        SearchState reference = null;
        for (int seed = 0; seed < 5; seed++) {
            List<Move> order = new ArrayList<>(moves);
            Collections.shuffle(order, new Random(seed));
            SearchState s = SearchState.begin(started()).apply(new SearchEvent.StepPlanned(0, "h0", moves));
            for (Move m : order) s = s.apply(new SearchEvent.MoveEvaluated(0, m, "k", outcome(0.1 * moves.indexOf(m)), false, "w"));
            s = s.apply(new SearchEvent.StepClosed(0, null, Double.NaN, null, null));
            if (reference == null) reference = s;
            assertEquals(reference.history().stream().map(e -> e.move().canonical()).toList(),
                    s.history().stream().map(e -> e.move().canonical()).toList());
        }
        assertEquals(1, reference.idleSteps());
    }

    @Test
    void everyEventRoundTripsThroughTheJournalsJson() {
        Move a = move("t1", "0:0");
        List<SearchEvent> events = List.of(started(),
                new SearchEvent.ZooChanged(List.of("n"), List.of(), "t"),
                new SearchEvent.StepPlanned(0, "h0", List.of(a)),
                new SearchEvent.MoveFailed(0, a, 1, "x", false),
                new SearchEvent.MoveEvaluated(0, a, "k", outcome(0.25), false, "w"),
                new SearchEvent.StepClosed(0, null, Double.NaN, null, null),
                new SearchEvent.Paused("SIGTERM", "t"),
                new SearchEvent.Resumed("t"),
                new SearchEvent.Stopped("budget", "t"));
        List<SearchEvent> back = new ArrayList<>();
        for (SearchEvent e : events) back.add(SearchJson.read(SearchJson.write(e), SearchEvent.class));
        SearchState x = SearchState.fold(events);
        SearchState y = SearchState.fold(back);
        assertEquals(x.stopped(), y.stopped());
        assertEquals(x.history().size(), y.history().size());
        assertEquals(x.history().get(0).report().lambdaStar(), y.history().get(0).report().lambdaStar());
        assertNull(y.paused());
        assertTrue(SearchJson.write(events.get(5)).contains("NaN"), "a NaN score is written and read back");
    }

    @Test
    void theTargetWeightsOfEachResultReachTheHistoryAndOlderJournalsWithoutThemStillRead() {
        Move a = move("t1", "0:0"), b = move("t2", "0:0"), c = move("t3", "0:0");
        List<SearchEvent> events = List.of(started(),
                new SearchEvent.StepPlanned(0, "h0", List.of(a, b, c)),
                new SearchEvent.MoveEvaluated(0, a, "k", outcome(0.25), false, "w", "wa"),
                new SearchEvent.MoveFailed(0, b, 1, "x", true, "wb"),
                new SearchEvent.MoveEvaluated(0, c, "k", outcome(0.5), false, "w"),
                new SearchEvent.StepClosed(0, null, Double.NaN, null, null));
        List<SearchEvent> back = new ArrayList<>();
        for (SearchEvent e : events) back.add(SearchJson.read(SearchJson.write(e), SearchEvent.class));
        for (SearchState s : List.of(SearchState.fold(events), SearchState.fold(back))) {
            java.util.Map<String, String> w = new java.util.HashMap<>();
            s.history().forEach(e -> w.put(e.move().target(), e.targetWeights()));
            assertEquals("wa", w.get("t1"));
            assertEquals("wb", w.get("t2"));
            assertNull(w.get("t3"));
            assertTrue(s.targetWeights().isEmpty(), "the step's record is cleared when it closes");
        }
        // a journal line written before the field existed
        String old = SearchJson.write(events.get(4)).replace(",\"targetWeights\":null", "");
        org.junit.jupiter.api.Assertions.assertFalse(old.contains("targetWeights"), old);
        SearchEvent read = SearchJson.read(old, SearchEvent.class);
        assertNull(((SearchEvent.MoveEvaluated) read).targetWeights());
        assertEquals(SearchJson.write(events.get(4)), SearchJson.write(read));
    }
}
