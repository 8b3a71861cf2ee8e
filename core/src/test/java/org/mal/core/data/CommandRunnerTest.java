package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CommandRunnerTest {

    @BeforeAll
    static void needsSh() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "no /bin/sh");
    }

    @Test
    void capturesOutputAndExitCode() {
        List<String> cmd = List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3");
        CommandRunner.Result r = CommandRunner.SYSTEM.run(cmd, null, Duration.ofSeconds(20));
        assertTrue(r.started());
        assertFalse(r.ok());
        assertEquals(3, r.exitCode());
        assertTrue(r.output().contains("out") && r.output().contains("err"), r.output());
        assertTrue(r.describe(cmd).contains("exited with code 3"), r.describe(cmd));
    }

    @Test
    void stdinIsEmptySoReadersFinish() {
        CommandRunner.Result r = CommandRunner.SYSTEM.run(List.of("/bin/sh", "-c", "cat; echo done"), null, Duration.ofSeconds(20));
        assertTrue(r.ok(), r.output());
        assertEquals("done", r.output().strip());
    }

    @Test
    void slowCommandIsKilledAfterTheTimeout() {
        CommandRunner.Result r = CommandRunner.SYSTEM.run(List.of("/bin/sh", "-c", "sleep 30"), null, Duration.ofMillis(300));
        assertTrue(r.timedOut());
        assertFalse(r.ok());
    }

    @Test
    void missingProgramIsReportedAsNotStarted() {
        List<String> cmd = List.of("no-such-program-mal-test");
        CommandRunner.Result r = CommandRunner.SYSTEM.run(cmd, null, Duration.ofSeconds(5));
        assertFalse(r.started());
        assertTrue(r.describe(cmd).contains("could not run 'no-such-program-mal-test'"), r.describe(cmd));
    }

    @Test
    void tailKeepsTheLastLines() {
        CommandRunner.Result r = new CommandRunner.Result(true, 1, false, "a\nb\nc\nd\n");
        assertEquals("c\nd", r.tail(2));
    }
}
