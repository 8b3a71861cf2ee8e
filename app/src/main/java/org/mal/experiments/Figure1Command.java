package org.mal.experiments;

import com.typesafe.config.ConfigFactory;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.core.align.LayerMap;
import org.mal.core.Sha256;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.method.TrainingSamples;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchJson;
import org.mal.policies.ZooIndex;
import org.mal.report.Plots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mal figure1}: the seed paper's Figure 1 on a trained zoo. */
@Command(name = "figure1", mixinStandardHelpOptions = true,
        description = {"Reproduce the paper's Figure 1 on a zoo: merge every ordered pair of models (weight matching, the default "
                + "layer map), and draw architectures x architectures heat maps of the loss-curve AUC relative to naive merging "
                + "and of the mean LMC loss, one per dataset pair (conf/figure1.conf)."})
public final class Figure1Command implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", defaultValue = "conf/figure1.conf", description = "Configuration (default: ${DEFAULT-VALUE}).")
    Path conf;

    @picocli.CommandLine.Mixin
    DataOption data;

    /**
     * One merged pair: the loss-curve AUC (area under the loss over λ in [0, 1], trapezoid rule) of the weight-matched merge, the
     * naive merge and, with {@code repair}, the weight-matched merge REPAIRed ({@code NaN} without),
     * their ratios to the naive AUC, the barriers and λ*.
     */
    record Pair(String base, String target, String baseTask, String targetTask, String map, double auc, double naiveAuc, double aucRatio,
                double barrier, double naiveBarrier, double lambdaStar, double repairedAuc, double repairedAucRatio, double repairedBarrier) {}

    /** A cached pair: the key names everything its numbers depend on (models' bytes and the settings). */
    record Cached(String key, Pair pair) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (!Files.isRegularFile(conf)) throw new IllegalArgumentException("no configuration file " + conf);
        Settings s = Settings.of(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("figure1"), "figure1")
                .withReference("mal.figure1").only("zoo", "rows", "grid", "out", "positions-pairs", "repair", "repair-rows", "threads");
        int rows = s.getInt("rows");
        int grid = s.getInt("grid");
        int positionsPairs = s.getInt("positions-pairs");
        boolean repair = s.getBoolean("repair");
        int repairRows = s.getInt("repair-rows");
        int threads = s.getInt("threads");
        if (positionsPairs < 0) throw s.invalid("positions-pairs", "must be >= 0 (0: rows 3-4 not drawn), got " + positionsPairs);
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        if (grid < 2) throw s.invalid("grid", "needs at least 2 points, got " + grid);
        if (repairRows < 1) throw s.invalid("repair-rows", "must be >= 1, got " + repairRows);
        if (threads < 0) throw s.invalid("threads", "must be >= 0 (0: one per core), got " + threads);
        if (threads == 0) threads = Runtime.getRuntime().availableProcessors();
        Path outDir = Path.of(s.getString("out"));
        Zoo zoo = new Zoo(Path.of(s.getString("zoo")));
        ZooIndex index = ZooIndex.from(zoo);
        if (index.size() < 2) throw new IllegalArgumentException("the zoo " + zoo.dir() + " has fewer than two models with cards"
                + " (the default zoo: ./mal zoo train --conf conf/zoo-default.conf)");
        Files.createDirectories(outDir);
        Map<String, Model> models = new HashMap<>();
        Map<String, String> hashes = new HashMap<>();
        for (ModelCard c : index.cards()) {
            Path file = zoo.fileOf(c.id());
            models.put(c.id(), ModelIO.load(file).model());
            hashes.put(c.id(), Sha256.hex(Files.readAllBytes(file)));
        }
        Map<String, Dataset> tests = new ConcurrentHashMap<>();
        for (ModelCard c : index.cards()) tests.computeIfAbsent(c.dataset().task(), t -> ZooExperiment.testSample(data.dir(), t, rows));
        TrainingSamples training = new TrainingSamples(data.dir()::load, 1);
        double[] lambdas = Lmc.grid(grid);
        String settings = "rows=" + rows + ",grid=" + grid + ",repair=" + repair + (repair ? ",repair-rows=" + repairRows : "");
        Path cacheFile = outDir.resolve(CACHE);
        Map<String, Pair> cached = readCache(cacheFile);
        List<Callable<Pair>> work = new ArrayList<>();
        List<Pair> pairs = new ArrayList<>();
        long started = System.nanoTime();
        int reused = 0;
        try (BufferedWriter cache = Files.newBufferedWriter(cacheFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (ModelCard a : index.cards()) {
                for (ModelCard b : index.cards()) {
                    if (a.id().equals(b.id())) continue;
                    String key = a.id() + "@" + hashes.get(a.id()) + "<-" + b.id() + "@" + hashes.get(b.id()) + ";" + settings;
                    Pair hit = cached.get(key);
                    if (hit != null) {
                        reused++;
                        work.add(() -> hit);
                        continue;
                    }
                    work.add(() -> {
                        Pair p = pair(a, b, models, tests.get(a.dataset().task()), repair ? training.training(a.dataset().task(), repairRows) : null,
                                lambdas);
                        synchronized (cache) {
                            cache.write(SearchJson.MAPPER.writeValueAsString(new Cached(key, p)));
                            cache.newLine();
                            cache.flush();
                        }
                        return p;
                    });
                }
            }
            pairs.addAll(ZooExperiment.inParallel(work, threads));
        }
        out.printf(Locale.ROOT, "%d pairs (%d from %s) in %.0f s on %d threads%n", pairs.size(), reused, cacheFile,
                (System.nanoTime() - started) / 1e9, threads);
        // one heat map per (base task, target task)
        Map<String, List<Pair>> byTasks = new TreeMap<>();
        for (Pair p : pairs) byTasks.computeIfAbsent(p.baseTask() + " <- " + p.targetTask(), k -> new ArrayList<>()).add(p);
        Table t = repair
                ? new Table("base task <- target task", "pairs", "mean AUC naive", "weight matching", "WM + REPAIR", "AUC ratio WM / naive",
                        "WM+REPAIR / naive", "ratio < 1: WM", "WM+REPAIR")
                : new Table("base task <- target task", "pairs", "mean AUC ratio", "pairs with ratio < 1", "mean LMC loss aligned", "naive");
        List<String> images = new ArrayList<>();
        for (var e : byTasks.entrySet()) {
            List<String> rowLabels = new ArrayList<>();
            List<String> colLabels = new ArrayList<>();
            Map<String, String> label = new LinkedHashMap<>();
            for (Pair p : e.getValue()) {
                label.putIfAbsent(p.base(), arch(index.require(p.base())));
                label.putIfAbsent(p.target(), arch(index.require(p.target())));
                if (!rowLabels.contains(label.get(p.base()))) rowLabels.add(label.get(p.base()));
                if (!colLabels.contains(label.get(p.target()))) colLabels.add(label.get(p.target()));
            }
            Comparator<String> order = Comparator.comparing(l -> archKey(l));
            rowLabels.sort(order);
            colLabels.sort(order);
            double[][] ratio = nan(rowLabels.size(), colLabels.size());
            double[][] repairedRatio = nan(rowLabels.size(), colLabels.size());
            double[][] loss = nan(rowLabels.size(), colLabels.size());
            double[][] naiveLoss = nan(rowLabels.size(), colLabels.size());
            double[][] repairedLoss = nan(rowLabels.size(), colLabels.size());
            for (Pair p : e.getValue()) {
                int r = rowLabels.indexOf(label.get(p.base()));
                int c = colLabels.indexOf(label.get(p.target()));
                ratio[r][c] = p.aucRatio();
                loss[r][c] = p.auc();
                naiveLoss[r][c] = p.naiveAuc();
                repairedRatio[r][c] = p.repairedAucRatio();
                repairedLoss[r][c] = p.repairedAuc();
            }
            List<Pair> ps = e.getValue();
            int n = ps.size();
            String name = e.getKey().replace(" <- ", "-from-");
            String tasks = "base on " + e.getKey().replace(" <- ", ", target on ");
            Path ratioPng = outDir.resolve("auc-ratio-" + name + ".png");
            Path lossPng = outDir.resolve("lmc-loss-" + name + ".png");
            if (repair) {
                // one colour scale per figure, its ends at the 95th percentile (a few diverging merges would wash out the rest)
                List<Double> deviations = new ArrayList<>();
                for (Pair p : ps) {
                    deviations.add(Math.abs(p.aucRatio() - 1));
                    deviations.add(Math.abs(p.repairedAucRatio() - 1));
                }
                double half = percentile(deviations, 0.95);
                Plots.pngRow(List.of(
                        Plots.heatmap("AUC weight matching / naive, " + tasks + " (scale to the 95th percentile)", "target architecture", "base architecture", colLabels, rowLabels,
                                ratio, "0.00", 1 - half, 1 + half),
                        Plots.heatmap("AUC weight matching + REPAIR / naive, " + tasks, "target architecture", "base architecture", colLabels,
                                rowLabels, repairedRatio, "0.00", 1 - half, 1 + half)), ratioPng);
                List<Double> losses = new ArrayList<>();
                for (Pair p : ps) {
                    losses.add(p.auc());
                    losses.add(p.naiveAuc());
                    losses.add(p.repairedAuc());
                }
                double lo = percentile(losses, 0);
                double hi = percentile(losses, 0.95);
                Plots.pngRow(List.of(
                        Plots.heatmap("Loss-curve AUC, naive, " + tasks + " (scale to the 95th percentile)", "target architecture", "base architecture", colLabels, rowLabels,
                                naiveLoss, "0.00", lo, hi),
                        Plots.heatmap("Loss-curve AUC, weight matching", "target architecture", "base architecture", colLabels, rowLabels,
                                loss, "0.00", lo, hi),
                        Plots.heatmap("Loss-curve AUC, weight matching + REPAIR", "target architecture", "base architecture", colLabels,
                                rowLabels, repairedLoss, "0.00", lo, hi)), lossPng);
                t.row(e.getKey(), String.valueOf(n), f(mean(ps, Pair::naiveAuc)), f(mean(ps, Pair::auc)), f(mean(ps, Pair::repairedAuc)),
                        String.format(Locale.ROOT, "%.3f", mean(ps, Pair::aucRatio)),
                        String.format(Locale.ROOT, "%.3f", mean(ps, Pair::repairedAucRatio)),
                        ps.stream().filter(p -> p.aucRatio() < 1).count() + " of " + n,
                        ps.stream().filter(p -> p.repairedAucRatio() < 1).count() + " of " + n);
            } else {
                Plots.png(Plots.heatmap("Loss-curve AUC, aligned / naive: " + tasks, "target architecture", "base architecture", colLabels,
                        rowLabels, ratio, "0.00", 1.0), ratioPng);
                Plots.png(Plots.heatmap("Mean LMC loss over λ (aligned): " + tasks, "target architecture", "base architecture", colLabels,
                        rowLabels, loss, "0.00"), lossPng);
                t.row(e.getKey(), String.valueOf(n), String.format(Locale.ROOT, "%.3f", mean(ps, Pair::aucRatio)),
                        ps.stream().filter(p -> p.aucRatio() < 1).count() + " of " + n, f(mean(ps, Pair::auc)), f(mean(ps, Pair::naiveAuc)));
            }
            images.add(ratioPng.getFileName().toString());
            images.add(lossPng.getFileName().toString());
        }
        t.print(out);
        Files.writeString(outDir.resolve("figure1.json"), SearchJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(pairs));
        if (positionsPairs > 0) {
            long positionsStarted = System.nanoTime();
            images.addAll(positions(index, models, tests, lambdas, positionsPairs, threads, outDir, out));
            out.printf(Locale.ROOT, "rows 3-4 in %.0f s%n", (System.nanoTime() - positionsStarted) / 1e9);
        }
        StringBuilder h = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>MAL Figure 1</title></head>"
                + "<body style=\"font-family:sans-serif;max-width:1100px;margin:2em auto\">\n<h1>Figure 1 on " + zoo.dir() + "</h1>\n"
                + "<p>Every ordered pair of zoo models merged by weight matching (default layer map)"
                + (repair ? ", with and without REPAIR (statistics on " + repairRows + " training rows of the base's task)," : "")
                + " against the naive merge; loss curves over " + grid + " values of λ on " + rows + " test rows of the base's task."
                + " Numbers: figure1.json.</p>\n");
        for (String img : images) h.append("<p><img style=\"max-width:100%\" src=\"").append(img).append("\"></p>\n");
        h.append("</body></html>\n");
        Files.writeString(outDir.resolve("index.html"), h.toString());
        out.printf(Locale.ROOT, "done in %.0f s; heat maps, figure1.json and index.html in %s%n", (System.nanoTime() - started) / 1e9, outDir);
        return 0;
    }

    /** The cache of merged pairs in the output folder: one JSON line per pair, appended as pairs finish. */
    static final String CACHE = "figure1-pairs.jsonl";

    /** The pairs of a cache file by key; a line that does not parse (the last one of a killed run) is skipped. */
    static Map<String, Pair> readCache(Path file) throws java.io.IOException {
        Map<String, Pair> m = new HashMap<>();
        if (!Files.isRegularFile(file)) return m;
        for (String line : Files.readAllLines(file)) {
            try {
                Cached c = SearchJson.MAPPER.readValue(line, Cached.class);
                m.put(c.key(), c.pair());
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                // a partial line: recomputed
            }
        }
        return m;
    }

    /** One ordered pair: weight matching (default layer map) against naive, and REPAIRed on {@code repairRows} when given. */
    static Pair pair(ModelCard a, ModelCard b, Map<String, Model> models, Dataset test, Dataset repairRows, double[] lambdas) {
        Model ma = models.get(a.id());
        Model mb = models.get(b.id());
        LayerMap map = LayerMap.common(ma.architecture().depth(), mb.architecture().depth());
        ZooExperiment.Curves c = ZooExperiment.curves(ma, mb, map, test, repairRows, lambdas, 0.05);
        Lmc.Report r = c.weightMatching();
        Lmc.Report rep = c.repaired();
        return new Pair(a.id(), b.id(), a.dataset().task(), b.dataset().task(), map.toString(), r.auc(), r.naiveAuc(), r.aucRatio(),
                r.barrier(), r.naiveBarrier(), r.lambdaStar(), rep == null ? Double.NaN : rep.auc(),
                rep == null ? Double.NaN : rep.aucRatio(), rep == null ? Double.NaN : rep.barrier());
    }

    /** The {@code q} quantile of the finite values (nearest rank; 0: the least). */
    static double percentile(List<Double> values, double q) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) throw new IllegalArgumentException("no finite values to draw");
        return v[(int) Math.min(v.length - 1, Math.floor(q * v.length))];
    }

    /**
     * The order of architecture labels ({@link #arch}): by family, then depth, then the widths as
     * numbers ("equal 16-16" before "equal 128-128").
     */
    static String archKey(String label) {
        int space = label.lastIndexOf(' ');
        if (space < 0 || !label.substring(space + 1).matches("\\d+(-\\d+)*")) return label;
        String[] widths = label.substring(space + 1).split("-");
        StringBuilder k = new StringBuilder(label.substring(0, space)).append('|').append((char) ('a' + widths.length));
        for (String w : widths) k.append('|').append(String.format(Locale.ROOT, "%06d", Integer.parseInt(w)));
        return k.toString();
    }

    private static double mean(List<Pair> ps, java.util.function.ToDoubleFunction<Pair> f) {
        return ps.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String f(double v) { return String.format(Locale.ROOT, "%.4f", v); }

    /**
     * Rows 3–4 ({@link Positions}): per (base task, target task), the heat map of the mean AUC ratio
     * by position (base hidden layer i ← target hidden layer j, pairs of different depth) and the
     * mean loss curves of its best and worst cell; positions.json holds every cell. Returns the
     * images' file names.
     */
    private List<String> positions(ZooIndex index, Map<String, Model> models, Map<String, Dataset> tests, double[] lambdas, int maxPairs,
                                   int threads, Path outDir, PrintWriter out) throws Exception {
        List<String> tasks = index.cards().stream().map(c -> c.dataset().task()).distinct().sorted().toList();
        List<Positions.Grid> grids = new ArrayList<>();
        List<String> images = new ArrayList<>();
        Table t = new Table("positions: base task <- target task", "pairs of different depth", "best cell (AUC ratio)", "worst cell");
        for (String bt : tasks) {
            for (String tt : tasks) {
                Positions.Grid g = Positions.of(bt, tt, index.cards(), models, tests::get, lambdas, maxPairs, 1, threads);
                if (g.cells().isEmpty()) {
                    t.row(bt + " <- " + tt, "0", "-", "-");
                    continue;
                }
                grids.add(g);
                List<String> rowLabels = new ArrayList<>();
                List<String> colLabels = new ArrayList<>();
                for (int k = 0; k < g.maxDepth(); k++) {
                    rowLabels.add("base layer " + k);
                    colLabels.add("target layer " + k);
                }
                double[][] ratio = nan(g.maxDepth(), g.maxDepth());
                Positions.Cell best = null;
                Positions.Cell worst = null;
                for (Positions.Cell c : g.cells()) {
                    ratio[c.baseLayer()][c.targetLayer()] = c.meanAucRatio();
                    if (best == null || c.meanAucRatio() < best.meanAucRatio()) best = c;
                    if (worst == null || c.meanAucRatio() > worst.meanAucRatio()) worst = c;
                }
                String name = bt + "-from-" + tt;
                Path heat = outDir.resolve("positions-auc-ratio-" + name + ".png");
                Plots.png(Plots.heatmap("One layer merged: AUC aligned / naive, " + bt + " <- " + tt + " (" + g.pairs() + " pairs)", "target hidden layer", "base hidden layer", colLabels, rowLabels, ratio,
                        "0.00", 1.0), heat);
                Path curves = outDir.resolve("positions-loss-" + name + ".png");
                Plots.png(Plots.lines("Mean loss over λ, one layer merged, " + bt + " <- " + tt, "λ", "loss (base task)",
                        List.of(Plots.Line.of(cellName(best) + " aligned (best cell)", lambdas, best.meanAlignedLoss()),
                                Plots.Line.of(cellName(best) + " naive", lambdas, best.meanNaiveLoss()),
                                Plots.Line.of(cellName(worst) + " aligned (worst cell)", lambdas, worst.meanAlignedLoss()),
                                Plots.Line.of(cellName(worst) + " naive", lambdas, worst.meanNaiveLoss()))), curves);
                images.add(heat.getFileName().toString());
                images.add(curves.getFileName().toString());
                t.row(bt + " <- " + tt, String.valueOf(g.pairs()), String.format(Locale.ROOT, "%s (%.3f)", cellName(best), best.meanAucRatio()),
                        String.format(Locale.ROOT, "%s (%.3f)", cellName(worst), worst.meanAucRatio()));
            }
        }
        t.print(out);
        Files.writeString(outDir.resolve("positions.json"), SearchJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(grids));
        return images;
    }

    private static String cellName(Positions.Cell c) { return c.baseLayer() + "<-" + c.targetLayer(); }

    /** A readable architecture label: shape family and hidden widths, e.g. "pyramid 32-64-32". */
    static String arch(ModelCard c) {
        StringBuilder sb = new StringBuilder(c.family() == null ? "custom" : c.family()).append(' ');
        List<Integer> w = c.architecture().hiddenWidths();
        for (int k = 0; k < w.size(); k++) sb.append(k == 0 ? "" : "-").append(w.get(k));
        return sb.toString();
    }

    private static double[][] nan(int r, int c) {
        double[][] a = new double[r][c];
        for (double[] row : a) java.util.Arrays.fill(row, Double.NaN);
        return a;
    }
}
