package org.mal.experiments;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import org.mal.cli.DataOption;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnIO;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnPairing;
import org.mal.core.cnn.CnnRepair;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.CardRows;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooHoldout;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mal cnn-pairs}: issue 21's must-show at issue scale. Pairs of CNNs of a zoo trained by MAL
 * ({@code conf/zoo-cnn-pairs.conf}, {@code ./mal zoo train}) merged along λ three ways: naive (channel {@code p}
 * to channel {@code p}, padding or dropping), weight matching, and weight matching followed by a correction of the
 * merged network on training rows (the batch-norm reset for nets with batch norms, REPAIR for nets without). How a
 * pair merges is {@link CnnPairing}'s: one layer structure with other widths merges every tensor after
 * generalized permutations; another depth merges the units of a layer map, which is <b>chosen on validation
 * rows</b> among every one-to-one map in depth order ({@link CnnPairing#orderedMaps}): the one whose
 * weight-matched, corrected merge at λ = 0.5 has the lowest validation loss.
 *
 * <p>Rows: the correction's statistics come from training rows (a stratified sample of the rows the base's zoo let
 * it use, {@link CardRows#pool}); choices from the zoo holdout (rows of the training set no model of the zoo
 * trained or validated on, {@link ZooHoldout}); the test set is read after every choice is made, and only reported.
 * Per pair: test loss and accuracy at each λ; the loss barrier against the parents (largest
 * {@code L(λ) − ((1−λ)L_base + λL_target)}), the accuracy barrier likewise (largest drop below the line between the
 * parents' accuracies) and the midpoint accuracy of each method. Results also go to {@code <out>/cnn-pairs.tsv}.
 */
@Command(name = "cnn-pairs", mixinStandardHelpOptions = true,
        description = {"Merge pairs of CNNs of a zoo (same architecture, or other widths and depths) along lambda: naive, weight "
                + "matching, weight matching + batch-norm reset (REPAIR without batch norm); a layer map between depths is chosen on "
                + "the zoo's holdout rows; barriers and midpoint accuracies on the test set (conf/cnn-pairs-fmnist.conf)."})
public final class CnnPairsCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--conf", defaultValue = "conf/cnn-pairs-fmnist.conf", description = "Configuration (default: ${DEFAULT-VALUE}).")
    Path conf;

    @picocli.CommandLine.Mixin
    DataOption data;

    /** Most layer maps tried on validation rows for one pair. */
    static final int MAX_MAPS = 64;

    static final String[] METHODS = {"naive", "weight matching", "weight matching + "};

    /** One pair's test curves, method × λ, and the parents' own test metrics. */
    record Result(String name, String base, String target, String pairing, double[] lambdas, double[][] loss, double[][] accuracy, Metrics baseOwn,
                  Metrics targetOwn) {
        /** Largest {@code L(λ) − ((1−λ)L_base + λL_target)} of method {@code m}. */
        double lossBarrier(int m) {
            double b = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < lambdas.length; k++) b = Math.max(b, loss[m][k] - ((1 - lambdas[k]) * baseOwn.loss() + lambdas[k] * targetOwn.loss()));
            return b;
        }

        /** Largest drop (points) of method {@code m}'s accuracy below {@code (1−λ)acc_base + λ acc_target}. */
        double accuracyBarrier(int m) {
            double b = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < lambdas.length; k++) {
                b = Math.max(b, 100 * ((1 - lambdas[k]) * baseOwn.accuracy() + lambdas[k] * targetOwn.accuracy()) - accuracy[m][k]);
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

    private record Member(String id, ModelCard card, CnnModel model) {}

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        if (!Files.isRegularFile(conf)) throw new IllegalArgumentException("no configuration file " + conf);
        Settings s = Settings.of(ConfigFactory.parseFile(conf.toFile()).resolve().getConfig("cnn-pairs"), "cnn-pairs")
                .only("zoo", "task", "pairs", "grid", "stats-rows", "validation-rows", "test-rows", "out");
        int grid = s.getInt("grid");
        int statsRows = s.getInt("stats-rows");
        int validationRows = s.getInt("validation-rows");
        int testRows = s.getInt("test-rows");
        if (grid < 3 || grid % 2 == 0) throw s.invalid("grid", "needs an odd number >= 3 of points (the midpoint on it), got " + grid);
        if (statsRows < 2) throw s.invalid("stats-rows", "must be >= 2, got " + statsRows);
        if (validationRows < 1) throw s.invalid("validation-rows", "must be >= 1, got " + validationRows);
        if (testRows < 0) throw s.invalid("test-rows", "must be >= 0 (0: all), got " + testRows);
        Path zooDir = Path.of(s.getString("zoo"));
        if (!Files.isDirectory(zooDir)) throw s.invalid("zoo", "zoo folder " + zooDir + " does not exist (train it: ./mal zoo train --conf conf/zoo-cnn-pairs.conf --zoo "
                + zooDir + ")");
        String task = s.getString("task");
        Path outDir = Path.of(s.getString("out"));
        List<String[]> pairs = new ArrayList<>();
        List<? extends Config> pairList = s.config().getConfigList("pairs");
        if (pairList.isEmpty()) throw s.invalid("pairs", "needs at least one pair");
        for (int i = 0; i < pairList.size(); i++) {
            Config p = pairList.get(i);
            for (String key : List.of("name", "base", "target")) {
                if (!p.hasPath(key)) throw s.invalid("pairs", "pair " + i + " has no " + key + " (each pair: { name, base, target } with zoo ids)");
            }
            pairs.add(new String[] {p.getString("name"), p.getString("base"), p.getString("target")});
        }
        Files.createDirectories(outDir);
        long started = System.nanoTime();

        Zoo zoo = new Zoo(zooDir);
        Map<String, Member> members = new LinkedHashMap<>();
        for (String[] p : pairs) {
            for (String id : List.of(p[1], p[2])) {
                if (members.containsKey(id)) continue;
                Path file = zoo.fileOf(id);
                if (!Files.isRegularFile(file)) throw s.invalid("pairs", "zoo " + zooDir + " has no model " + id);
                ModelCard card = zoo.entry(file).card().orElseThrow(() -> s.invalid("pairs", "model " + id + " has no card"));
                if (!card.convolutional()) throw s.invalid("pairs", "model " + id + " is not a CNN");
                if (!card.dataset().task().equals(task)) throw s.invalid("pairs", "model " + id + " was trained on " + card.dataset().task() + ", not " + task);
                members.put(id, new Member(id, card, CnnIO.load(file).model()));
            }
        }

        // rows: statistics from the base's training rows, choices on the zoo holdout; the test set only after the choices
        Dataset train = data.dir().load(task).train();
        Map<String, Dataset> statsFor = new LinkedHashMap<>();
        Dataset validation = null;
        for (Member m : members.values()) {
            if (m.card().holdout() == null) throw s.invalid("pairs", "model " + m.id() + "'s zoo holds no rows out (zoo.training.holdout-rows): no rows to choose on");
            ZooHoldout h = ZooHoldout.of(train, m.card().holdout());
            Dataset v = h.dataset(train);
            if (validation != null && !validation.contentHash().equals(v.contentHash())) throw s.invalid("pairs", "the models' zoo holdouts differ");
            validation = v;
            int[] pool = CardRows.pool(train, m.card());
            Dataset poolRows = train.subset(train.name() + "-pool", pool);
            int[] picked = Splits.stratified(poolRows.labels(), poolRows.classCount(), Math.min(statsRows, poolRows.size()), 3).selected();
            int[] rows = new int[picked.length];
            for (int i = 0; i < rows.length; i++) rows[i] = pool[picked[i]];
            if (!CardRows.disjoint(rows, holdoutRows(train, h))) throw new IllegalStateException("statistics rows overlap the holdout");
            statsFor.put(m.id(), train.subset(train.name() + "-stats-" + rows.length, rows));
        }
        Dataset chooseOn = validation.size() <= validationRows ? validation
                : validation.subset(validation.name() + "-" + validationRows, Splits.stratified(validation.labels(), validation.classCount(), validationRows, 4).selected());
        out.printf(Locale.ROOT, "cnn-pairs: zoo %s, task %s, %d pairs; statistics on %d training rows of the base's pool, choices on %d holdout rows, "
                + "%d-point grid%n", zooDir, task, pairs.size(), statsRows, chooseOn.size(), grid);

        // choices first (validation rows only)
        List<CnnPairing> chosen = new ArrayList<>();
        List<CnnRepair.Correction> corrections = new ArrayList<>();
        for (String[] p : pairs) {
            Member a = members.get(p[1]);
            Member b = members.get(p[2]);
            CnnRepair.Correction fix = hasBatchNorm(a.model()) ? CnnRepair.Correction.BN_RESET : CnnRepair.Correction.REPAIR;
            corrections.add(fix);
            CnnPairing pairing = CnnPairing.of(a.model().architecture(), b.model().architecture());
            out.printf(Locale.ROOT, "%n== %s: base %s (%s), target %s (%s)%n   %s%n", p[0], a.id(), a.model().architecture().describe(), b.id(),
                    b.model().architecture().describe(), pairing.describe());
            if (pairing instanceof CnnPairing.Unaligned u) throw new IllegalArgumentException("pair " + p[0] + " cannot be aligned: " + u.reason());
            if (pairing instanceof CnnPairing.Layers) {
                INDArray stats = statsFor.get(a.id()).features(0, statsFor.get(a.id()).size());
                List<CnnPairing.Layers> maps = CnnPairing.orderedMaps(a.model().architecture(), b.model().architecture(), MAX_MAPS);
                CnnPairing best = null;
                double bestLoss = Double.POSITIVE_INFINITY;
                out.printf(Locale.ROOT, "   choosing the layer map on %d holdout rows (weight matching + %s at lambda 0.5):%n", chooseOn.size(), label(fix));
                for (CnnPairing.Layers map : maps) {
                    Metrics v = CnnEvaluation.evaluate(CnnPairing.curve(a.model(), b.model(), map, "weight", fix, stats, 250).apply(0.5), chooseOn);
                    out.printf(Locale.ROOT, "   %-40s validation loss %.4f, accuracy %.2f%%%s%n", map.describe(), v.loss(), 100 * v.accuracy(),
                            map.skipped().isEmpty() ? "" : " (" + map.skipped().size() + " pairs refused)");
                    if (v.loss() < bestLoss) {
                        bestLoss = v.loss();
                        best = map;
                    }
                }
                pairing = best;
                out.printf(Locale.ROOT, "   chosen: %s%n", pairing.describe());
            }
            chosen.add(pairing);
            out.flush();
        }

        // the report: the test set, read now
        Dataset testAll = data.dir().loadTest(task);
        Dataset test = testRows == 0 || testRows >= testAll.size() ? testAll
                : testAll.subset(testAll.name() + "-" + testRows, Splits.stratified(testAll.labels(), testAll.classCount(), testRows, 1).selected());
        out.printf(Locale.ROOT, "%ntest: %d rows of %s%n", test.size(), task);
        List<Result> results = new ArrayList<>();
        List<String> tsv = new ArrayList<>();
        tsv.add("pair\tbase\ttarget\tpairing\tmethod\tlambda\ttest_loss\ttest_accuracy");
        for (int i = 0; i < pairs.size(); i++) {
            String[] p = pairs.get(i);
            Member a = members.get(p[1]);
            Member b = members.get(p[2]);
            CnnRepair.Correction fix = corrections.get(i);
            CnnPairing pairing = chosen.get(i);
            INDArray stats = statsFor.get(a.id()).features(0, statsFor.get(a.id()).size());
            long t0 = System.nanoTime();
            List<DoubleFunction<CnnModel>> paths = List.of(
                    CnnPairing.curve(a.model(), b.model(), pairing, "naive", CnnRepair.Correction.NONE, null, 250),
                    CnnPairing.curve(a.model(), b.model(), pairing, "weight", CnnRepair.Correction.NONE, null, 250),
                    CnnPairing.curve(a.model(), b.model(), pairing, "weight", fix, stats, 250));
            Metrics baseOwn = CnnEvaluation.evaluate(a.model(), test);
            Metrics targetOwn = CnnEvaluation.evaluate(b.model(), test);
            double[] lambdas = new double[grid];
            double[][] loss = new double[3][grid];
            double[][] acc = new double[3][grid];
            String[] names = {METHODS[0], METHODS[1], METHODS[2] + label(fix)};
            out.printf(Locale.ROOT, "%n== %s (%s): base %.2f%% / %.4f, target %.2f%% / %.4f on the test rows%n", p[0], pairing.describe(),
                    100 * baseOwn.accuracy(), baseOwn.loss(), 100 * targetOwn.accuracy(), targetOwn.loss());
            out.println("lambda | " + String.join(" | ", names) + "   (test accuracy %, loss)");
            for (int k = 0; k < grid; k++) {
                double lambda = (double) k / (grid - 1);
                lambdas[k] = lambda;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.2f", lambda));
                for (int m = 0; m < 3; m++) {
                    Metrics e = k == 0 ? baseOwn : CnnEvaluation.evaluate(paths.get(m).apply(lambda), test);
                    loss[m][k] = e.loss();
                    acc[m][k] = 100 * e.accuracy();
                    line.append(String.format(Locale.ROOT, " | %.2f%% %.4f", acc[m][k], loss[m][k]));
                    tsv.add(String.join("\t", p[0], a.id(), b.id(), pairing.describe(), names[m], f(lambda), f(loss[m][k]), f(acc[m][k])));
                }
                out.println(line);
                out.flush();
            }
            Result r = new Result(p[0], a.id(), b.id(), pairing.describe(), lambdas, loss, acc, baseOwn, targetOwn);
            results.add(r);
            out.println("method | loss barrier | accuracy barrier (points) | midpoint accuracy | accuracy at lambda 1");
            for (int m = 0; m < 3; m++) {
                out.printf(Locale.ROOT, "%s | %.4f | %.2f | %.2f%% | %.2f%%%n", names[m], r.lossBarrier(m), r.accuracyBarrier(m), r.midpointAccuracy(m), acc[m][grid - 1]);
            }
            out.printf(Locale.ROOT, "(%.0f s)%n", (System.nanoTime() - t0) / 1e9);
            out.flush();
        }
        Files.write(outDir.resolve("cnn-pairs.tsv"), tsv);
        out.printf(Locale.ROOT, "%nwrote %s; done in %.0f s%n", outDir.resolve("cnn-pairs.tsv"), (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private static int[] holdoutRows(Dataset train, ZooHoldout h) {
        int[] available = h.available(train.size());
        return org.mal.core.data.Shards.complement(train.size(), available);
    }

    private static boolean hasBatchNorm(CnnModel m) {
        return m.params().keySet().stream().anyMatch(n -> n.endsWith("running_mean"));
    }

    private static String label(CnnRepair.Correction c) { return c == CnnRepair.Correction.BN_RESET ? "BN reset" : "REPAIR"; }

    private static String f(double v) { return String.format(Locale.ROOT, "%.6g", v); }
}
