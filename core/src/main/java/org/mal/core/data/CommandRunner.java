package org.mal.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command (apt-get, npm, tar) for {@link DataFetcher}. Tests substitute their own
 * implementation so that no network or root is needed.
 */
public interface CommandRunner {

    /**
     * The outcome of a command.
     *
     * @param started false when the program could not be started at all (e.g. not installed)
     * @param exitCode the exit code; -1 when not started or killed after the timeout
     * @param output stdout and stderr interleaved, or why it did not start
     */
    record Result(boolean started, int exitCode, boolean timedOut, String output) {
        public boolean ok() { return started && !timedOut && exitCode == 0; }

        /** The last {@code lines} lines of the output. */
        public String tail(int lines) {
            String[] all = output.strip().split("\n");
            int from = Math.max(0, all.length - lines);
            return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
        }

        /** One-paragraph account of a failure: exit code or timeout, and the last output lines. */
        public String describe(List<String> command) {
            String what = String.join(" ", command);
            if (!started) return "could not run '" + what + "': " + output;
            String how = timedOut ? "timed out and was killed" : "exited with code " + exitCode;
            String tail = tail(15);
            return "'" + what + "' " + how + (tail.isEmpty() ? "" : "; last output:\n" + tail.indent(4).stripTrailing());
        }
    }

    /** Runs {@code command} in {@code workDir} (null: the current one) and waits at most {@code timeout}. */
    Result run(List<String> command, Path workDir, Duration timeout);

    /**
     * Runs real processes: empty stdin (closed at once), stdout and stderr captured together in a
     * temporary file that is deleted afterwards, {@code DEBIAN_FRONTEND=noninteractive} set, the
     * process killed after the timeout.
     */
    CommandRunner SYSTEM = (command, workDir, timeout) -> {
        Path log;
        try {
            log = Files.createTempFile("mal-command-", ".log");
        } catch (IOException e) {
            return new Result(false, -1, false, "cannot create a temporary file for the output: " + e.getMessage());
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            if (workDir != null) pb.directory(workDir.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                return new Result(false, -1, false, e.getMessage());
            }
            process.getOutputStream().close();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                return new Result(true, -1, true, "interrupted while waiting");
            }
            if (!finished) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return new Result(true, finished ? process.exitValue() : -1, !finished, output);
        } catch (IOException e) {
            return new Result(true, -1, false, "I/O error around the command: " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    };
}
