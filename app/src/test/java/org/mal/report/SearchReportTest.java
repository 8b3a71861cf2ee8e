package org.mal.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchStateTest;
import org.mal.policies.Move;

class SearchReportTest {
    @TempDir Path dir;

    /** A run of {@code steps} steps, each accepting its one move with a score that goes up and down. */
    static List<SearchEvent> longRun(int steps) {
        List<SearchEvent> events = new ArrayList<>(List.of(SearchStateTest.started()));
        String base = SearchStateTest.ORIGIN.weightsHash();
        for (int k = 0; k < steps; k++) {
            Move m = SearchStateTest.move("t" + k, "0:0");
            double lambda = 0.1 + (k * 7 % 11) / 20.0;
            events.add(new SearchEvent.StepPlanned(k, base, List.of(m)));
            events.add(new SearchEvent.MoveEvaluated(k, m, "k" + k, SearchStateTest.outcome(lambda), false, "w"));
            base = "h" + (k + 1);
            events.add(new SearchEvent.StepClosed(k, m, lambda, SearchStateTest.card("o~" + k, base), "blob" + k));
        }
        return events;
    }

    static List<String> curves(Path report) throws Exception {
        try (var l = Files.list(report)) {
            return l.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
        }
    }

    @Test
    void aLongSearchIsSummarisedAndAllDrawsEveryStep() throws Exception {
        List<SearchEvent> run = longRun(10);
        Path out = dir.resolve("report");
        SearchReport.Written summary = SearchReport.write(run, dir, out, new SearchReport.Options(2, false));
        assertEquals(6, curves(out).size(), "loss and accuracy of the 2 best accepted moves and of the last: " + curves(out));
        assertTrue(curves(out).contains("step-9-loss.png"), "the last step, the base the search ended on");
        assertTrue(Files.isRegularFile(out.resolve("accepted-loss-spread.png")) && Files.isRegularFile(out.resolve("accepted-moves.png")));
        assertEquals(6 + 4, summary.images().size(), "and the objective, the spread, the accepted moves and the heat map");
        String html = Files.readString(out.resolve("index.html"));
        assertTrue(html.contains("--all") && html.contains("o~3"), "every accepted move is in the lineage table, drawn or not");

        SearchReport.Written all = SearchReport.write(run, dir, out, SearchReport.Options.ALL);
        assertEquals(20, curves(out).size());
        assertEquals(20 + 2, all.images().size(), "and the objective and the heat map");

        SearchReport.write(run, dir, out, new SearchReport.Options(2, false));
        assertEquals(6, curves(out).size(), "a summary after --all leaves no stale curves behind");
    }

    @Test
    void theHeatMapAveragesStepsInEqualRuns() {
        int[] first = SearchReport.columns(100, 40);
        assertEquals(40, first.length);
        assertEquals(0, first[0]);
        for (int c = 1; c < first.length; c++) assertTrue(first[c] - first[c - 1] == 2 || first[c] - first[c - 1] == 3, "runs of 2 or 3");
        assertTrue(first[39] < 100 && 100 - first[39] <= 3);
        assertArrayEquals(new int[] {0, 1, 2}, SearchReport.columns(3, 40), "a short search: one step a column");
    }
}
