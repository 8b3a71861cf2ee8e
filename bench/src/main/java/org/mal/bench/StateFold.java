package org.mal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.Median;
import org.mal.engine.Outcome;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchState;
import org.mal.policies.Move;

/**
 * How fast {@link SearchState#apply} folds a step's results (issue 22, RESULTS §33): for each
 * number of moves per step, a run of synthetic events (a plan of N moves, N results, a close that
 * accepts nothing) is folded as a resume folds the journal, and the results folded per second are
 * printed (median of {@code ROUNDS} rounds after one warm-up). A fold that copies the step's result
 * map for each result is quadratic: its rate falls as N grows; a linear one keeps it flat.
 *
 * <p>Usage: {@code StateFold [STEPS=4] [ROUNDS=5] [N...=250 1000 4000]}.
 */
public final class StateFold {
    private StateFold() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<Integer> sizes = new ArrayList<>();
        for (int k = 2; k < args.length; k++) sizes.add(Integer.parseInt(args[k]));
        if (sizes.isEmpty()) sizes = List.of(250, 1000, 4000);
        System.out.printf(Locale.ROOT, "SearchState fold: %d steps per run, median of %d rounds, %d cores%n", steps, rounds,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| moves per step | results folded/s | µs per result |");
        System.out.println("| ---: | ---: | ---: |");
        for (int n : sizes) {
            List<SearchEvent> events = events(steps, n);
            fold(events);   // warm-up
            List<Double> rates = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                SearchState s = fold(events);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (s.step() != steps || s.evaluations() != steps * n) throw new IllegalStateException("the fold went wrong: " + s.step());
                rates.add(steps * n / sec);
            }
            double rate = Median.of(rates);
            System.out.printf(Locale.ROOT, "| %d | %.0f | %.1f |%n", n, rate, 1e6 / rate);
        }
    }

    private static SearchState fold(List<SearchEvent> events) {
        SearchState s = SearchState.begin((SearchEvent.Started) events.get(0)).withBoundedHistory();
        for (int i = 1; i < events.size(); i++) s = s.apply(events.get(i));
        return s;
    }

    static List<SearchEvent> events(int steps, int n) {
        ModelCard origin = new ModelCard("o", Architecture.mlp(784, List.of(64, 64, 64), 10), "custom",
                new ModelCard.DatasetRef("mnist", "tr", "th", "te", "eh"), null, new Metrics(0.5, 0.9, 10), null, null, null, "h0");
        List<SearchEvent> out = new ArrayList<>();
        out.add(new SearchEvent.Started(1, "search { base = o }", origin, 0.2, Map.of("mnist", "d"), "2026-12-02T10:00:00Z"));
        Lmc.Curve c = new Lmc.Curve(new double[] {0.1, 0.3}, new double[] {0.9, 0.7});
        Lmc.Report report = new Lmc.Report(new double[] {0, 1}, List.of(new Lmc.TaskCurves("mnist", "d", c, c)), 0.05, 0, 0, 0.2, 0.2, 1,
                0.5, Map.of("mnist", 0.9));
        Outcome outcome = new Outcome(report, 0.5, 0.1, Map.of("mnist", 0.85), "weight", 1.0, 0.01, null);
        for (int s = 0; s < steps; s++) {
            List<Move> moves = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                moves.add(new Move("o", "t" + (k % 997), "0:0,1:" + (k / 997) + ",2:2", "weight", Move.canonicalMap(Map.of()), "convex",
                        Move.canonicalMap(Map.of()), "fixed", Move.canonicalMap(Map.of("value", 0.5))));
            }
            out.add(new SearchEvent.StepPlanned(s, "h0", moves));
            for (Move m : moves) out.add(new SearchEvent.MoveEvaluated(s, m, "k", outcome, false, "w", "tw"));
            out.add(new SearchEvent.StepClosed(s, null, Double.NaN, null, null));
        }
        return out;
    }
}
