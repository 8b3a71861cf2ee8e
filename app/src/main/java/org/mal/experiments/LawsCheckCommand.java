package org.mal.experiments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.cli.UsageError;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An experiment over a trained zoo that checks the MAL paper's bag of laws (§4) with our engine:
 * weight matching and LMC curves on the base's task for many pairs, grouped the way each law
 * speaks. It reports what it measures, whether or not a law holds.
 */
@Command(name = "laws-check", mixinStandardHelpOptions = true,
        description = {"Check the paper's bag of laws on a trained zoo: (1) same-dataset merges go better when the "
                + "models are strong; (2) across datasets width mismatch costs little; (3) deep-to-shallow layer maps "
                + "do worse than depth-matched ones. Weight matching, loss curves on the base task's test rows."})
public final class LawsCheckCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--zoo", defaultValue = "zoos/default", description = "Zoo folder (default: ${DEFAULT-VALUE}).")
    Path zooDir;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--grid", defaultValue = "11", description = "λ grid points (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--rows", defaultValue = "2000", description = "Test rows per task, stratified (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--tolerance", defaultValue = "0.05", description = "λ* tolerance (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--json", description = "Write every evaluated pair here.")
    Path json;

    @Option(names = "--force", description = "Overwrite --json if it exists.")
    boolean force;

    private record Entry(ModelCard card, Model model) {}

    private record Result(String base, String target, String map, String group, double auc, double naiveAuc, double aucRatio,
                          double barrier, double lambdaStar) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (grid < 2) throw new UsageError("--grid needs at least 2 points, got " + grid);
        if (rows < 1) throw new UsageError("--rows must be >= 1, got " + rows);
        if (json != null) {
            if (Files.exists(json) && !force) throw new IllegalArgumentException(json + " exists; pass --force to overwrite it");
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("the folder of " + json + " does not exist");
        }
        List<Entry> zoo = new ArrayList<>();
        for (Zoo.Entry e : new Zoo(zooDir).list()) {
            if (e.card().isPresent() && e.card().get().dataset() != null) {
                zoo.add(new Entry(e.card().get(), ModelIO.load(e.file()).model()));
            }
        }
        if (zoo.size() < 2) throw new IllegalArgumentException("the zoo " + zooDir + " has fewer than two models with cards"
                + " (the default zoo: ./mal zoo train --conf conf/zoo-default.conf)");
        Map<String, Dataset> tests = new HashMap<>();
        for (Entry e : zoo) {
            tests.computeIfAbsent(e.card().dataset().task(), t -> ZooExperiment.testSample(data.dir(), t, rows));
        }
        double[] lambdas = Lmc.grid(grid);
        List<Result> results = new ArrayList<>();
        long started = System.nanoTime();
        for (Entry a : zoo) {
            for (Entry b : zoo) {
                if (a == b) continue;
                boolean same = a.card().dataset().task().equals(b.card().dataset().task());
                Dataset test = tests.get(a.card().dataset().task());
                int dA = a.model().architecture().depth();
                int dB = b.model().architecture().depth();
                // laws 1 and 2: every layer to itself
                String group = same ? "same-dataset" : (a.model().architecture().hiddenWidths().equals(b.model().architecture().hiddenWidths())
                        ? "cross-dataset, equal widths" : "cross-dataset, other widths");
                results.add(evaluate(a, b, LayerMap.common(dA, dB), group, test, lambdas));
                if (!same) continue;
                // law 3: single hidden layers i <- j, by relative depth
                for (int i = 0; i < dA - 1; i++) {
                    for (int j = 0; j < dB - 1; j++) {
                        double ri = dA > 2 ? (double) i / (dA - 2) : 0;
                        double rj = dB > 2 ? (double) j / (dB - 2) : 0;
                        String g = Math.abs(ri - rj) < 1e-9 ? "single layer, depth-matched"
                                : rj > ri ? "single layer, deep -> shallow" : "single layer, shallow -> deep";
                        results.add(evaluate(a, b, new LayerMap(List.of(new LayerMap.Pair(i, j))), g, test, lambdas));
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "%d merges evaluated in %.0f s (%d models, grid %d, %d test rows per task, weight matching)%n%n",
                results.size(), (System.nanoTime() - started) / 1e9, zoo.size(), grid, rows);

        out.println("Law 3 (depth order) and laws 1-2 (identity maps), by group:");
        Table t = new Table("group", "merges", "mean AUC aligned", "mean AUC naive", "mean AUC ratio", "mean barrier", "mean λ*");
        Map<String, List<Result>> byGroup = new LinkedHashMap<>();
        for (String g : List.of("same-dataset", "cross-dataset, equal widths", "cross-dataset, other widths",
                "single layer, depth-matched", "single layer, deep -> shallow", "single layer, shallow -> deep")) {
            byGroup.put(g, new ArrayList<>());
        }
        for (Result r : results) byGroup.get(r.group()).add(r);
        byGroup.forEach((g, rs) -> {
            if (rs.isEmpty()) return;
            t.row(g, String.valueOf(rs.size()), f(mean(rs, Result::auc)), f(mean(rs, Result::naiveAuc)), f(mean(rs, Result::aucRatio)),
                    f(mean(rs, Result::barrier)), f(mean(rs, Result::lambdaStar)));
        });
        t.print(out);

        out.println();
        out.println("Law 1 (strong base), same-dataset identity merges split at the median of the stronger model's validation accuracy:");
        List<Result> same = byGroup.get("same-dataset");
        // a card without validation metrics (e.g. a merged model) counts by its test accuracy
        Map<String, Double> valAcc = new HashMap<>();
        for (Entry e : zoo) {
            ModelCard c = e.card();
            valAcc.put(c.id(), c.validation() != null ? c.validation().accuracy() : c.test() != null ? c.test().accuracy() : Double.NaN);
        }
        long unknown = same.stream().filter(r -> Double.isNaN(Math.max(valAcc.get(r.base()), valAcc.get(r.target())))).count();
        if (unknown > 0) out.println("(" + unknown + " merges left out: a model's card has no accuracy)");
        same = same.stream().filter(r -> !Double.isNaN(Math.max(valAcc.get(r.base()), valAcc.get(r.target())))).toList();
        List<Double> strength = same.stream().map(r -> Math.max(valAcc.get(r.base()), valAcc.get(r.target()))).sorted().toList();
        if (!strength.isEmpty()) {
            double median = strength.get(strength.size() / 2);
            List<Result> strong = same.stream().filter(r -> Math.max(valAcc.get(r.base()), valAcc.get(r.target())) >= median).toList();
            List<Result> weak = same.stream().filter(r -> Math.max(valAcc.get(r.base()), valAcc.get(r.target())) < median).toList();
            Table t1 = new Table("pairs", "merges", "mean AUC aligned", "mean AUC ratio", "mean λ*");
            t1.row(String.format(Locale.ROOT, "stronger model val acc >= %.4f", median), String.valueOf(strong.size()),
                    f(mean(strong, Result::auc)), f(mean(strong, Result::aucRatio)), f(mean(strong, Result::lambdaStar)));
            t1.row(String.format(Locale.ROOT, "stronger model val acc < %.4f", median), String.valueOf(weak.size()),
                    f(mean(weak, Result::auc)), f(mean(weak, Result::aucRatio)), f(mean(weak, Result::lambdaStar)));
            t1.print(out);
        }

        if (json != null) {
            ArrayNode arr = ModelIO.JSON.createArrayNode();
            for (Result r : results) arr.add(ModelIO.JSON.valueToTree(r));
            ObjectNode root = ModelIO.JSON.createObjectNode();
            root.put("zoo", zooDir.toString()).put("grid", grid).put("rows", rows).put("tolerance", tolerance);
            root.set("merges", arr);
            Files.writeString(json, ModelIO.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
            out.println("wrote " + json);
        }
        return 0;
    }

    private Result evaluate(Entry a, Entry b, LayerMap map, String group, Dataset test, double[] lambdas) {
        Lmc.Report r = ZooExperiment.evaluate(a.model(), b.model(), map, test, lambdas, tolerance);
        return new Result(a.card().id(), b.card().id(), map.toString(), group, r.auc(), r.naiveAuc(), r.aucRatio(), r.barrier(),
                r.lambdaStar());
    }

    private static double mean(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String f(double v) { return String.format(Locale.ROOT, "%.4f", v); }
}
