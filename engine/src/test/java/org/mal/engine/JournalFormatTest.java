package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.model.ModelCard;
import org.mal.policies.Move;

/**
 * The journal's format, pinned: one event of every kind, written by today's code, must be exactly
 * the lines of {@code golden/journal-format.jsonl}. A change here is a change of what every store
 * holds: make it a visible decision (update the golden file in the same commit, and keep reading the
 * old lines: {@code app}'s {@code GoldenJournalTest} resumes a journal written before the redesign).
 */
class JournalFormatTest {
    static List<SearchEvent> events() {
        Move a = SearchStateTest.move("t1", "0:0");
        Move b = SearchStateTest.move("t2", "0:0,1:1");
        ModelCard asm = SearchStateTest.card("o~1", "h1");
        Outcome o = SearchStateTest.outcome(0.25);
        Outcome hashed = new Outcome(o.report(), o.lambda(), o.loss(), o.accuracy(), o.aligner(), o.alignObjective(), o.seconds(),
                "ab".repeat(32));
        return List.of(SearchStateTest.started(),
                new SearchEvent.ZooChanged(List.of("n"), List.of("g"), "2026-11-22T10:00:01Z"),
                new SearchEvent.ZooChanged(List.of(), List.of(), java.util.Map.of("i", "no model card"), "2026-11-22T10:00:01Z"),
                new SearchEvent.ModelUnusable("t3", "100:1a2b3c4d", "the weights hash to x but the model card says y", "2026-11-22T10:00:01Z"),
                new SearchEvent.StepPlanned(0, "h0", List.of(a, b)),
                new SearchEvent.MoveFailed(0, a, 1, "NaN weights", false, "w1"),
                new SearchEvent.MoveEvaluated(0, a, "k", hashed, false, "worker-0", "w1"),
                new SearchEvent.MoveEvaluated(0, b, "k2", o, true, "cache", null),
                new SearchEvent.StepClosed(0, a, 0.25, asm, "blob1"),
                new SearchEvent.StepClosed(1, null, Double.NaN, null, null, "weights differ"),
                new SearchEvent.Paused("SIGTERM", "2026-11-22T10:00:02Z"),
                new SearchEvent.Resumed("2026-11-22T10:00:03Z"),
                new SearchEvent.Stopped("budget: 2 steps", "2026-11-22T10:00:04Z"));
    }

    @Test
    void todaysWriterWritesTheGoldenLinesAndReadsThemBack() throws IOException {
        List<String> golden = new ArrayList<>();
        try (InputStream in = JournalFormatTest.class.getResourceAsStream("/golden/journal-format.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) if (!line.isBlank()) golden.add(line);
        }
        List<String> written = events().stream().map(SearchJson::write).toList();
        assertEquals(golden.size(), written.size());
        for (int k = 0; k < golden.size(); k++) {
            assertEquals(golden.get(k), written.get(k), "event " + k + " is written as the golden file says");
            assertEquals(golden.get(k), SearchJson.write(SearchJson.read(golden.get(k), SearchEvent.class)), "and read back unchanged");
        }
    }
}
