package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.actors.Reporter;
import org.mal.actors.Search;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Status;
import org.mal.engine.Workbench;
import org.mal.store.StoreInUseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mal search start|resume|status}: the open-ended assembly search. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Run an assembly search (Pekko actors; every evaluation journaled and cached in a RocksDB store), resume it "
                + "after a crash or a stop, or show where it is.",
        subcommands = {SearchCommand.Start.class, SearchCommand.Resume.class, SearchCommand.StatusCommand.class})
final class SearchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing: start, resume or status");
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a search from a configuration (conf/search-default.conf documents every key). A folder whose "
                    + "last search has finished gets a new run that reuses its evaluation cache.")
    static final class Start implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Option(names = "--conf", required = true, description = "Search configuration (HOCON).")
        Path conf;

        @Option(names = "--store", description = "Search folder (default: runs/search-<base>).")
        Path store;

        @picocli.CommandLine.Mixin
        DataOption data;

        @Override
        public Integer call() throws Exception {
            SearchSettings settings = SearchSettings.from(SearchSettings.readFile(conf));
            Path dir = store != null ? store : Path.of("runs", "search-" + settings.base());
            PrintWriter out = command.commandLine().getOut();
            out.printf(Locale.ROOT, "search of %s in %s (%d workers)%n", settings.base(), dir, settings.workerCount());
            out.println("policy: " + settings.policy().describe());
            SearchState s = Search.start(settings, dir, data.dir()::load, new Search.Options(out, true));
            return finished(s, dir, data, out);
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Go on with the last search in a folder, after a crash (kill -9 included) or a stop: journaled "
                    + "moves are not evaluated again, the moves that were in flight are.")
    static final class Resume implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(index = "0", description = "Search folder.")
        Path dir;

        @picocli.CommandLine.Mixin
        DataOption data;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = command.commandLine().getOut();
            SearchFolder.Runs runs = SearchFolder.inspect(dir);
            if (runs.isEmpty()) throw noRun(dir);
            if (runs.last().stopped() != null) {
                out.println(finished(runs.last(), dir));
                summary(runs.last(), runs.lastEnded(), dir, data, out);
                return 0;
            }
            if (!runs.isEmpty()) out.println("policy: " + SearchSettings.ofRun(runs.last().settings()).policy().describe());
            SearchState s = Search.resume(dir, data.dir()::load, new Search.Options(out, true));
            return finished(s, dir, data, out);
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Where a search is: step, evaluations, cache hits, failures, the lineage of accepted moves. Reads the "
                    + "journal, or status.json while the search runs.")
    static final class StatusCommand implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(index = "0", description = "Search folder.")
        Path dir;

        @Option(names = "--json", description = "Print the status as JSON (snake_case keys).")
        boolean json;

        @Option(names = "--last", defaultValue = "10", description = "Show the last N accepted steps of the lineage (default: ${DEFAULT-VALUE}).")
        int last;

        @Option(names = "--all", description = "Show every accepted step of the lineage.")
        boolean all;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = command.commandLine().getOut();
            Status status;
            boolean live = false;
            try {
                if (last < 0) throw new UsageError("--last must be >= 0, got " + last);
                SearchFolder.Runs runs = SearchFolder.inspect(dir);
                if (runs.isEmpty()) throw noRun(dir);
                Instant ended = runs.lastEnded();
                status = Status.of(runs.last(), 0, null, ended != null ? ended : Instant.now());
            } catch (StoreInUseException e) {
                Path file = dir.resolve(Reporter.STATUS_FILE);
                if (!Files.isRegularFile(file)) throw new IllegalStateException("the search in " + dir + " is running and has no " + file + " yet");
                status = SearchJson.read(Files.readString(file), Status.class);
                live = true;
            }
            if (json) {
                out.println(SearchJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(status));
            } else {
                print(status, live, all ? Integer.MAX_VALUE : last, out);
            }
            return 0;
        }
    }

    /** Where {@code search resume} writes the settings of a finished run, for the {@code search start} it suggests. */
    static final String LAST_RUN_CONF = "last-run.conf";

    /**
     * What {@code resume} says of a finished search. {@code search start} needs {@code --conf}, so the
     * run's own settings are written to {@value #LAST_RUN_CONF} in the folder and the suggested
     * command names that file: it works as printed.
     */
    static String finished(SearchState last, Path dir) throws java.io.IOException {
        Path conf = dir.resolve(LAST_RUN_CONF);
        Files.writeString(conf, last.settings());
        return "the search in " + dir + " has finished (" + last.stopped() + "); nothing to resume. ./mal search start --conf "
                + conf + " --store " + dir + " starts a new run with the same settings that reuses its cache.";
    }

    /** A store with no run: the search was stopped before its first event was journaled. */
    static IllegalStateException noRun(Path dir) {
        return new IllegalStateException("no search run in " + dir + ": it was stopped before its start was journaled; "
                + "start it again with ./mal search start --conf FILE --store " + dir);
    }

    /** The summary; a run paused by an error exits with 1 and says how to go on. */
    static int finished(SearchState s, Path dir, DataOption data, PrintWriter out) {
        if (s.paused() != null && s.paused().startsWith(org.mal.actors.Coordinator.ERROR)) {
            throw new IllegalStateException("the search paused: " + s.paused().substring(org.mal.actors.Coordinator.ERROR.length())
                    + "; fix the cause, then ./mal search resume " + dir);
        }
        if (s.paused() != null) {
            out.println("paused (" + s.paused() + "); ./mal search resume " + dir + " goes on");
            return 0;
        }
        summary(s, null, dir, data, out);
        return 0;
    }

    /** The status as a table; of the lineage only the last {@code last} accepted steps, with the totals. */
    static void print(Status s, boolean live, int last, PrintWriter out) {
        out.printf(Locale.ROOT, "run %d: %s%s%n", s.run(), s.phase(), live ? " (running; from status.json, " + s.updatedAt() + ")" : "");
        if (s.stopped() != null) out.println("stopped: " + s.stopped());
        if (s.paused() != null) out.println("paused: " + s.paused());
        Table t = new Table("step", "evaluations", "cache hits", "failures", "in flight", "elapsed");
        t.row(String.valueOf(s.step()), String.valueOf(s.evaluations()), String.valueOf(s.cacheHits()), String.valueOf(s.failures()),
                String.valueOf(s.inFlight()), String.format(Locale.ROOT, "%.0f s", s.elapsedSeconds()));
        t.print(out);
        out.println("origin " + s.origin() + "; base now " + s.base());
        if (s.skipped() != null && !s.skipped().isEmpty()) {
            out.println("not targets (" + s.skipped().size() + (s.skipped().size() == 1 ? " zoo file):" : " zoo files):"));
            s.skipped().forEach((id, why) -> out.println("  " + id + ": " + why));
        }
        if (s.lineage().isEmpty()) {
            out.println("no move accepted yet");
            return;
        }
        List<Status.Accepted> lineage = s.lineage();
        int shown = Math.min(last, lineage.size());
        if (shown < lineage.size()) {
            out.printf(Locale.ROOT, "lineage: %d accepted steps over %d steps; the last %d (--all shows every one):%n", lineage.size(), s.step(), shown);
        }
        if (shown == 0) return;
        Table l = new Table("step", "target", "layer map", "λ", "score", "assembly");
        for (Status.Accepted a : lineage.subList(lineage.size() - shown, lineage.size())) {
            l.row(String.valueOf(a.step()), a.target(), a.layerMap(), String.format(Locale.ROOT, "%.3f", a.lambda()),
                    String.format(Locale.ROOT, "%.4f", a.score()), a.assembly());
        }
        l.print(out);
    }

    /**
     * The assembly against the origin on the same rows: the rows each alone gets right with McNemar's
     * exact p, and the loss difference with its 95% paired bootstrap interval (2,000 resamples, seed 0).
     */
    static String paired(Model origin, Model assembly, org.mal.core.data.Dataset rows) {
        return describe(Evaluator.paired(Evaluator.rows(origin, rows), Evaluator.rows(assembly, rows)));
    }

    private static String describe(Evaluator.Paired p) {
        var r = p.accuracy();
        String counts = String.format(Locale.ROOT, "%d rows right only with the assembly, %d only with the origin; McNemar exact p = %.4g; ",
                r.onlySecond(), r.onlyFirst(), r.p());
        var loss = p.loss();
        if (loss == null) return counts + "loss interval: n/a (a row's loss is not finite)";
        return counts + String.format(Locale.ROOT, "loss %+.4f (assembly − origin), 95%% paired bootstrap interval [%+.4f, %+.4f]%s",
                loss.difference(), loss.low(), loss.high(), loss.excludesZero() ? "" : " (contains 0)");
    }

    /** The status, and the final assembly against the origin on held-out test rows never used to choose a move. */
    static void summary(SearchState s, Instant ended, Path dir, DataOption data, PrintWriter out) {
        out.println();
        print(Status.of(s, 0, null, ended != null ? ended : Instant.now()), false, 10, out);
        if (s.lineage().isEmpty()) return;
        SearchSettings settings = SearchSettings.ofRun(s.settings()).withOrigin(s.origin());
        java.util.function.Function<org.mal.core.data.Dataset, Evaluator.Rows> lastRowsOf;
        Workbench bench;
        try (var store = org.mal.store.MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {   // the assembly's one copy
            bench = new Workbench(new org.mal.core.zoo.Zoo(settings.zoo()), dir.resolve(SearchFolder.ASSEMBLIES), store, data.dir()::load,
                    settings.evaluation(), settings.seed());
            if (s.origin().convolutional()) {
                var cnn = bench.cnnAssembly(s.base().weightsHash(), s.baseBlob());
                lastRowsOf = rows -> org.mal.core.cnn.CnnMoveMerge.rows(cnn, rows);
            } else {
                Model last = bench.assembly(s.base().weightsHash(), s.baseBlob());
                lastRowsOf = rows -> Evaluator.rows(last, rows);
            }
        }
        java.util.function.Function<org.mal.core.data.Dataset, Evaluator.Rows> originRowsOf;
        if (s.origin().convolutional()) {
            var cnn = bench.cnnZooModel(s.origin().id(), null);
            originRowsOf = rows -> org.mal.core.cnn.CnnMoveMerge.rows(cnn, rows);
        } else {
            Model origin = bench.zooModel(s.origin().id());
            originRowsOf = rows -> Evaluator.rows(origin, rows);
        }
        java.util.Set<String> tasks = new java.util.LinkedHashSet<>();
        tasks.add(s.origin().dataset().task());
        for (SearchEvent.StepClosed c : s.lineage()) {
            var m = c.accepted();
            var card = bench.zoo().fileOf(m.target());
            try {
                org.mal.core.model.ModelIO.readCard(card).ifPresent(tc -> { if (tc.dataset() != null) tasks.add(tc.dataset().task()); });
            } catch (java.io.IOException e) {
                // a target gone from the zoo: its task is not reported
            }
        }
        boolean whole = settings.evaluation().selection().equals(SearchSettings.Evaluation.VALIDATION);
        // an origin whose card does not say which rows it trained on (an imported model outside a zoo holdout): any training rows
        String selectionRows = settings.evaluation().holdout() != null ? "validation rows (held out from training)"
                : "rows of the training set (the origin's card does not say which rows it trained on: it may have seen them)";
        // the rows drawn, not the setting: a pool smaller than search.evaluation.rows (an origin's 200 validation rows) is used whole
        int chosenOn = bench.selection(s.origin().dataset().task()).size();
        out.println(whole ? "moves were chosen on " + chosenOn + " " + selectionRows + "; "
                + "the test sets below were never read to choose" : "moves were chosen on " + settings.evaluation().rows()
                + " test rows (a run from before issue 18); below, the other test rows");
        Table t = new Table(whole ? "test set" : "held-out test rows", "rows", "origin loss", "origin acc", "assembly loss", "assembly acc");
        List<String> pairedLines = new java.util.ArrayList<>();
        for (String task : tasks) {
            var held = bench.heldOut(task);
            Evaluator.Rows originRows = originRowsOf.apply(held);   // one pass per model: the metrics and the paired tests
            Evaluator.Rows lastRows = lastRowsOf.apply(held);
            Metrics a = originRows.metrics();
            Metrics b = lastRows.metrics();
            t.row(task, String.valueOf(held.size()), String.format(Locale.ROOT, "%.4f", a.loss()),
                    String.format(Locale.ROOT, "%.2f%%", 100 * a.accuracy()), String.format(Locale.ROOT, "%.4f", b.loss()),
                    String.format(Locale.ROOT, "%.2f%%", 100 * b.accuracy()));
            pairedLines.add(task + ": " + describe(Evaluator.paired(originRows, lastRows)));
        }
        t.print(out);
        out.println("paired, on the same rows:");
        for (String line : pairedLines) out.println("  " + line);
        out.println("best assembly: " + s.base().id() + " (in the store; as a file: ./mal export " + dir + " --out best.safetensors)");
        out.println("status: ./mal search status " + dir + " (status.json in that folder)");
    }
}
