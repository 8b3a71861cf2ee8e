package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchState;
import org.mal.engine.SearchStateTest;
import org.mal.engine.Status;

class ReporterTest {
    static final ActorTestKit kit = ActorTestKit.create("reporter-test");
    @TempDir Path dir;

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @Test
    void keepsStatusJsonCurrentAndStopsAfterTheFinalState() throws Exception {
        AtomicReference<SearchState> seen = new AtomicReference<>();
        var reporter = kit.spawn(Reporter.create(dir, null, 0, false, 0, seen::set));
        SearchState s = SearchState.begin(SearchStateTest.started())
                .apply(new SearchEvent.StepPlanned(0, "h0", List.of(SearchStateTest.move("t1", "0:0"))));
        reporter.tell(new Reporter.Update(s, 1, "step 0 planned"));
        Path file = dir.resolve(Reporter.STATUS_FILE);
        TestProbe<Object> probe = kit.createTestProbe();
        probe.awaitAssert(() -> {
            assertTrue(Files.isRegularFile(file));
            Status st = SearchJson.read(readQuietly(file), Status.class);
            assertEquals("evaluating", st.phase());
            assertEquals(1, st.inFlight());
            return null;
        });
        SearchState stopped = s.apply(new SearchEvent.Stopped("budget", "2026-11-22T10:00:00Z"));
        reporter.tell(new Reporter.Final(stopped));
        probe.expectTerminated(reporter);
        Status st = SearchJson.read(Files.readString(file), Status.class);
        assertEquals("stopped", st.phase());
        assertEquals("budget", st.stopped());
        assertEquals(stopped, seen.get());
    }

    private static String readQuietly(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
