package org.mal.experiments;

import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.core.align.LayerMap;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
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

    /** One merged pair. */
    record Pair(String base, String target, String baseTask, String targetTask, String map, double auc, double naiveAuc, double aucRatio,
                double barrier, double naiveBarrier, double lambdaStar) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (!Files.isRegularFile(conf)) throw new IllegalArgumentException("no configuration file " + conf);
        Settings s = Settings.of(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("figure1"), "figure1")
                .withReference("mal.figure1").only("zoo", "rows", "grid", "out", "positions-pairs");
        int rows = s.getInt("rows");
        int grid = s.getInt("grid");
        int positionsPairs = s.getInt("positions-pairs");
        if (positionsPairs < 0) throw s.invalid("positions-pairs", "must be >= 0 (0: rows 3-4 not drawn), got " + positionsPairs);
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        if (grid < 2) throw s.invalid("grid", "needs at least 2 points, got " + grid);
        Path outDir = Path.of(s.getString("out"));
        Zoo zoo = new Zoo(Path.of(s.getString("zoo")));
        ZooIndex index = ZooIndex.from(zoo);
        if (index.size() < 2) throw new IllegalArgumentException("the zoo " + zoo.dir() + " has fewer than two models with cards"
                + " (the default zoo: ./mal zoo train --conf conf/zoo-default.conf)");
        Files.createDirectories(outDir);
        Map<String, Model> models = new HashMap<>();
        for (ModelCard c : index.cards()) models.put(c.id(), ModelIO.load(zoo.fileOf(c.id())).model());
        Map<String, Dataset> tests = new HashMap<>();
        double[] lambdas = Lmc.grid(grid);
        List<Pair> pairs = new ArrayList<>();
        long started = System.nanoTime();
        for (ModelCard a : index.cards()) {
            Dataset test = tests.computeIfAbsent(a.dataset().task(), t -> ZooExperiment.testSample(data.dir(), t, rows));
            for (ModelCard b : index.cards()) {
                if (a.id().equals(b.id())) continue;
                Model ma = models.get(a.id());
                Model mb = models.get(b.id());
                LayerMap map = LayerMap.common(ma.architecture().depth(), mb.architecture().depth());
                Lmc.Report r = ZooExperiment.evaluate(ma, mb, map, test, lambdas, 0.05);
                pairs.add(new Pair(a.id(), b.id(), a.dataset().task(), b.dataset().task(), map.toString(), r.auc(), r.naiveAuc(), r.aucRatio(),
                        r.barrier(), r.naiveBarrier(), r.lambdaStar()));
            }
        }
        // one heat map per (base task, target task)
        Map<String, List<Pair>> byTasks = new TreeMap<>();
        for (Pair p : pairs) byTasks.computeIfAbsent(p.baseTask() + " <- " + p.targetTask(), k -> new ArrayList<>()).add(p);
        Table t = new Table("base task <- target task", "pairs", "mean AUC ratio", "pairs with ratio < 1", "mean LMC loss aligned", "naive");
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
            rowLabels.sort(null);
            colLabels.sort(null);
            double[][] ratio = nan(rowLabels.size(), colLabels.size());
            double[][] loss = nan(rowLabels.size(), colLabels.size());
            double sumRatio = 0, sumLoss = 0, sumNaive = 0;
            int below = 0;
            for (Pair p : e.getValue()) {
                int r = rowLabels.indexOf(label.get(p.base()));
                int c = colLabels.indexOf(label.get(p.target()));
                ratio[r][c] = p.aucRatio();
                loss[r][c] = p.auc();
                sumRatio += p.aucRatio();
                sumLoss += p.auc();
                sumNaive += p.naiveAuc();
                if (p.aucRatio() < 1) below++;
            }
            int n = e.getValue().size();
            String name = e.getKey().replace(" <- ", "-from-");
            Path ratioPng = outDir.resolve("auc-ratio-" + name + ".png");
            Plots.png(Plots.heatmap("Loss-curve AUC, aligned / naive: base on " + e.getKey().replace(" <- ", ", target on "),
                    "target architecture", "base architecture", colLabels, rowLabels, ratio, "0.00", 1.0), ratioPng);
            Path lossPng = outDir.resolve("lmc-loss-" + name + ".png");
            Plots.png(Plots.heatmap("Mean LMC loss over λ (aligned): base on " + e.getKey().replace(" <- ", ", target on "),
                    "target architecture", "base architecture", colLabels, rowLabels, loss, "0.00"), lossPng);
            images.add(ratioPng.getFileName().toString());
            images.add(lossPng.getFileName().toString());
            t.row(e.getKey(), String.valueOf(n), String.format(Locale.ROOT, "%.3f", sumRatio / n), below + " of " + n,
                    String.format(Locale.ROOT, "%.4f", sumLoss / n), String.format(Locale.ROOT, "%.4f", sumNaive / n));
        }
        t.print(out);
        Files.writeString(outDir.resolve("figure1.json"), SearchJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(pairs));
        if (positionsPairs > 0) {
            images.addAll(positions(index, models, tests, lambdas, positionsPairs, rows, outDir, out));
        }
        StringBuilder h = new StringBuilder("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>MAL Figure 1</title></head>"
                + "<body style=\"font-family:sans-serif;max-width:1100px;margin:2em auto\">\n<h1>Figure 1 on " + zoo.dir() + "</h1>\n"
                + "<p>Every ordered pair of zoo models merged by weight matching (default layer map), loss curves over " + grid
                + " values of λ on " + rows + " test rows of the base's task. Numbers: figure1.json.</p>\n");
        for (String img : images) h.append("<p><img style=\"max-width:100%\" src=\"").append(img).append("\"></p>\n");
        h.append("</body></html>\n");
        Files.writeString(outDir.resolve("index.html"), h.toString());
        out.printf(Locale.ROOT, "%d pairs in %.0f s; heat maps, figure1.json and index.html in %s%n", pairs.size(),
                (System.nanoTime() - started) / 1e9, outDir);
        return 0;
    }

    /**
     * Rows 3–4 ({@link Positions}): per (base task, target task), the heat map of the mean AUC ratio
     * by position (base hidden layer i ← target hidden layer j, pairs of different depth) and the
     * mean loss curves of its best and worst cell; positions.json holds every cell. Returns the
     * images' file names.
     */
    private List<String> positions(ZooIndex index, Map<String, Model> models, Map<String, Dataset> tests, double[] lambdas, int maxPairs,
                                   int rows, Path outDir, PrintWriter out) throws java.io.IOException {
        List<String> tasks = index.cards().stream().map(c -> c.dataset().task()).distinct().sorted().toList();
        List<Positions.Grid> grids = new ArrayList<>();
        List<String> images = new ArrayList<>();
        Table t = new Table("positions: base task <- target task", "pairs of different depth", "best cell (AUC ratio)", "worst cell");
        for (String bt : tasks) {
            for (String tt : tasks) {
                Positions.Grid g = Positions.of(bt, tt, index.cards(), models,
                        task -> tests.computeIfAbsent(task, x -> ZooExperiment.testSample(data.dir(), x, rows)), lambdas, maxPairs, 1);
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
