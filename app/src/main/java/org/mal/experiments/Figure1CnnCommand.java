package org.mal.experiments;

import com.typesafe.config.ConfigFactory;
import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.core.cnn.BatchNormStatistics;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnIO;
import org.mal.core.cnn.CnnMerge;
import org.mal.core.cnn.CnnModel;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.report.Plots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mal figure1-cnn}: the seed paper's Figure 1 on a zoo of CNNs ({@code conf/zoo-cnn.conf}). Every
 * unordered pair of CNNs of one task that the {@link CnnPairAlignment} supports (today: one architecture,
 * different seeds) is merged along λ three ways: naive ({@code CnnMerge.convex} of the two as they are),
 * weight matching, and weight matching followed by a reset of the merged net's batch-norm statistics on
 * training rows (REPAIR for batch-norm nets). Per pair: test loss and accuracy at each λ, the loss-curve
 * AUC (trapezoid over λ in [0, 1]) of each method and its ratio to naive, the loss barrier and the
 * midpoint accuracy. Per task: a heat map architectures × architectures of the mean AUC ratio (cells of
 * unsupported pairs stay empty: heterogeneous pairs fill them once an aligner handles channel
 * mismatch) and the mean loss curves.
 */
@Command(name = "figure1-cnn", mixinStandardHelpOptions = true,
        description = {"Figure 1 on a CNN zoo: merge every same-task pair of CNNs that can be aligned (today: same architecture) "
                + "naively, with weight matching, and with weight matching + batch-norm reset; print AUC ratios, barriers and midpoint "
                + "accuracies, draw heat maps and loss curves (conf/figure1-cnn.conf)."})
public final class Figure1CnnCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", defaultValue = "conf/figure1-cnn.conf", description = "Configuration (default: ${DEFAULT-VALUE}).")
    Path conf;

    @picocli.CommandLine.Mixin
    DataOption data;

    static final String[] METHODS = {"naive", "weight matching", "weight matching + BN reset"};

    /** Test loss and accuracy (%) of each method ({@link #METHODS} order) at each λ. */
    record Curves(double[] lambdas, double[][] loss, double[][] accuracy) {
        /** Area under method {@code m}'s loss curve (trapezoid rule). */
        double auc(int m) {
            double a = 0;
            for (int k = 1; k < lambdas.length; k++) a += (lambdas[k] - lambdas[k - 1]) * (loss[m][k] + loss[m][k - 1]) / 2;
            return a;
        }

        /** Largest {@code L(λ) − ((1−λ)L(0) + λL(1))} of method {@code m}. */
        double barrier(int m) {
            int last = lambdas.length - 1;
            double b = Double.NEGATIVE_INFINITY;
            for (int k = 0; k <= last; k++) {
                double l = lambdas[k];
                b = Math.max(b, loss[m][k] - ((1 - l) * loss[m][0] + l * loss[m][last]));
            }
            return b;
        }

        /** Accuracy (%) of method {@code m} at the grid point nearest λ = 0.5. */
        double midpointAccuracy(int m) {
            int best = 0;
            for (int k = 1; k < lambdas.length; k++) if (Math.abs(lambdas[k] - 0.5) < Math.abs(lambdas[best] - 0.5)) best = k;
            return accuracy[m][best];
        }
    }

    /**
     * The three curves of one pair on {@code test}. λ = 0 is the base and λ = 1 the (aligned) target for every method
     * (evaluated once: the aligned target computes the target's function); the batch-norm reset measures the merged
     * net's running statistics on {@code statsRows} (batches of 250) at each inner λ. Neither model is modified.
     */
    static Curves curves(CnnModel base, CnnModel target, CnnPairAlignment alignment, Dataset test, Dataset statsRows, int grid) {
        CnnModel aligned = alignment.align(base, target);
        double[] lambdas = new double[grid];
        double[][] loss = new double[3][grid];
        double[][] acc = new double[3][grid];
        for (int k = 0; k < grid; k++) {
            double lambda = (double) k / (grid - 1);
            lambdas[k] = lambda;
            if (k == 0 || k == grid - 1) {
                Metrics e = CnnEvaluation.evaluate(k == 0 ? base : target, test);
                for (int m = 0; m < 3; m++) {
                    loss[m][k] = e.loss();
                    acc[m][k] = 100 * e.accuracy();
                }
                continue;
            }
            CnnModel matched = CnnMerge.convex(base, aligned, lambda);
            CnnModel[] merged = {CnnMerge.convex(base, target, lambda), matched,
                    BatchNormStatistics.reset(matched, statsRows.features(0, statsRows.size()), 250)};
            for (int m = 0; m < 3; m++) {
                Metrics e = CnnEvaluation.evaluate(merged[m], test);
                loss[m][k] = e.loss();
                acc[m][k] = 100 * e.accuracy();
            }
        }
        return new Curves(lambdas, loss, acc);
    }

    /** An architecture's label: the zoo id without the task and the seed ({@code mnist-cnn-equal-8x8x8-s1} → {@code cnn-equal-8x8x8}). */
    static String architectureLabel(String id, String task) {
        String s = id.startsWith(task + "-") ? id.substring(task.length() + 1) : id;
        return s.replaceFirst("-s\\d+$", "");
    }

    private record Member(String id, String task, String arch, CnnModel model) {}

    private record PairResult(Member base, Member target, Curves curves, double seconds) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (!Files.isRegularFile(conf)) throw new IllegalArgumentException("no configuration file " + conf);
        Settings s = Settings.of(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("figure1-cnn"), "figure1-cnn")
                .only("zoo", "rows", "stats-rows", "grid", "threads", "out");
        int rows = s.getInt("rows");
        int statsRows = s.getInt("stats-rows");
        int grid = s.getInt("grid");
        int threads = s.getInt("threads");
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        if (statsRows < 2) throw s.invalid("stats-rows", "must be >= 2, got " + statsRows);
        if (grid < 3) throw s.invalid("grid", "needs at least 3 points, got " + grid);
        if (threads < 1) throw s.invalid("threads", "must be >= 1, got " + threads);
        Path zooDir = Path.of(s.getString("zoo"));
        Path outDir = Path.of(s.getString("out"));
        if (!Files.isDirectory(zooDir)) throw s.invalid("zoo", "zoo folder " + zooDir + " does not exist (train it: ./mal zoo train --conf conf/zoo-cnn.conf)");
        Files.createDirectories(outDir);
        long started = System.nanoTime();

        Map<String, List<Member>> byTask = new TreeMap<>();
        int skippedFiles = 0;
        for (Zoo.Entry e : new Zoo(zooDir).list()) {
            ModelCard card = e.card().orElse(null);
            if (card == null || !card.convolutional()) {
                skippedFiles++;
                continue;
            }
            String task = card.dataset().task();
            byTask.computeIfAbsent(task, t -> new ArrayList<>()).add(new Member(e.id(), task, architectureLabel(e.id(), task), CnnIO.load(e.file()).model()));
        }
        if (byTask.isEmpty()) throw new IllegalArgumentException("zoo " + zooDir + " has no CNN with a card");
        CnnPairAlignment alignment = CnnPairAlignment.SAME_ARCHITECTURE;
        out.printf(Locale.ROOT, "figure1-cnn: zoo %s (%d CNNs%s), %d test rows per task, batch-norm reset on %d training rows, %d-point grid, %s%n",
                zooDir, byTask.values().stream().mapToInt(List::size).sum(), skippedFiles > 0 ? ", " + skippedFiles + " other files skipped" : "",
                rows, statsRows, grid, alignment.label());

        List<String> tsv = new ArrayList<>();
        tsv.add("task\tbase\ttarget\tarchitecture\tauc_naive\tauc_wm\tauc_wm_bn\tratio_wm\tratio_wm_bn\tbarrier_naive\tbarrier_wm\tbarrier_wm_bn"
                + "\tmid_acc_naive\tmid_acc_wm\tmid_acc_wm_bn\tacc_base\tacc_target");
        List<com.fasterxml.jackson.databind.node.ObjectNode> jsonl = new ArrayList<>();
        for (Map.Entry<String, List<Member>> t : byTask.entrySet()) {
            String task = t.getKey();
            List<Member> members = t.getValue();
            Dataset test = ZooExperiment.testSample(data.dir(), task, rows);
            Dataset train = data.dir().load(task).train();
            Dataset stats = train.subset(train.name() + "-bn-" + statsRows,
                    Splits.stratified(train.labels(), train.classCount(), Math.min(statsRows, train.size()), 2).selected());
            List<Callable<PairResult>> work = new ArrayList<>();
            int unsupported = 0;
            for (int i = 0; i < members.size(); i++) {
                for (int j = i + 1; j < members.size(); j++) {
                    Member a = members.get(i);
                    Member b = members.get(j);
                    if (!alignment.supports(a.model().architecture(), b.model().architecture())) {
                        unsupported++;
                        continue;
                    }
                    work.add(() -> {
                        long t0 = System.nanoTime();
                        Curves c = curves(a.model(), b.model(), alignment, test, stats, grid);
                        return new PairResult(a, b, c, (System.nanoTime() - t0) / 1e9);
                    });
                }
            }
            out.printf(Locale.ROOT, "%n== %s: %d CNNs, %d pairs merged, %d pairs of different architectures left out (no aligner for them yet)%n",
                    task, members.size(), work.size(), unsupported);
            out.flush();
            List<PairResult> results = ZooExperiment.inParallel(work, threads);

            Table pairs = new Table("base", "target", "acc base/target", "AUC naive", "WM / naive", "WM+BN / naive", "barrier naive / WM / WM+BN",
                    "mid acc naive / WM / WM+BN", "s");
            Map<String, List<PairResult>> byArch = new TreeMap<>();
            for (PairResult r : results) {
                Curves c = r.curves();
                int last = c.lambdas().length - 1;
                pairs.row(r.base().id(), r.target().id(), String.format(Locale.ROOT, "%.1f / %.1f", c.accuracy()[0][0], c.accuracy()[0][last]),
                        String.format(Locale.ROOT, "%.3f", c.auc(0)), String.format(Locale.ROOT, "%.3f", c.auc(1) / c.auc(0)),
                        String.format(Locale.ROOT, "%.3f", c.auc(2) / c.auc(0)),
                        String.format(Locale.ROOT, "%.3f / %.3f / %.3f", c.barrier(0), c.barrier(1), c.barrier(2)),
                        String.format(Locale.ROOT, "%.1f / %.1f / %.1f", c.midpointAccuracy(0), c.midpointAccuracy(1), c.midpointAccuracy(2)),
                        String.format(Locale.ROOT, "%.1f", r.seconds()));
                tsv.add(String.join("\t", task, r.base().id(), r.target().id(), r.base().arch(), f(c.auc(0)), f(c.auc(1)), f(c.auc(2)),
                        f(c.auc(1) / c.auc(0)), f(c.auc(2) / c.auc(0)), f(c.barrier(0)), f(c.barrier(1)), f(c.barrier(2)), f(c.midpointAccuracy(0)),
                        f(c.midpointAccuracy(1)), f(c.midpointAccuracy(2)), f(c.accuracy()[0][0]), f(c.accuracy()[0][last])));
                var node = org.mal.core.model.ModelIO.JSON.createObjectNode();
                node.put("task", task).put("base", r.base().id()).put("target", r.target().id());
                node.putPOJO("lambdas", c.lambdas()).putPOJO("loss", c.loss()).putPOJO("accuracy", c.accuracy());
                jsonl.add(node);
                byArch.computeIfAbsent(r.base().arch() + " | " + r.target().arch(), k -> new ArrayList<>()).add(r);
            }
            pairs.print(out);

            // per architecture pair: means; the heat maps (architectures x architectures; unsupported cells empty)
            List<String> archs = members.stream().map(Member::arch).distinct().sorted().toList();
            double[][] ratioWm = nanMatrix(archs.size());
            double[][] ratioBn = nanMatrix(archs.size());
            Table summary = new Table("architecture pair", "pairs", "WM / naive", "WM+BN / naive", "barrier naive", "barrier WM", "barrier WM+BN",
                    "mid acc naive", "mid acc WM", "mid acc WM+BN");
            double[][] meanLoss = new double[3][grid];
            for (Map.Entry<String, List<PairResult>> e : byArch.entrySet()) {
                List<PairResult> rs = e.getValue();
                double[] m = new double[8];
                for (PairResult r : rs) {
                    Curves c = r.curves();
                    m[0] += c.auc(1) / c.auc(0);
                    m[1] += c.auc(2) / c.auc(0);
                    for (int k = 0; k < 3; k++) m[2 + k] += c.barrier(k);
                    for (int k = 0; k < 3; k++) m[5 + k] += c.midpointAccuracy(k);
                }
                for (int k = 0; k < m.length; k++) m[k] /= rs.size();
                summary.row(e.getKey(), String.valueOf(rs.size()), f3(m[0]), f3(m[1]), f3(m[2]), f3(m[3]), f3(m[4]), f1(m[5]), f1(m[6]), f1(m[7]));
                int i = archs.indexOf(rs.get(0).base().arch());
                int j = archs.indexOf(rs.get(0).target().arch());
                ratioWm[i][j] = m[0];
                ratioBn[i][j] = m[1];
            }
            for (PairResult r : results) for (int m = 0; m < 3; m++) for (int k = 0; k < grid; k++) meanLoss[m][k] += r.curves().loss()[m][k] / results.size();
            out.printf(Locale.ROOT, "%n%s, means per architecture pair:%n", task);
            summary.print(out);
            double[] all = new double[8];
            for (PairResult r : results) {
                Curves c = r.curves();
                all[0] += c.auc(1) / c.auc(0) / results.size();
                all[1] += c.auc(2) / c.auc(0) / results.size();
                for (int k = 0; k < 3; k++) all[2 + k] += c.barrier(k) / results.size();
                for (int k = 0; k < 3; k++) all[5 + k] += c.midpointAccuracy(k) / results.size();
            }
            out.printf(Locale.ROOT, "%s, all %d pairs: AUC ratio WM / naive %.3f, WM+BN / naive %.3f; barrier naive %.3f, WM %.3f, WM+BN %.3f; "
                            + "midpoint accuracy naive %.1f%%, WM %.1f%%, WM+BN %.1f%%%n", task, results.size(), all[0], all[1], all[2], all[3], all[4],
                    all[5], all[6], all[7]);
            if (!results.isEmpty()) {
                Path heat = outDir.resolve("figure1-cnn-" + task + ".png");
                // one colour scale for both maps, white at 1 (no better than naive), symmetric around it
                double half = 0;
                for (double[][] map : List.of(ratioWm, ratioBn)) for (double[] row : map) for (double v : row) if (!Double.isNaN(v)) half = Math.max(half, Math.abs(v - 1));
                Plots.pngRow(List.of(
                        Plots.heatmap("AUC weight matching / naive, " + task, "target architecture", "base architecture", archs, archs, ratioWm, "0.00",
                                1 - half, 1 + half),
                        Plots.heatmap("AUC weight matching + BN reset / naive, " + task, "target architecture", "base architecture", archs, archs, ratioBn,
                                "0.00", 1 - half, 1 + half)), heat);
                List<Plots.Line> lines = new ArrayList<>();
                for (int m = 0; m < 3; m++) lines.add(Plots.Line.of(METHODS[m], results.get(0).curves().lambdas(), meanLoss[m]));
                Path curvesPng = outDir.resolve("figure1-cnn-curves-" + task + ".png");
                Plots.png(Plots.lines("Mean test loss along lambda over " + results.size() + " same-architecture pairs, " + task, "lambda", "test loss", lines),
                        curvesPng);
                out.printf(Locale.ROOT, "wrote %s and %s%n", heat, curvesPng);
            }
            out.flush();
        }
        Files.write(outDir.resolve("figure1-cnn-pairs.tsv"), tsv);
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("figure1-cnn-pairs.jsonl"))) {
            for (var n : jsonl) w.write(n.toString() + "\n");
        }
        out.printf(Locale.ROOT, "%nwrote %s and %s; done in %.0f s%n", outDir.resolve("figure1-cnn-pairs.tsv"), outDir.resolve("figure1-cnn-pairs.jsonl"),
                (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private static double[][] nanMatrix(int n) {
        double[][] m = new double[n][n];
        for (double[] row : m) java.util.Arrays.fill(row, Double.NaN);
        return m;
    }

    private static String f(double v) { return String.format(Locale.ROOT, "%.6g", v); }

    private static String f3(double v) { return String.format(Locale.ROOT, "%.3f", v); }

    private static String f1(double v) { return String.format(Locale.ROOT, "%.1f", v); }
}
