package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.mal.actors.Search;
import org.mal.core.data.DataDir;
import org.mal.core.data.FetchReport;
import org.mal.core.zoo.Zoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on an embedded default: obtain the data if it is missing, train the default zoo if it
 * is missing (cached afterwards), run a bounded assembly search on it, and print the best assembly,
 * its lineage and where the search's files are. Run again, the search is answered from its cache.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job: fetch the data if missing, train the default zoo if missing "
                + "(kept afterwards), run a bounded assembly search (conf/search-default.conf) and print the best "
                + "assembly and its lineage.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", description = "Zoo config (default: conf/zoo-default.conf of this MAL installation).")
    Path conf;

    @Option(names = "--zoo", description = "Zoo folder (default: zoos/<zoo.name>).")
    Path zooDir;

    @Option(names = "--search", description = "Search configuration (default: conf/search-default.conf of this MAL installation).")
    Path searchConf;

    @Option(names = "--store", defaultValue = "runs/demo-search", description = "Search folder (default: ${DEFAULT-VALUE}).")
    Path store;

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

        Path sconf = searchConf != null ? searchConf : installationDir().resolve("conf").resolve("search-default.conf");
        com.typesafe.config.Config root = org.mal.engine.SearchSettings.readFile(sconf);
        if (zooDir != null) {
            root = com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of("search.zoo", zoo.dir().toAbsolutePath().toString()))
                    .withFallback(root);
        }
        org.mal.engine.SearchSettings settings = org.mal.engine.SearchSettings.from(root);
        out.printf(Locale.ROOT, "%n== search: %s from %s, %d moves per step, at most %d steps (%s), in %s%n", settings.base(), settings.zoo(),
                settings.movesPerStep(), settings.budget().steps(), sconf, store);
        out.println("policy: " + settings.policy().describe());
        boolean unfinished = java.nio.file.Files.isDirectory(store.resolve(org.mal.engine.SearchFolder.STORE))
                && org.mal.engine.SearchFolder.inspect(store).runs().stream().reduce((a, b) -> b)
                        .map(r -> org.mal.engine.SearchState.fold(r).stopped() == null).orElse(false);
        org.mal.actors.Search.Options options = new org.mal.actors.Search.Options(out, true);
        org.mal.engine.SearchState result = unfinished
                ? org.mal.actors.Search.resume(store, dataDir::load, options)
                : org.mal.actors.Search.start(settings, store, dataDir::load, options);
        SearchCommand.finished(result, store, data, out);
        out.printf(Locale.ROOT, "%ndone in %.0f s; the zoo is in %s, the search in %s%n", (System.nanoTime() - started) / 1e9, zoo.dir(), store);
        return 0;
    }

    /** The folder holding the {@code mal} launcher (set by it as {@code mal.home}), else the working directory. */
    static Path installationDir() {
        String home = System.getProperty("mal.home");
        return home == null || home.isBlank() ? Path.of("") : Path.of(home);
    }
}
