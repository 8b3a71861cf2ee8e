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
import java.util.function.DoubleFunction;
import org.mal.cli.DataOption;
import org.mal.cli.Table;
import org.mal.core.cnn.BatchNormStatistics;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnIO;
import org.mal.core.cnn.CnnPairing;
import org.mal.core.cnn.CnnRepair;
import org.mal.core.cnn.CnnModel;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.report.Plots;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mal figure1-cnn}: the seed paper's Figure 1 on a zoo of CNNs ({@code conf/zoo-cnn.conf}). Every
 * ordered pair (base, target) of CNN architectures of one task is merged along λ, three ways: naive
 * (channel {@code p} to channel {@code p}, padding or dropping the rest), weight matching, and weight
 * matching followed by a reset of the merged net's batch-norm statistics on training rows (REPAIR for
 * batch-norm nets). How a pair merges comes from its architectures ({@link CnnPairing}): one layer
 * structure (same architecture, or other channel widths) merges every tensor after aligning channels
 * with generalized permutations; other structures (plain against residual, other depths or shortcuts)
 * merge the units a layer map by relative depth pairs; pairs that cannot be aligned are listed with the
 * reason. {@code pairs = one-per-cell} merges one pair per architecture cell (the first model of the
 * base architecture, the last of the target's: on a zoo with two seeds, seed 1 receives seed 2), {@code all}
 * every ordered pair of models (same-architecture pairs once, unordered, as before).
 *
 * <p>Per pair: test loss and accuracy at each λ, the loss-curve AUC (trapezoid over λ in [0, 1]) of each
 * method and its ratio to naive, the loss barrier against the parents (largest
 * {@code L(λ) − ((1−λ)L_base + λL_target)}: for a heterogeneous pair the merge at λ = 1 is not the target)
 * and the midpoint accuracy. Per task: heat maps base architecture × target architecture of the mean AUC
 * ratio, and the mean loss curves.
 */
@Command(name = "figure1-cnn", mixinStandardHelpOptions = true,
        description = {"Figure 1 on a CNN zoo: merge every same-task pair of CNN architectures that can be aligned (other channel "
                + "widths by generalized permutations, other depths or structures by a layer map) naively, with weight matching, and with "
                + "weight matching + batch-norm reset; list the pairs that cannot be aligned with the reason; print AUC ratios, barriers and "
                + "midpoint accuracies, draw heat maps and loss curves (conf/figure1-cnn.conf)."})
public final class Figure1CnnCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", defaultValue = "conf/figure1-cnn.conf", description = "Configuration (default: ${DEFAULT-VALUE}).")
    Path conf;

    @picocli.CommandLine.Mixin
    DataOption data;

    static final String[] METHODS = {"naive", "weight matching", "weight matching + BN reset"};

    /**
     * Test loss and accuracy (%) of each method ({@link #METHODS} order) at each λ, and the parents' own
     * ({@code base}: λ = 0 of every method; {@code target}: the target as trained).
     */
    record Curves(double[] lambdas, double[][] loss, double[][] accuracy, Metrics base, Metrics target) {
        /** Area under method {@code m}'s loss curve (trapezoid rule). */
        double auc(int m) {
            double a = 0;
            for (int k = 1; k < lambdas.length; k++) a += (lambdas[k] - lambdas[k - 1]) * (loss[m][k] + loss[m][k - 1]) / 2;
            return a;
        }

        /** Largest {@code L(λ) − ((1−λ)L_base + λL_target)} of method {@code m}, against the parents' losses. */
        double barrier(int m) {
            double b = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < lambdas.length; k++) {
                double l = lambdas[k];
                b = Math.max(b, loss[m][k] - ((1 - l) * base.loss() + l * target.loss()));
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
     * The three curves of one pair on {@code test}, merged as {@code pairing} says. λ = 0 is the base for every method
     * ({@code baseOnTest}, evaluated once by the caller); every other λ, λ = 1 included, is the method's merge; the
     * batch-norm reset measures the merged net's running statistics on {@code statsRows} (training rows, batches of 250).
     * Neither model is modified.
     */
    static Curves curves(CnnModel base, CnnModel target, CnnPairing pairing, Dataset test, Dataset statsRows, int grid, Metrics baseOnTest,
                         Metrics targetOnTest) {
        INDArray stats = statsRows.features(0, statsRows.size());
        List<DoubleFunction<CnnModel>> paths = List.of(
                CnnPairing.curve(base, target, pairing, "naive", CnnRepair.Correction.NONE, null, 250),
                CnnPairing.curve(base, target, pairing, "weight", CnnRepair.Correction.NONE, null, 250));
        DoubleFunction<CnnModel> reset = lambda -> BatchNormStatistics.reset(paths.get(1).apply(lambda), stats, 250);
        double[] lambdas = new double[grid];
        double[][] loss = new double[3][grid];
        double[][] acc = new double[3][grid];
        for (int k = 0; k < grid; k++) {
            double lambda = (double) k / (grid - 1);
            lambdas[k] = lambda;
            for (int m = 0; m < 3; m++) {
                Metrics e = k == 0 ? baseOnTest : CnnEvaluation.evaluate(m < 2 ? paths.get(m).apply(lambda) : reset.apply(lambda), test);
                loss[m][k] = e.loss();
                acc[m][k] = 100 * e.accuracy();
            }
        }
        return new Curves(lambdas, loss, acc, baseOnTest, targetOnTest);
    }

    /** An architecture's label: the zoo id without the task and the seed ({@code mnist-cnn-equal-8x8x8-s1} → {@code cnn-equal-8x8x8}). */
    static String architectureLabel(String id, String task) {
        String s = id.startsWith(task + "-") ? id.substring(task.length() + 1) : id;
        return s.replaceFirst("-s\\d+$", "");
    }

    private record Member(String id, String task, String arch, CnnModel model) {}

    private record PairResult(Member base, Member target, CnnPairing pairing, Curves curves, double seconds) {}

    /**
     * The ordered pairs of {@code members} to merge: with {@code onePerCell} one per (base architecture, target
     * architecture): the first model of the base's architecture receives the last of the target's (for one architecture
     * with one model, nothing); otherwise every ordered pair of models of different architectures and every unordered
     * pair of one architecture.
     */
    private static List<Member[]> pairsOf(List<Member> members, boolean onePerCell) {
        Map<String, List<Member>> byArch = new TreeMap<>();
        for (Member m : members) byArch.computeIfAbsent(m.arch(), a -> new ArrayList<>()).add(m);
        List<Member[]> out = new ArrayList<>();
        for (List<Member> as : byArch.values()) {
            for (List<Member> bs : byArch.values()) {
                if (onePerCell) {
                    Member a = as.get(0);
                    Member b = bs.get(bs.size() - 1);
                    if (a != b) out.add(new Member[] {a, b});
                } else if (as == bs) {
                    for (int i = 0; i < as.size(); i++) for (int j = i + 1; j < as.size(); j++) out.add(new Member[] {as.get(i), as.get(j)});
                } else {
                    for (Member a : as) for (Member b : bs) out.add(new Member[] {a, b});
                }
            }
        }
        return out;
    }

    /** {@code whole, same architecture}, {@code whole, other widths}, {@code layer map} or {@code not aligned}. */
    private static String kind(CnnPairing p, Member a, Member b) {
        if (p instanceof CnnPairing.Whole) return a.arch().equals(b.arch()) ? "same architecture" : "other widths";
        return p instanceof CnnPairing.Layers ? "layer map" : "not aligned";
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (!Files.isRegularFile(conf)) throw new IllegalArgumentException("no configuration file " + conf);
        Settings s = Settings.of(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("figure1-cnn"), "figure1-cnn")
                .only("zoo", "rows", "stats-rows", "grid", "threads", "out", "pairs");
        int rows = s.getInt("rows");
        int statsRows = s.getInt("stats-rows");
        int grid = s.getInt("grid");
        int threads = s.getInt("threads");
        String pairsMode = s.getString("pairs");
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        if (statsRows < 2) throw s.invalid("stats-rows", "must be >= 2, got " + statsRows);
        if (grid < 3) throw s.invalid("grid", "needs at least 3 points, got " + grid);
        if (threads < 1) throw s.invalid("threads", "must be >= 1, got " + threads);
        if (!pairsMode.equals("one-per-cell") && !pairsMode.equals("all")) throw s.invalid("pairs", "must be one-per-cell or all, got " + pairsMode);
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
        out.printf(Locale.ROOT, "figure1-cnn: zoo %s (%d CNNs%s), %d test rows per task, batch-norm reset on %d training rows, %d-point grid, pairs: %s%n",
                zooDir, byTask.values().stream().mapToInt(List::size).sum(), skippedFiles > 0 ? ", " + skippedFiles + " other files skipped" : "",
                rows, statsRows, grid, pairsMode);

        List<String> tsv = new ArrayList<>();
        tsv.add("task\tbase\ttarget\tbase_architecture\ttarget_architecture\tpairing\tauc_naive\tauc_wm\tauc_wm_bn\tratio_wm\tratio_wm_bn"
                + "\tbarrier_naive\tbarrier_wm\tbarrier_wm_bn\tmid_acc_naive\tmid_acc_wm\tmid_acc_wm_bn\tacc_base\tacc_target");
        List<String> unalignedTsv = new ArrayList<>();
        unalignedTsv.add("task\tbase\ttarget\treason");
        List<com.fasterxml.jackson.databind.node.ObjectNode> jsonl = new ArrayList<>();
        for (Map.Entry<String, List<Member>> t : byTask.entrySet()) {
            String task = t.getKey();
            List<Member> members = t.getValue();
            Dataset test = ZooExperiment.testSample(data.dir(), task, rows);
            Dataset train = data.dir().load(task).train();
            Dataset stats = train.subset(train.name() + "-bn-" + statsRows,
                    Splits.stratified(train.labels(), train.classCount(), Math.min(statsRows, train.size()), 2).selected());
            // each parent's own test metrics, once: λ = 0 of every curve and the barrier's line
            Map<String, Metrics> own = new LinkedHashMap<>();
            for (Member m : members) own.put(m.id(), CnnEvaluation.evaluate(m.model(), test));
            List<Callable<PairResult>> work = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            Table unaligned = new Table("base", "target", "why not");
            int unalignedCount = 0;
            Map<String, Integer> kinds = new TreeMap<>();
            for (Member[] pair : pairsOf(members, pairsMode.equals("one-per-cell"))) {
                Member a = pair[0];
                Member b = pair[1];
                CnnPairing pairing = CnnPairing.of(a.model().architecture(), b.model().architecture());
                kinds.merge(kind(pairing, a, b), 1, Integer::sum);
                if (pairing instanceof CnnPairing.Unaligned u) {
                    unaligned.row(a.id(), b.id(), u.reason());
                    unalignedCount++;
                    unalignedTsv.add(String.join("\t", task, a.id(), b.id(), u.reason()));
                    continue;
                }
                work.add(() -> {
                    long t0 = System.nanoTime();
                    Curves c = curves(a.model(), b.model(), pairing, test, stats, grid, own.get(a.id()), own.get(b.id()));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    synchronized (out) {
                        out.printf(Locale.ROOT, "[%d] %s <- %s (%s): AUC WM / naive %.3f, WM+BN / naive %.3f, %.1f s%n", done.incrementAndGet(), a.id(), b.id(),
                                pairing.describe(), c.auc(1) / c.auc(0), c.auc(2) / c.auc(0), seconds);
                        out.flush();
                    }
                    return new PairResult(a, b, pairing, c, seconds);
                });
            }
            out.printf(Locale.ROOT, "%n== %s: %d CNNs, %d architectures, %d pairs merged (%s)%n", task, members.size(),
                    members.stream().map(Member::arch).distinct().count(), work.size(), kinds);
            if (unalignedCount > 0) {
                out.printf(Locale.ROOT, "%d pairs cannot be aligned:%n", unalignedCount);
                unaligned.print(out);
            }
            out.flush();
            List<PairResult> results = ZooExperiment.inParallel(work, threads);

            Table pairs = new Table("base", "target", "pairing", "acc base/target", "AUC naive", "WM / naive", "WM+BN / naive", "barrier naive / WM / WM+BN",
                    "mid acc naive / WM / WM+BN", "s");
            Map<String, List<PairResult>> byCell = new TreeMap<>();
            Map<String, List<PairResult>> byKind = new TreeMap<>();
            for (PairResult r : results) {
                Curves c = r.curves();
                pairs.row(r.base().id(), r.target().id(), r.pairing().describe(),
                        String.format(Locale.ROOT, "%.1f / %.1f", 100 * c.base().accuracy(), 100 * c.target().accuracy()),
                        String.format(Locale.ROOT, "%.3f", c.auc(0)), String.format(Locale.ROOT, "%.3f", c.auc(1) / c.auc(0)),
                        String.format(Locale.ROOT, "%.3f", c.auc(2) / c.auc(0)),
                        String.format(Locale.ROOT, "%.3f / %.3f / %.3f", c.barrier(0), c.barrier(1), c.barrier(2)),
                        String.format(Locale.ROOT, "%.1f / %.1f / %.1f", c.midpointAccuracy(0), c.midpointAccuracy(1), c.midpointAccuracy(2)),
                        String.format(Locale.ROOT, "%.1f", r.seconds()));
                tsv.add(String.join("\t", task, r.base().id(), r.target().id(), r.base().arch(), r.target().arch(), r.pairing().describe(), f(c.auc(0)),
                        f(c.auc(1)), f(c.auc(2)), f(c.auc(1) / c.auc(0)), f(c.auc(2) / c.auc(0)), f(c.barrier(0)), f(c.barrier(1)), f(c.barrier(2)),
                        f(c.midpointAccuracy(0)), f(c.midpointAccuracy(1)), f(c.midpointAccuracy(2)), f(100 * c.base().accuracy()),
                        f(100 * c.target().accuracy())));
                var node = org.mal.core.model.ModelIO.JSON.createObjectNode();
                node.put("task", task).put("base", r.base().id()).put("target", r.target().id()).put("pairing", r.pairing().describe());
                node.putPOJO("lambdas", c.lambdas()).putPOJO("loss", c.loss()).putPOJO("accuracy", c.accuracy());
                node.put("base_loss", c.base().loss()).put("target_loss", c.target().loss());
                jsonl.add(node);
                byCell.computeIfAbsent(r.base().arch() + " <- " + r.target().arch(), k -> new ArrayList<>()).add(r);
                byKind.computeIfAbsent(kind(r.pairing(), r.base(), r.target()), k -> new ArrayList<>()).add(r);
            }
            pairs.print(out);

            // the heat maps: base architecture (rows) x target architecture (columns), mean over the cell's pairs
            List<String> archs = members.stream().map(Member::arch).distinct().sorted().toList();
            double[][] ratioWm = nanMatrix(archs.size());
            double[][] ratioBn = nanMatrix(archs.size());
            for (List<PairResult> rs : byCell.values()) {
                double[] m = means(rs);
                ratioWm[archs.indexOf(rs.get(0).base().arch())][archs.indexOf(rs.get(0).target().arch())] = m[0];
                ratioBn[archs.indexOf(rs.get(0).base().arch())][archs.indexOf(rs.get(0).target().arch())] = m[1];
            }
            Table summary = new Table("pairing", "pairs", "WM / naive", "WM+BN / naive", "barrier naive", "barrier WM", "barrier WM+BN",
                    "mid acc naive", "mid acc WM", "mid acc WM+BN");
            for (Map.Entry<String, List<PairResult>> e : byKind.entrySet()) summaryRow(summary, e.getKey(), e.getValue());
            summaryRow(summary, "all", results);
            out.printf(Locale.ROOT, "%n%s, means by pairing:%n", task);
            summary.print(out);
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
                // one panel per kind of pairing, the three methods in each
                List<org.knowm.xchart.XYChart> panels = new ArrayList<>();
                for (Map.Entry<String, List<PairResult>> e : byKind.entrySet()) {
                    double[][] meanLoss = new double[3][grid];
                    for (PairResult r : e.getValue()) for (int m = 0; m < 3; m++) for (int k = 0; k < grid; k++) meanLoss[m][k] += r.curves().loss()[m][k] / e.getValue().size();
                    List<Plots.Line> lines = new ArrayList<>();
                    for (int m = 0; m < 3; m++) lines.add(Plots.Line.of(METHODS[m], results.get(0).curves().lambdas(), meanLoss[m]));
                    panels.add(Plots.lines("Mean test loss, " + e.getKey() + " (" + e.getValue().size() + " pairs), " + task, "lambda", "test loss", lines));
                }
                Path curvesPng = outDir.resolve("figure1-cnn-curves-" + task + ".png");
                Plots.pngRow(panels, curvesPng);
                out.printf(Locale.ROOT, "wrote %s and %s%n", heat, curvesPng);
            }
            out.flush();
        }
        Files.write(outDir.resolve("figure1-cnn-pairs.tsv"), tsv);
        Files.write(outDir.resolve("figure1-cnn-unaligned.tsv"), unalignedTsv);
        try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("figure1-cnn-pairs.jsonl"))) {
            for (var n : jsonl) w.write(n.toString() + "\n");
        }
        out.printf(Locale.ROOT, "%nwrote %s, %s and %s; done in %.0f s%n", outDir.resolve("figure1-cnn-pairs.tsv"), outDir.resolve("figure1-cnn-unaligned.tsv"),
                outDir.resolve("figure1-cnn-pairs.jsonl"), (System.nanoTime() - started) / 1e9);
        return 0;
    }

    /** Means over {@code rs}: AUC ratios WM and WM+BN to naive, barriers of the three methods, midpoint accuracies of the three. */
    private static double[] means(List<PairResult> rs) {
        double[] m = new double[8];
        for (PairResult r : rs) {
            Curves c = r.curves();
            m[0] += c.auc(1) / c.auc(0);
            m[1] += c.auc(2) / c.auc(0);
            for (int k = 0; k < 3; k++) m[2 + k] += c.barrier(k);
            for (int k = 0; k < 3; k++) m[5 + k] += c.midpointAccuracy(k);
        }
        for (int k = 0; k < m.length; k++) m[k] /= rs.size();
        return m;
    }

    private static void summaryRow(Table table, String label, List<PairResult> rs) {
        if (rs.isEmpty()) return;
        double[] m = means(rs);
        table.row(label, String.valueOf(rs.size()), f3(m[0]), f3(m[1]), f3(m[2]), f3(m[3]), f3(m[4]), f1(m[5]), f1(m[6]), f1(m[7]));
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
