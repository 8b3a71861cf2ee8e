package org.mal.experiments;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import org.mal.actors.Search;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.cli.UsageError;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.data.TaskData;
import org.mal.core.merge.Soup;
import org.mal.core.method.Aligned;
import org.mal.core.method.BestRule;
import org.mal.core.method.ConvexMerger;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.Pair;
import org.mal.core.method.WeightAligner;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.core.zoo.Zoo;
import org.mal.engine.MoveRunner;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Workbench;
import org.mal.policies.ZooIndex;
import org.mal.report.Plots;
import org.mal.store.MalStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 18's benchmark: does a {@code gain} search end with a better model than the baselines a user
 * could have had without it? For each base of a zoo, on the base task's whole test set: the origin;
 * the best single same-task zoo model; the ensemble of every same-task model (averaged
 * probabilities, the upper bound at K× the cost); the best pairwise aligned merge (weight matching on
 * every layer the two share), plain and REPAIRed; the uniform aligned soup of every same-task model,
 * REPAIRed; and the final assembly of a bounded {@code gain} search from the base. Every choice (which
 * model, which target, which λ) is made on the search's own selection rows (validation rows held
 * out from the base's training, {@link Workbench#selection}); the test set only reports.
 */
@Command(name = "gain-check", mixinStandardHelpOptions = true,
        description = {"For every base of a zoo (or a seeded sample), the base task's full test set: the origin, the best single "
                + "same-task model, their ensemble, the best pairwise aligned merge (plain and REPAIRed), the REPAIRed uniform "
                + "soup, and the final assembly of a bounded gain search, with McNemar's test of the assembly against the "
                + "origin. Choices are made on validation rows; the test set only reports. Writes gain-check.md and "
                + "gain-check.png in --out."})
public final class GainCheckCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--zoo", defaultValue = "zoos/default", description = "Zoo folder (default: ${DEFAULT-VALUE}).")
    Path zooDir;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--bases", defaultValue = "0", description = "A seeded sample of this many bases (default: every model of the zoo).")
    int bases;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sample of bases (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "3", description = "Step budget of each base's gain search (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--conf", defaultValue = "conf/search-gain.conf",
            description = "The search configuration; its search.base, search.zoo and search.budget.steps are replaced "
                    + "(default: ${DEFAULT-VALUE}).")
    Path conf;

    @Option(names = "--out", defaultValue = "runs/gain-check",
            description = "Folder of each base's search (<out>/<base id>: a second run answers its moves from that search's "
                    + "evaluation cache), the table and the figure (default: ${DEFAULT-VALUE}).")
    Path out;

    /** The columns of the table and the figure, in order. */
    static final List<String> COLUMNS = List.of("origin", "best single", "ensemble", "best pair merge", "best pair + REPAIR",
            "soup + REPAIR", "gain assembly");

    @Override
    public Integer call() throws Exception {
        PrintWriter printer = command.commandLine().getOut();
        if (bases < 0 || steps < 1) throw new UsageError("--bases >= 0 and --steps >= 1 are needed");
        Zoo zoo = new Zoo(zooDir);
        ZooIndex index = ZooIndex.from(zoo);
        if (index.size() < 1) throw new IllegalArgumentException("the zoo " + zooDir + " has no model with a card"
                + " (the default zoo: ./mal zoo train --conf conf/zoo-default.conf)");
        Config config = SearchSettings.readFile(conf);
        List<ModelCard> chosen = sample(index.cards(), bases, seed);
        long started = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        for (ModelCard base : chosen) {
            long t0 = System.nanoTime();
            Row r = check(base, index, zoo, config, steps, out.resolve(base.id()), data.dir()::load);
            rows.add(r);
            printer.printf(Locale.ROOT, "%s: origin %.2f%%, assembly %.2f%% (%d accepted moves; %d moves computed, %d answered from the cache), %.0f s%n",
                    base.id(), 100 * r.origin().accuracy(), 100 * r.assembly().accuracy(), r.accepted(), r.evaluations(), r.cacheHits(),
                    (System.nanoTime() - t0) / 1e9);
            printer.flush();
        }
        StringWriter report = new StringWriter();
        PrintWriter w = new PrintWriter(report, true);
        print(rows, w);
        Files.createDirectories(out);
        Files.writeString(out.resolve("gain-check.md"), report.toString());
        Path png = out.resolve("gain-check.png");
        figure(rows, png);
        printer.println();
        printer.print(report);
        printer.printf(Locale.ROOT, "table: %s; figure: %s; %.0f s%n", out.resolve("gain-check.md"), png, (System.nanoTime() - started) / 1e9);
        return 0;
    }

    /** Every card (in the zoo's order), or {@code n} of them drawn with {@code seed}, kept in the zoo's order. */
    static List<ModelCard> sample(List<ModelCard> cards, int n, long seed) {
        if (n <= 0 || n >= cards.size()) return cards;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < cards.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        List<Integer> kept = new ArrayList<>(order.subList(0, n));
        Collections.sort(kept);
        return kept.stream().map(cards::get).toList();
    }

    /**
     * A model of one column on the base task's test set.
     *
     * @param choice what was chosen for it (a zoo id, a target and λ), empty when nothing was
     * @param selectionAccuracy its accuracy on the selection rows (what it was chosen by); NaN for the test-only columns
     */
    record Cell(double accuracy, double loss, String choice, double selectionAccuracy) {
        static final Cell NONE = new Cell(Double.NaN, Double.NaN, "no other model of the task", Double.NaN);

        static Cell of(Metrics test, String choice, double selectionAccuracy) {
            return new Cell(test.accuracy(), test.loss(), choice, selectionAccuracy);
        }
    }

    /**
     * The baselines of one base, every choice made on {@code selection}, every number on {@code test}.
     *
     * @param sameTask the zoo models of the base's task, the base first
     */
    record Baselines(String base, String task, List<String> sameTask, int selectionRows, int testRows, String selectionHash, Cell origin,
                     Cell bestSingle, Cell ensemble, Cell pair, Cell pairRepair, Cell soup) {}

    /**
     * One base's row: its baselines, the gain search's final assembly, and the assembly against the origin on the test rows.
     *
     * @param lossChange the assembly's loss minus the origin's on the test rows with its paired bootstrap interval; {@code null} when a
     *     row's loss is not finite
     * @param evaluations moves the search's last run computed; {@code cacheHits} the moves it answered from its cache
     */
    record Row(Baselines baselines, Cell assembly, McNemar.Result paired, org.mal.core.stats.PairedBootstrap.Interval lossChange, int accepted,
               int evaluations, int cacheHits) {
        Cell origin() { return baselines.origin(); }

        List<Cell> cells() {
            Baselines b = baselines;
            return List.of(b.origin(), b.bestSingle(), b.ensemble(), b.pair(), b.pairRepair(), b.soup(), assembly);
        }
    }

    /**
     * The search's settings for {@code base}: the configuration with its base, zoo and step budget
     * replaced, and the origin's validation split as the selection pool ({@link SearchSettings#withOrigin}).
     */
    static SearchSettings settings(Config config, ModelCard base, Path zooDir, int steps) {
        Config c = config.withValue("search.base", ConfigValueFactory.fromAnyRef(base.id()))
                .withValue("search.zoo", ConfigValueFactory.fromAnyRef(zooDir.toAbsolutePath().normalize().toString()))
                .withValue("search.budget.steps", ConfigValueFactory.fromAnyRef(steps));
        return SearchSettings.from(c).withOrigin(base);
    }

    /** The workbench a search from {@code base} in {@code dir} builds: its selection rows are the search's. */
    static Workbench workbench(SearchSettings settings, Zoo zoo, Path dir, Function<String, TaskData> tasks) {
        return new Workbench(zoo, dir.resolve(SearchFolder.ASSEMBLIES), null, tasks, settings.evaluation(), settings.seed());
    }

    /** The baselines, then the gain search from {@code base} in {@code dir} (a new run there, or the unfinished one resumed). */
    static Row check(ModelCard base, ZooIndex index, Zoo zoo, Config config, int steps, Path dir, Function<String, TaskData> tasks)
            throws IOException {
        SearchSettings settings = settings(config, base, zoo.dir(), steps);
        Workbench bench = workbench(settings, zoo, dir, tasks);
        Baselines b = baselines(base, index, bench);

        SearchState s = search(settings, dir, tasks);
        String task = b.task();
        if (!b.selectionHash().equals(s.evaluationData().get(task))) {
            throw new IllegalStateException("the search in " + dir + " chose on other rows of " + task + " (" + s.evaluationData().get(task)
                    + ") than the baselines (" + b.selectionHash() + "); was it started with other settings? Remove the folder and run again");
        }
        Model origin = bench.zooModel(base.id());
        Model last = origin;
        if (!s.lineage().isEmpty()) {
            try (MalStore store = MalStore.openExisting(dir.resolve(SearchFolder.STORE))) {   // the assembly's one copy is the store's blob
                last = new Workbench(zoo, dir.resolve(SearchFolder.ASSEMBLIES), store, tasks, settings.evaluation(), settings.seed())
                        .assembly(s.base().weightsHash(), s.baseBlob());
            }
        }
        Dataset test = bench.heldOut(task);
        Dataset selection = bench.selection(task);
        String lineage = s.lineage().isEmpty() ? "no move accepted" : String.join(" then ", s.lineage().stream().map(c ->
                c.accepted().targetNames() + " " + c.accepted().layerMap() + " λ=" + String.format(Locale.ROOT, "%.3f", c.assembly().merge().lambda()))
                .toList());
        Evaluator.Rows lastRows = Evaluator.rows(last, test);
        Cell assembly = Cell.of(lastRows.metrics(), lineage, Evaluator.evaluate(last, selection).accuracy());
        Evaluator.Paired paired = Evaluator.paired(Evaluator.rows(origin, test), lastRows);   // loss null: the table says n/a
        return new Row(b, assembly, paired.accuracy(), paired.loss(), s.lineage().size(), s.evaluations(), s.cacheHits());
    }

    /** Runs the gain search to its budget: a new run in {@code dir} (its cache answers moves evaluated before), or the killed one resumed. */
    static SearchState search(SearchSettings settings, Path dir, Function<String, TaskData> tasks) throws IOException {
        if (Files.isDirectory(dir.resolve(SearchFolder.STORE))) {
            SearchFolder.Runs runs = SearchFolder.inspect(dir);
            if (!runs.isEmpty() && runs.last().stopped() == null) return Search.resume(dir, tasks, Search.Options.quiet());
        }
        return Search.start(settings, dir, tasks, Search.Options.quiet());
    }

    /** The baselines of {@code base}: chosen on {@code bench}'s selection rows of its task, measured on its whole test set. */
    static Baselines baselines(ModelCard base, ZooIndex index, Workbench bench) {
        String task = MoveRunner.task(base);
        Dataset selection = bench.selection(task);
        Dataset test = bench.heldOut(task);
        List<ModelCard> same = new ArrayList<>(List.of(base));
        for (ModelCard c : index.cards()) {
            if (!c.id().equals(base.id()) && c.dataset() != null && task.equals(c.dataset().task())) same.add(c);
        }
        Model origin = bench.zooModel(base.id());
        Metrics originSelection = Evaluator.evaluate(origin, selection);
        Cell originCell = Cell.of(Evaluator.evaluate(origin, test), base.id(), originSelection.accuracy());

        // the best single model: highest selection accuracy, then lower selection loss, then the zoo's order (the base first)
        ModelCard best = base;
        Metrics bestM = originSelection;
        List<Model> models = new ArrayList<>(List.of(origin));
        for (ModelCard c : same.subList(1, same.size())) {
            Model m = bench.zooModel(c.id());
            models.add(m);
            Metrics sel = Evaluator.evaluate(m, selection);
            if (sel.accuracy() > bestM.accuracy() || (sel.accuracy() == bestM.accuracy() && sel.loss() < bestM.loss())) {
                best = c;
                bestM = sel;
            }
        }
        Cell single = Cell.of(Evaluator.evaluate(bench.zooModel(best.id()), test), best.id(), bestM.accuracy());
        Cell ensemble = Cell.of(Soup.ensemble(models, test), models.size() + " models", Soup.ensemble(models, selection).accuracy());

        Cell pair = Cell.NONE;
        Cell pairRepair = Cell.NONE;
        Cell soup = Cell.NONE;
        if (same.size() > 1) {
            List<Pair> pairs = new ArrayList<>();
            List<Aligned> aligned = new ArrayList<>();
            WeightAligner weights = new WeightAligner(100, null);
            int depth = origin.architecture().depth();
            for (int k = 1; k < same.size(); k++) {
                Model target = models.get(k);
                Pair p = new Pair(origin, target, task, task);
                pairs.add(p);
                aligned.add(weights.align(p, LayerMap.common(depth, target.architecture().depth()), bench));
            }
            double limit = bench.evaluation().lossLimit(originSelection.loss());
            pair = bestMerge(same, pairs, aligned, new ConvexMerger(false, 2000), bench, selection, test, limit);
            pairRepair = bestMerge(same, pairs, aligned, new ConvexMerger(true, 2000), bench, selection, test, limit);
            int k = pairs.size();
            Model s = new ConvexMerger(true, 2000).soupCurve(pairs, aligned, bench).apply(k / (k + 1.0));
            soup = Cell.of(Evaluator.evaluate(s, test), (k + 1) + " models, 1/" + (k + 1) + " each",
                    Evaluator.evaluate(s, selection).accuracy());
        }
        return new Baselines(base.id(), task, same.stream().map(ModelCard::id).toList(), selection.size(), test.size(),
                selection.contentHash(), originCell, single, ensemble, pair, pairRepair, soup);
    }

    /**
     * The best of the pairwise merges: for each target, λ by {@link BestRule} (accuracy on the
     * selection rows, grid plus refinement, loss within {@code limit}); the target whose merge is most
     * accurate there at its λ (then lower loss, then the zoo's order) wins.
     */
    private static Cell bestMerge(List<ModelCard> same, List<Pair> pairs, List<Aligned> aligned, ConvexMerger merger, Workbench bench,
                                  Dataset selection, Dataset test, double limit) {
        double[] lambdas = bench.lambdas();
        BestRule rule = new BestRule(true, 4);
        Model bestModel = null;
        Metrics bestM = null;
        String bestChoice = null;
        for (int k = 0; k < pairs.size(); k++) {
            DoubleFunction<Model> curve = merger.curve(pairs.get(k), aligned.get(k), bench);
            double[] loss = new double[lambdas.length];
            double[] acc = new double[lambdas.length];
            for (int i = 0; i < lambdas.length; i++) {
                Metrics m = Evaluator.evaluate(curve.apply(lambdas[i]), selection);
                loss[i] = m.loss();
                acc[i] = m.accuracy();
            }
            double lambda = rule.choose(new LambdaRule.Curve(curve, selection, lambdas, loss, acc, limit));
            Model merged = curve.apply(lambda);
            Metrics m = Evaluator.evaluate(merged, selection);
            if (bestM == null || m.accuracy() > bestM.accuracy() || (m.accuracy() == bestM.accuracy() && m.loss() < bestM.loss())) {
                bestModel = merged;
                bestM = m;
                bestChoice = same.get(k + 1).id() + " λ=" + String.format(Locale.ROOT, "%.3f", lambda);
            }
        }
        return Cell.of(Evaluator.evaluate(bestModel, test), bestChoice, bestM.accuracy());
    }

    /** The accuracy table (Markdown), what each column chose, the losses, and the summary lines. */
    static void print(List<Row> rows, PrintWriter out) {
        List<String> header = new ArrayList<>(List.of("base", "test rows"));
        header.addAll(COLUMNS);
        header.addAll(List.of("only assembly", "only origin", "McNemar p"));
        Table acc = new Table(header.toArray(String[]::new));
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.baselines().base(), String.valueOf(r.baselines().testRows())));
            for (Cell c : r.cells()) cells.add(percent(c.accuracy()));
            cells.add(String.valueOf(r.paired().onlySecond()));
            cells.add(String.valueOf(r.paired().onlyFirst()));
            cells.add(String.format(Locale.ROOT, "%.3g", r.paired().p()));
            acc.row(cells.toArray(String[]::new));
        }
        out.println("Accuracy on each base task's whole test set (every choice made on the selection rows):");
        out.println();
        acc.printMarkdown(out);
        out.println();
        out.println(summary(rows));
        out.println();
        List<String> lossHeader = new ArrayList<>(List.of("base"));
        lossHeader.addAll(COLUMNS);
        lossHeader.add("assembly − origin [95% paired bootstrap]");
        Table loss = new Table(lossHeader.toArray(String[]::new));
        for (Row r : rows) {
            List<String> cells = new ArrayList<>(List.of(r.baselines().base()));
            for (Cell c : r.cells()) cells.add(Double.isNaN(c.loss()) ? "–" : String.format(Locale.ROOT, "%.4f", c.loss()));
            var d = r.lossChange();
            cells.add(d == null ? "n/a (a row's loss is not finite)" : String.format(Locale.ROOT, "%+.4f [%+.4f, %+.4f]", d.difference(), d.low(), d.high()));
            loss.row(cells.toArray(String[]::new));
        }
        out.println("Loss on the same test rows:");
        out.println();
        loss.printMarkdown(out);
        out.println();
        Table chosen = new Table("base", "selection rows", "best single", "best pair merge", "best pair + REPAIR", "gain assembly",
                "selection acc: origin / single / pair / + REPAIR / assembly");
        for (Row r : rows) {
            Baselines b = r.baselines();
            chosen.row(b.base(), String.valueOf(b.selectionRows()), b.bestSingle().choice(), b.pair().choice(), b.pairRepair().choice(),
                    r.assembly().choice(), String.join(" / ", percent(b.origin().selectionAccuracy()), percent(b.bestSingle().selectionAccuracy()),
                            percent(b.pair().selectionAccuracy()), percent(b.pairRepair().selectionAccuracy()),
                            percent(r.assembly().selectionAccuracy())));
        }
        out.println("What was chosen, on the selection rows (validation rows held out from the origin's training; the other zoo models "
                + "may have been fitted on them):");
        out.println();
        chosen.printMarkdown(out);
    }

    /**
     * Bases where the assembly beats the origin (p < 0.05), the worst drop against the origin, and
     * per base the share of the origin→ensemble gap the assembly closes (when the ensemble is above the origin).
     */
    static String summary(List<Row> rows) {
        int better = 0;
        double worst = Double.POSITIVE_INFINITY;
        String worstBase = "";
        List<String> shares = new ArrayList<>();
        for (Row r : rows) {
            double o = r.origin().accuracy();
            double a = r.assembly().accuracy();
            if (a > o && r.paired().p() < 0.05) better++;
            if (a - o < worst) {
                worst = a - o;
                worstBase = r.baselines().base();
            }
            double gap = r.baselines().ensemble().accuracy() - o;
            shares.add(r.baselines().base() + " " + (gap > 0 ? String.format(Locale.ROOT, "%.2f", (a - o) / gap)
                    : String.format(Locale.ROOT, "– (the ensemble is not above the origin: %+.2f points)", 100 * gap)));
        }
        String change = worst >= 0 ? String.format(Locale.ROOT, "never below its origin (worst change %+.2f points)", 100 * worst)
                : String.format(Locale.ROOT, "worst change against the origin %+.2f points (%s)", 100 * worst, worstBase);
        return String.format(Locale.ROOT, "The assembly beats its origin with p < 0.05 on %d of %d bases; %s; share of the origin→ensemble "
                + "gap the assembly closes: %s.", better, rows.size(), change, String.join("; ", shares));
    }

    /** Per base, each column's test accuracy, as grouped bars. */
    static void figure(List<Row> rows, Path png) throws IOException {
        List<String> bases = rows.stream().map(r -> r.baselines().base()).toList();
        Map<String, double[]> series = new LinkedHashMap<>();
        for (int c = 0; c < COLUMNS.size(); c++) {
            double[] ys = new double[rows.size()];
            for (int r = 0; r < rows.size(); r++) ys[r] = 100 * rows.get(r).cells().get(c).accuracy();
            series.put(COLUMNS.get(c), ys);
        }
        // the origin and the assembly stand out (dark grey, red); the baselines in blues and greens; the soup light
        Color[] colours = {new Color(90, 90, 90), new Color(49, 130, 189), new Color(117, 107, 177), new Color(116, 196, 118),
                new Color(35, 139, 69), new Color(200, 200, 200), new Color(222, 45, 38)};
        Plots.png(Plots.bars("gain-check: test accuracy per base (every choice on validation rows)", "base", "test accuracy (%)", bases,
                series, colours), png);
    }

    private static String percent(double v) { return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f%%", 100 * v); }
}
