package org.mal.experiments;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
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
import org.mal.core.stats.ClusterBootstrap;
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

    @Option(names = "--threads", defaultValue = "0", description = "Pairs merged at once (0, the default: one per core).")
    int threads;

    @Option(names = "--law3-pairs", defaultValue = "0", description = "Law 3's single-layer merges on a seeded sample of this many "
            + "same-dataset pairs (0, the default: every pair; a pair of depths 6 and 6 alone is 36 merges).")
    int law3Pairs;

    @Option(names = "--resamples", defaultValue = "2000", description = "Bootstrap resamples of the model pairs for the intervals "
            + "(default: ${DEFAULT-VALUE}).")
    int resamples;

    @Option(names = "--json", description = "Write every evaluated pair here.")
    Path json;

    @Option(names = "--force", description = "Overwrite --json if it exists.")
    boolean force;

    private record Entry(ModelCard card, Model model) {}

    private record Result(String base, String target, String pair, String map, String group, double auc, double naiveAuc, double aucRatio,
                          double barrier, double lambdaStar) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (grid < 2) throw new UsageError("--grid needs at least 2 points, got " + grid);
        if (rows < 1) throw new UsageError("--rows must be >= 1, got " + rows);
        if (threads < 0) throw new UsageError("--threads must be >= 0 (0: one per core), got " + threads);
        if (law3Pairs < 0) throw new UsageError("--law3-pairs must be >= 0 (0: every same-dataset pair), got " + law3Pairs);
        if (resamples < 100) throw new UsageError("--resamples must be >= 100, got " + resamples);
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
        // law 3's single-layer merges on every same-dataset pair, or on a seeded sample of them
        List<String> sameDataset = new ArrayList<>();
        for (Entry a : zoo) {
            for (Entry b : zoo) {
                if (a != b && a.card().dataset().task().equals(b.card().dataset().task())) sameDataset.add(a.card().id() + "<-" + b.card().id());
            }
        }
        Set<String> law3 = new HashSet<>(sameDataset);
        if (law3Pairs > 0 && law3Pairs < sameDataset.size()) {
            Collections.shuffle(sameDataset, new Random(1));
            law3 = new HashSet<>(sameDataset.subList(0, law3Pairs));
        }
        List<Callable<List<Result>>> work = new ArrayList<>();
        for (Entry a : zoo) {
            for (Entry b : zoo) {
                if (a == b) continue;
                boolean singles = law3.contains(a.card().id() + "<-" + b.card().id());
                work.add(() -> pair(a, b, singles, tests.get(a.card().dataset().task()), lambdas));
            }
        }
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        List<Result> results = new ArrayList<>();
        long started = System.nanoTime();
        for (List<Result> rs : ZooExperiment.inParallel(work, nThreads)) results.addAll(rs);
        out.printf(Locale.ROOT, "%d merges evaluated in %.0f s on %d threads (%d models, grid %d, %d test rows per task, weight matching;"
                        + " law 3 on %d of %d same-dataset pairs)%n%n",
                results.size(), (System.nanoTime() - started) / 1e9, nThreads, zoo.size(), grid, rows, law3.size(), sameDataset.size());

        out.println("Law 3 (depth order) and laws 1-2 (identity maps), by group; [95% interval, bootstrap over model pairs]:");
        Table t = new Table("group", "merges", "pairs", "mean AUC aligned", "mean AUC naive", "mean AUC ratio", "mean barrier", "mean λ*");
        Map<String, List<Result>> byGroup = new LinkedHashMap<>();
        for (String g : List.of(SAME, CROSS_EQUAL, CROSS_OTHER, MATCHED, DEEP_TO_SHALLOW, SHALLOW_TO_DEEP)) byGroup.put(g, new ArrayList<>());
        for (Result r : results) byGroup.get(r.group()).add(r);
        byGroup.forEach((g, rs) -> {
            if (rs.isEmpty()) return;
            t.row(g, String.valueOf(rs.size()), String.valueOf(rs.stream().map(Result::pair).distinct().count()),
                    withInterval(rs, Result::auc), f(mean(rs, Result::naiveAuc)), withInterval(rs, Result::aucRatio),
                    f(mean(rs, Result::barrier)), f(mean(rs, Result::lambdaStar)));
        });
        t.print(out);

        out.println();
        out.println("Law 1 (strong base), same-dataset identity merges split, per task, at the median of the stronger model's accuracy"
                + " (zoo holdout, else validation, else test; per task, so that an easier task does not make its pairs \"strong\"):");
        List<Result> same = byGroup.get(SAME);
        Map<String, Double> acc = new HashMap<>();
        Map<String, String> task = new HashMap<>();
        for (Entry e : zoo) {
            acc.put(e.card().id(), accuracy(e.card()));
            task.put(e.card().id(), e.card().dataset().task());
        }
        long unknown = same.stream().filter(r -> Double.isNaN(Math.max(acc.get(r.base()), acc.get(r.target())))).count();
        if (unknown > 0) out.println("(" + unknown + " merges left out: a model's card has no accuracy)");
        same = same.stream().filter(r -> !Double.isNaN(Math.max(acc.get(r.base()), acc.get(r.target())))).toList();
        Map<String, List<Result>> byTask = new java.util.TreeMap<>();
        for (Result r : same) byTask.computeIfAbsent(task.get(r.base()), k -> new ArrayList<>()).add(r);
        List<Result> strong = new ArrayList<>();
        List<Result> weak = new ArrayList<>();
        Table t1 = new Table("task", "pairs", "merges", "mean AUC aligned", "mean AUC ratio", "mean λ*");
        Table laws = new Table("law", "contrast", "the law says", "estimate", "95% interval", "verdict");
        for (var e : byTask.entrySet()) {
            List<Double> strength = e.getValue().stream().map(r -> Math.max(acc.get(r.base()), acc.get(r.target()))).sorted().toList();
            double m = strength.get(strength.size() / 2);
            List<Result> s1 = e.getValue().stream().filter(r -> Math.max(acc.get(r.base()), acc.get(r.target())) >= m).toList();
            List<Result> w1 = e.getValue().stream().filter(r -> Math.max(acc.get(r.base()), acc.get(r.target())) < m).toList();
            strong.addAll(s1);
            weak.addAll(w1);
            for (List<Result> half : List.of(s1, w1)) {
                if (half.isEmpty()) continue;
                t1.row(e.getKey(), String.format(Locale.ROOT, "stronger model acc %s %.4f", half == s1 ? ">=" : "<", m),
                        String.valueOf(half.size()), withInterval(half, Result::auc), withInterval(half, Result::aucRatio),
                        f(mean(half, Result::lambdaStar)));
            }
            if (!s1.isEmpty() && !w1.isEmpty()) {
                contrast(laws, "1 strong base", e.getKey() + ": ratio(stronger acc >= " + String.format(Locale.ROOT, "%.4f", m)
                        + ") - ratio(weaker)", -1, w1, s1);
            }
        }
        if (!same.isEmpty()) t1.print(out);

        out.println();
        out.println("The laws as contrasts (AUC ratio: aligned over naive, lower is better); 95% intervals, bootstrap over model pairs:");
        if (byTask.size() > 1 && !strong.isEmpty() && !weak.isEmpty()) {
            contrast(laws, "1 strong base", "every task: ratio(stronger half) - ratio(weaker half)", -1, weak, strong);
        }
        List<Result> cross = new ArrayList<>(byGroup.get(CROSS_EQUAL));
        cross.addAll(byGroup.get(CROSS_OTHER));
        if (!byGroup.get(CROSS_OTHER).isEmpty()) {
            level(laws, "2 across datasets", "ratio(cross-dataset, other widths) - 1", byGroup.get(CROSS_OTHER));
        }
        if (!byGroup.get(CROSS_OTHER).isEmpty() && !byGroup.get(CROSS_EQUAL).isEmpty()) {
            contrast(laws, "2 width mismatch", "ratio(cross, other widths) - ratio(cross, equal widths)", 0, byGroup.get(CROSS_EQUAL),
                    byGroup.get(CROSS_OTHER));
        }
        if (!byGroup.get(DEEP_TO_SHALLOW).isEmpty() && !byGroup.get(MATCHED).isEmpty()) {
            contrast(laws, "3 depth order", "ratio(deep -> shallow) - ratio(depth-matched)", 1, byGroup.get(MATCHED),
                    byGroup.get(DEEP_TO_SHALLOW));
        }
        if (!byGroup.get(DEEP_TO_SHALLOW).isEmpty() && !byGroup.get(SHALLOW_TO_DEEP).isEmpty()) {
            contrast(laws, "3 depth order", "ratio(deep -> shallow) - ratio(shallow -> deep)", 1, byGroup.get(SHALLOW_TO_DEEP),
                    byGroup.get(DEEP_TO_SHALLOW));
        }
        laws.print(out);
        out.println("(verdict: \"holds\" when the interval lies on the law's side of 0, \"contradicted\" when on the other side,"
                + " \"no difference shown\" when it spans 0; for \"width mismatch\" the law expects no cost: an interval spanning 0,"
                + " or below it, is in line)");

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

    static final String SAME = "same-dataset";
    static final String CROSS_EQUAL = "cross-dataset, equal widths";
    static final String CROSS_OTHER = "cross-dataset, other widths";
    static final String MATCHED = "single layer, depth-matched";
    static final String DEEP_TO_SHALLOW = "single layer, deep -> shallow";
    static final String SHALLOW_TO_DEEP = "single layer, shallow -> deep";

    /** One ordered pair's merges: the identity map (laws 1-2) and, for same-dataset pairs with {@code singles}, every single hidden layer i <- j (law 3). */
    private List<Result> pair(Entry a, Entry b, boolean singles, Dataset test, double[] lambdas) {
        List<Result> rs = new ArrayList<>();
        boolean same = a.card().dataset().task().equals(b.card().dataset().task());
        int dA = a.model().architecture().depth();
        int dB = b.model().architecture().depth();
        String group = same ? SAME : (a.model().architecture().hiddenWidths().equals(b.model().architecture().hiddenWidths())
                ? CROSS_EQUAL : CROSS_OTHER);
        rs.add(evaluate(a, b, LayerMap.common(dA, dB), group, test, lambdas));
        if (!same || !singles) return rs;
        for (int i = 0; i < dA - 1; i++) {
            for (int j = 0; j < dB - 1; j++) {
                rs.add(evaluate(a, b, new LayerMap(List.of(new LayerMap.Pair(i, j))), depthGroup(i, dA - 1, j, dB - 1), test, lambdas));
            }
        }
        return rs;
    }

    /** Law 3's group of the single-layer map base hidden layer i (of {@code hiddenA}) <- target hidden layer j, by relative depth. */
    static String depthGroup(int i, int hiddenA, int j, int hiddenB) {
        double ri = hiddenA > 1 ? (double) i / (hiddenA - 1) : 0;
        double rj = hiddenB > 1 ? (double) j / (hiddenB - 1) : 0;
        return Math.abs(ri - rj) < 1e-9 ? MATCHED : rj > ri ? DEEP_TO_SHALLOW : SHALLOW_TO_DEEP;
    }

    /** A model's accuracy for law 1: on the zoo's holdout rows, else validation, else test; NaN without any. */
    static double accuracy(ModelCard c) {
        if (c.holdout() != null && c.holdout().metrics() != null) return c.holdout().metrics().accuracy();
        if (c.validation() != null) return c.validation().accuracy();
        return c.test() != null ? c.test().accuracy() : Double.NaN;
    }

    private Result evaluate(Entry a, Entry b, LayerMap map, String group, Dataset test, double[] lambdas) {
        Lmc.Report r = ZooExperiment.evaluate(a.model(), b.model(), map, test, lambdas, tolerance);
        return new Result(a.card().id(), b.card().id(), a.card().id() + "<-" + b.card().id(), map.toString(), group, r.auc(), r.naiveAuc(),
                r.aucRatio(), r.barrier(), r.lambdaStar());
    }

    private String withInterval(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        ClusterBootstrap.Interval ci = meanInterval(rs, f);
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", ci.estimate(), ci.low(), ci.high());
    }

    /** The mean of {@code f} over {@code rs} and its 95% interval, resampling model pairs. */
    private ClusterBootstrap.Interval meanInterval(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        double[] v = rs.stream().mapToDouble(f).toArray();
        String[] c = rs.stream().map(Result::pair).toArray(String[]::new);
        int[] g = new int[v.length];
        java.util.Arrays.fill(g, 1);
        return ClusterBootstrap.of(v, c, g, false, 0.95, resamples, 0);
    }

    /** A row of the laws table: mean AUC ratio of {@code second} − of {@code first}; {@code side}: the sign the law predicts (0: no difference). */
    private void contrast(Table laws, String law, String what, int side, List<Result> first, List<Result> second) {
        List<Result> both = new ArrayList<>(first);
        both.addAll(second);
        double[] v = both.stream().mapToDouble(Result::aucRatio).toArray();
        String[] c = both.stream().map(Result::pair).toArray(String[]::new);
        int[] g = new int[v.length];
        for (int k = first.size(); k < g.length; k++) g[k] = 1;
        ClusterBootstrap.Interval ci = ClusterBootstrap.of(v, c, g, true, 0.95, resamples, 0);
        laws.row(law, what, side < 0 ? "< 0" : side > 0 ? "> 0" : "about 0", String.format(Locale.ROOT, "%+.4f", ci.estimate()),
                String.format(Locale.ROOT, "[%+.4f, %+.4f]", ci.low(), ci.high()), verdict(ci, side));
    }

    /** A row of the laws table: the mean AUC ratio of {@code rs} minus 1 (the law: alignment helps, below 0). */
    private void level(Table laws, String law, String what, List<Result> rs) {
        ClusterBootstrap.Interval ci = meanInterval(rs, r -> r.aucRatio() - 1);
        laws.row(law, what, "< 0", String.format(Locale.ROOT, "%+.4f", ci.estimate()),
                String.format(Locale.ROOT, "[%+.4f, %+.4f]", ci.low(), ci.high()), verdict(ci, -1));
    }

    static String verdict(ClusterBootstrap.Interval ci, int side) {
        if (side == 0) return ci.low() > 0 ? "contradicted (a cost)" : "in line";
        if (!ci.excludesZero()) return "no difference shown";
        return (ci.high() < 0) == (side < 0) ? "holds" : "contradicted";
    }


    private static double mean(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        return rs.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String f(double v) { return String.format(Locale.ROOT, "%.4f", v); }
}
