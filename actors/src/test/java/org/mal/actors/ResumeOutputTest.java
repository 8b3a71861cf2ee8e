package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchState;

/** What a resume prints in a fresh JVM, as {@code ./mal search resume} runs it. */
class ResumeOutputTest {
    @Test
    void aResumeInAFreshJvmPrintsNoSlf4jReplayWarning(@TempDir Path dir) throws Exception {
        var zoo = SearchFixture.zoo(dir.resolve("zoo"));
        Search.Options options = Search.Options.quiet();
        options.stop().complete(null);   // paused as soon as it starts: the resume has the whole run to do
        SearchState paused = Search.start(SearchRunTest.killSettings(zoo.dir()), dir.resolve("s"), SearchFixture.TASK_FN, options);
        assertEquals("stop requested", paused.paused());

        Path log = dir.resolve("resume.log");
        Process child = SearchChild.start(log, "resume", dir.resolve("s").toString(), zoo.dir().toString(), "0");
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the resume did not finish");
        String out = Files.readString(log);
        assertTrue(out.contains("finished budget"), out);
        // SLF4J's "A number (1) of logging calls during the initialization phase have been intercepted ..." (3 lines)
        assertFalse(out.contains("SLF4J"), out);
    }
}
