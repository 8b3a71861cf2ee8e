package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.merge.Lmc;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;

class LearningCheckCommandTest {

    @TempDir static Path dir;

    private static LearningCheckCommand command(Path file, int grid) {
        LearningCheckCommand c = new LearningCheckCommand();
        c.grid = grid;
        c.rows = 100;
        c.evaluationsFile = file;
        return c;
    }

    @Test
    void evaluationsAreCachedInAStoreReusedForTheSameInputsAndKeptForOthers() throws Exception {
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        ZooIndex index = ZooIndex.from(zoo);
        Path store = dir.resolve("ev/store");
        StringWriter log = new StringWriter();
        var first = command(store, 5).evaluations(zoo, index, Lmc.grid(5), t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(log, true));
        int candidates = first.values().stream().mapToInt(Map::size).sum();
        assertTrue(log.toString().contains("evaluations: 0 read from " + store + ", " + candidates + " computed and cached there"),
                log.toString());
        assertEquals(index.size(), first.size(), "every base");

        log = new StringWriter();
        var again = command(store, 5).evaluations(zoo, index, Lmc.grid(5), t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(log, true));
        assertTrue(log.toString().contains("evaluations: " + candidates + " read from " + store + ", 0 computed"), log.toString());
        for (String base : first.keySet()) {
            for (var e : first.get(base).entrySet()) {
                assertEquals(e.getValue().report().lambdaStar(), again.get(base).get(e.getKey()).report().lambdaStar(), base + " " + e.getKey());
                assertArrayEquals(e.getValue().report().tasks().get(0).aligned().loss(),
                        again.get(base).get(e.getKey()).report().tasks().get(0).aligned().loss(), 0.0);
            }
        }

        // other settings have other keys: computed, and what was cached for the first stays
        log = new StringWriter();
        command(store, 3).evaluations(zoo, index, Lmc.grid(3), t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(log, true));
        assertTrue(log.toString().contains("0 read from") && log.toString().contains(candidates + " computed"), log.toString());
        log = new StringWriter();
        command(store, 5).evaluations(zoo, index, Lmc.grid(5), t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(log, true));
        assertTrue(log.toString().contains(candidates + " read from"), "the grid-5 evaluations are still there: " + log);
        LearningCheckCommand recompute = command(store, 5);
        recompute.recompute = true;
        log = new StringWriter();
        recompute.evaluations(zoo, index, Lmc.grid(5), t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(log, true));
        assertTrue(log.toString().contains("0 read from") && log.toString().contains(candidates + " computed"), log.toString());

        // a file where the store should be: named, with what to give instead
        Path file = dir.resolve("ev/evaluations.json");
        Files.writeString(file, "{}");
        var bad = assertThrows(IllegalArgumentException.class, () -> command(file, 3).evaluations(zoo, index, Lmc.grid(3),
                t -> SearchFixture.TASKS.get(t).test(), new PrintWriter(new StringWriter(), true)));
        assertTrue(bad.getMessage().contains(file.toString()) && bad.getMessage().contains("folder"), bad.getMessage());
    }

    @Test
    void aPolicyThatSaysSeedIsRunOncePerSeedAndSelfReferencesStillResolve() throws Exception {
        ZooIndex index = ZooIndex.from(SearchFixture.zoo(dir.resolve("zoo")));
        PolicyContext ctx = new PolicyContext(index.require(SearchFixture.BASE), index);
        assertEquals(1, LearningCheckCommand.learners("policy { laws = [ { name = experience } ] }", 5).size());
        List<Policy> seeded = LearningCheckCommand.learners("policy { laws = [ { name = experience, seed = ${seed} } ] }", 3);
        assertEquals(3, seeded.size());
        List<List<String>> orders = seeded.stream().map(p -> p.propose(ctx).stream().map(x -> x.move().canonical()).toList()).toList();
        assertNotEquals(orders.get(0), orders.get(1));
        assertNotEquals(orders.get(1), orders.get(2));
        List<Policy> appended = LearningCheckCommand.learners("""
                policy { laws = [ { name = strong-base } ] }
                policy.laws += { name = experience, seed = ${?seed} }""", 2);
        assertEquals(2, appended.size());
        assertEquals(List.of("strong-base", "experience"), appended.get(1).laws().stream().map(w -> w.law().name()).toList());
    }

    @Test
    void replayCountsEvaluationsUntilTheFirstBestMove() throws Exception {
        ZooIndex index = ZooIndex.from(SearchFixture.zoo(dir.resolve("zoo")));
        ModelCard base = index.require(SearchFixture.BASE);
        Policy canonical = Policy.parse("policy { laws = [] }");
        List<Move> order = canonical.propose(new PolicyContext(base, index)).stream().map(Policy.Proposal::move).toList();
        // λ* = 0.1 everywhere except the 5th (0.3, near-best at one 0.25 step) and the 9th move of the canonical order (0.5, best)
        Map<String, Evaluated> results = new java.util.HashMap<>();
        List<Double> values = new ArrayList<>();
        for (int k = 0; k < order.size(); k++) {
            double l = k == 8 ? 0.5 : k == 4 ? 0.3 : 0.1;
            values.add(l);
            Move m = order.get(k);
            results.put(m.target() + "|" + m.layerMap(), Evaluated.ok(m, report(l)));
        }
        List<Double> run = LearningCheckCommand.replay(canonical, base, index, results, 0.5);
        assertEquals(values.subList(0, 9), run, "stops at the best move");
        assertEquals(9, LearningCheckCommand.firstAtLeast(run, 0.5, order.size()));
        assertEquals(5, LearningCheckCommand.firstAtLeast(run, 0.5 - 0.25 - 1e-9, order.size()));
        assertEquals(0.1, LearningCheckCommand.bestWithin(run, 4));
        assertEquals(0.3, LearningCheckCommand.bestWithin(run, 5));
        assertEquals(0.5, LearningCheckCommand.bestWithin(run, 50), "a run that stopped at the best keeps it");
        // a policy whose laws reject the best move never reaches it: candidates + 1
        List<Double> filtered = LearningCheckCommand.replay(new Policy(canonical.candidates(), List.of(new Policy.WeightedLaw(
                new OnlyOtherTargets(order.get(8).target()), 1.0)), canonical.objective(), 0), base, index, results, 0.5);
        assertEquals(order.size() + 1, LearningCheckCommand.firstAtLeast(filtered, 0.5, order.size()));
        assertTrue(filtered.size() < order.size(), "it stops when nothing new is proposed");
    }

    /** A law that rejects every move to one target. */
    record OnlyOtherTargets(String excluded) implements org.mal.policies.Law {
        @Override public String name() { return "only-other-targets"; }
        @Override public boolean admits(Move move, org.mal.policies.MoveFeatures f, PolicyContext ctx) { return !move.target().equals(excluded); }
    }

    private static Lmc.Report report(double lambdaStar) {
        Lmc.Curve c = new Lmc.Curve(new double[] {0.3, 0.4, 0.6}, new double[] {0.9, 0.9, 0.5});
        return new Lmc.Report(Lmc.grid(3), List.of(new Lmc.TaskCurves("blobs", "h", c, c)), 0.05, 0.1, 0.2, 0.4, 0.5, 0.8, lambdaStar,
                Map.of("blobs", 0.9));
    }

    @Test
    void medianOfEvenAndOddCounts() {
        assertEquals(2.0, LearningCheckCommand.median(List.of(3, 1, 2)));
        assertEquals(2.5, LearningCheckCommand.median(List.of(4, 1, 3, 2)));
    }
}
