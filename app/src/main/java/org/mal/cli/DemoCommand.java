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
 * The main job on an embedded default: obtain the data if it is missing, train the demo zoo if it is
 * missing (cached afterwards: four MNIST models, each trained on one label-skewed shard,
 * {@code conf/zoo-demo.conf}), run a bounded {@code gain} search from one of them
 * ({@code conf/search-demo.conf}), and print the best assembly, its lineage, and the assembly against
 * its origin on the whole test set with the paired tests. Run again, the search is answered from its
 * cache. {@code --conf conf/zoo-default.conf --search conf/search-default.conf} runs the paper's
 * objective on the default zoo instead.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job: fetch the data if missing, train the demo zoo if missing (conf/zoo-demo.conf: four MNIST "
                + "models trained on label-skewed shards; kept afterwards), run a bounded gain search from one of them "
                + "(conf/search-demo.conf) and print the best assembly, its lineage, and the assembly against its origin on the "
                + "whole test set with paired tests. --conf conf/zoo-default.conf --search conf/search-default.conf: the paper's "
                + "objective on the default zoo.")
final class DemoCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", description = "Zoo config (default: conf/zoo-demo.conf of this MAL installation).")
    Path conf;

    @Option(names = "--zoo", description = "Zoo folder (default: zoos/<zoo.name>).")
    Path zooDir;

    @Option(names = "--search", description = "Search configuration (default: conf/search-demo.conf of this MAL installation).")
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

        Path confFile = conf != null ? conf : installationDir().resolve("conf").resolve("zoo-demo.conf");
        Zoo zoo = ZooCommand.build(confFile, zooDir, dataDir, out);
        out.println();
        ZooCommand.ListCommand.print(zoo.list(), out);

        Path sconf = searchConf != null ? searchConf : installationDir().resolve("conf").resolve("search-demo.conf");
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
        if (result.paused() == null) {   // the zoo the search ran on (a resumed run's own), not necessarily the one just built
            comparison(result.origin(), new Zoo(org.mal.engine.SearchSettings.ofRun(result.settings()).zoo()), dataDir, out);
        }
        out.printf(Locale.ROOT, "%ndone in %.0f s; the zoo is in %s, the search in %s%n", (System.nanoTime() - started) / 1e9, zoo.dir(), store);
        return 0;
    }

    /**
     * What a reviewer asks next: on the same test rows, every zoo model of the origin's task (the
     * best of them picked on the test set itself, so an upper bound for "the best single model") and
     * their ensemble (averaged probabilities: every model runs on every input).
     */
    static void comparison(org.mal.core.model.ModelCard origin, Zoo zoo, DataDir dataDir, PrintWriter out) throws java.io.IOException {
        String task = origin.dataset().task();
        org.mal.core.data.Dataset test = dataDir.load(task).test();
        java.util.List<org.mal.core.model.Model> models = new java.util.ArrayList<>();
        String best = null;
        double bestAccuracy = -1;
        double worstAccuracy = 2;
        for (org.mal.core.model.ModelCard c : org.mal.policies.ZooIndex.from(zoo).cards()) {
            if (c.dataset() == null || !task.equals(c.dataset().task())) continue;
            org.mal.core.model.Model m = org.mal.core.model.ModelIO.load(zoo.fileOf(c.id())).model();
            models.add(m);
            double a = org.mal.core.model.Evaluator.evaluate(m, test).accuracy();
            worstAccuracy = Math.min(worstAccuracy, a);
            if (a > bestAccuracy) { bestAccuracy = a; best = c.id(); }
        }
        if (models.size() < 2) return;
        org.mal.core.model.Metrics ensemble = org.mal.core.merge.Soup.ensemble(models, test);
        out.printf(Locale.ROOT, "for comparison, on the same %d test rows: the zoo's %d %s models score %.2f%%-%.2f%% (best: %s); "
                + "their ensemble (averaged probabilities, %d models run on every input) %.2f%%%n", test.size(), models.size(), task,
                100 * worstAccuracy, 100 * bestAccuracy, best, models.size(), 100 * ensemble.accuracy());
    }

    /** The folder holding the {@code mal} launcher (set by it as {@code mal.home}), else the working directory. */
    static Path installationDir() {
        String home = System.getProperty("mal.home");
        return home == null || home.isBlank() ? Path.of("") : Path.of(home);
    }
}
