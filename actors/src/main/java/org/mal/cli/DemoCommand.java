package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mal.core.data.DataDir;
import org.mal.core.data.FetchReport;
import org.mal.core.zoo.Zoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on an embedded default: obtain the data if it is missing, train the default zoo if it
 * is missing (cached afterwards), print the zoo. The search and its report join it when they exist.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job: fetch the data if missing, train the default zoo if missing "
                + "(kept afterwards), and print it.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", description = "Zoo config (default: conf/zoo-default.conf of this MAL installation).")
    Path conf;

    @Option(names = "--zoo", description = "Zoo folder (default: zoos/<zoo.name>).")
    Path zooDir;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        long started = System.nanoTime();
        DataDir dataDir = data.dir();
        if (!DataDir.KNOWN.stream().allMatch(dataDir::isPresent)) {
            out.println("== data: fetching into " + data.path);
            FetchReport report = DataCommand.fetch(data.path, Optional.empty(), out);
            if (!report.complete()) throw new IllegalStateException("the data is incomplete; see the report above");
        } else {
            out.println("== data: present in " + data.path);
        }

        Path confFile = conf != null ? conf : installationDir().resolve("conf").resolve("zoo-default.conf");
        Zoo zoo = ZooCommand.build(confFile, zooDir, dataDir, out);
        out.println();
        ZooCommand.ListCommand.print(zoo.list(), out);
        out.printf(Locale.ROOT, "%ndone in %.0f s; the zoo is in %s%n", (System.nanoTime() - started) / 1e9, zoo.dir());
        return 0;
    }

    /** The folder holding the {@code mal} launcher (set by it as {@code mal.home}), else the working directory. */
    static Path installationDir() {
        String home = System.getProperty("mal.home");
        return home == null || home.isBlank() ? Path.of("") : Path.of(home);
    }
}
