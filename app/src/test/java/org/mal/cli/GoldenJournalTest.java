package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mal.actors.Search;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchState;

/**
 * A search folder written by the code before the redesign (issue 15; {@code golden/journal-v1},
 * see its README): the journal still reads line by line, folds to the state it had, resumes to the
 * end of its budget and is reported.
 */
class GoldenJournalTest {
    /** Where the old search's settings say its zoo is: the folder is copied there. */
    static final Path ROOT = Path.of("/tmp/mal-golden-journal-v1");

    @BeforeEach
    void copy() throws IOException, URISyntaxException {
        delete();
        Path golden = Path.of(GoldenJournalTest.class.getResource("/golden/journal-v1/README.md").toURI()).getParent();
        try (Stream<Path> files = Files.walk(golden)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = ROOT.resolve(golden.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @AfterEach
    void delete() throws IOException {
        if (!Files.exists(ROOT)) return;
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void everyLineOfTheOldJournalReadsAndFoldsToThePausedRun() throws IOException {
        List<SearchEvent> events = new ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("journal.jsonl"))) events.add(SearchJson.read(line, SearchEvent.class));
        SearchState s = SearchState.fold(events);
        assertEquals("stop requested", s.paused());
        assertNull(s.stopped());
        assertEquals(1, s.step());
        assertEquals(6, s.evaluations());
        assertEquals(1, s.lineage().size());
        assertEquals(SearchState.Phase.CLOSING, s.phase(), "every move of step 1 has its result");
        assertNull(s.lineage().get(0).failure(), "a field the old journal did not have reads as absent");
        SearchState fromStore = SearchFolder.inspect(ROOT.resolve("search")).last();
        assertEquals(s.baseHash(), fromStore.baseHash(), "the store's journal is the same journal");
        assertEquals(s.planned(), fromStore.planned());
        assertEquals(s.results().keySet(), fromStore.results().keySet());
        for (SearchEvent e : events) {
            String written = SearchJson.write(e);
            assertEquals(written, SearchJson.write(SearchJson.read(written, SearchEvent.class)), "today's codec reads what it writes");
        }
    }

    @Test
    void theOldSearchResumesToTheEndOfItsBudgetAndIsReported() throws Exception {
        SearchState s = Search.resume(ROOT.resolve("search"), SearchFixture.TASK_FN, Search.Options.quiet());
        assertEquals("budget: 4 steps", s.stopped());
        assertEquals(4, s.step());
        assertTrue(s.lineage().size() >= 1, "the accepted move of the old code is still in the lineage");
        assertTrue(s.evaluations() > 6, "the new code evaluated the remaining steps");

        CliRun status = CliRun.of("search", "status", ROOT.resolve("search").toString());
        assertEquals(0, status.exitCode(), status.err());
        CliRun report = CliRun.of("report", ROOT.resolve("search").toString());
        assertEquals(0, report.exitCode(), report.err());
        String html = Files.readString(ROOT.resolve("search").resolve("report").resolve("index.html"));
        for (var c : s.lineage()) assertTrue(html.contains(c.assembly().id()), "every accepted step is in the report: " + c.assembly().id());
    }
}
