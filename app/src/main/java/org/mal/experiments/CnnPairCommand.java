package org.mal.experiments;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.cli.DataOption;
import org.mal.core.cnn.BatchNormStatistics;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.cnn.CnnMerge;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnWeightMatching;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.data.TaskData;
import org.mal.core.model.Metrics;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Two CNNs of one architecture trained from different seeds, merged along λ three ways: naive
 * (no alignment), weight matching, and weight matching followed by a reset of the merged
 * network's batch-norm statistics on training rows (REPAIR for batch-norm networks). Prints test
 * loss and accuracy per λ, the loss barrier (largest {@code L(λ) − ((1−λ)L(0) + λL(1))}) and the
 * midpoint accuracy of each. Training throughput (samples per second of the optimizer loop) is
 * printed per model. A first measurement for issue 21, not part of the search.
 */
@Command(name = "cnn-pair", mixinStandardHelpOptions = true,
        description = "Train two CNNs (same architecture, different seeds) and merge them along lambda: naive, weight matching, "
                + "weight matching + batch-norm statistics reset. Prints test loss/accuracy per lambda and the barriers.")
public final class CnnPairCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--train-rows", defaultValue = "10000", description = "Training rows, a seeded stratified sample (default: ${DEFAULT-VALUE}).")
    int trainRows;

    @Option(names = "--test-rows", defaultValue = "10000", description = "Test rows, a seeded stratified sample (default: ${DEFAULT-VALUE}: all).")
    int testRows;

    @Option(names = "--width", defaultValue = "16", description = "Channels of the first conv; the others have twice as many (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Minibatch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seeds", defaultValue = "1,2", split = ",", description = "The two training seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--grid", defaultValue = "11", description = "Lambda points in [0, 1] (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--stats-rows", defaultValue = "2000", description = "Training rows for the batch-norm reset (default: ${DEFAULT-VALUE}).")
    int statsRows;

    /** conv-BN-ReLU-pool ×2, conv-BN-ReLU, global average pooling, linear. */
    static CnnArchitecture architecture(int c) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c, 2 * c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(2 * c, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(2 * c, 2 * c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(2 * c, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(2 * c, 10, true)));
    }

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        if (seeds.size() != 2) throw new IllegalArgumentException("--seeds takes two seeds, got " + seeds);
        if (grid < 3) throw new IllegalArgumentException("--grid must be at least 3, got " + grid);
        TaskData task = data.dir().load(dataset);
        Dataset train = task.train().size() <= trainRows ? task.train()
                : task.train().subset(dataset + "-train-" + trainRows, Splits.stratified(task.train().labels(), 10, trainRows, 0).selected());
        Dataset stats = train.subset("stats", Splits.stratified(train.labels(), 10, Math.min(statsRows, train.size()), 1).selected());
        Dataset test = task.test().size() <= testRows ? task.test()
                : task.test().subset(dataset + "-test-" + testRows, Splits.stratified(task.test().labels(), 10, testRows, 2).selected());
        CnnArchitecture arch = architecture(width);
        out.printf(Locale.ROOT, "%s: %d training rows, %d test rows; %s (%d parameters)%n", dataset, train.size(), test.size(), arch.describe(),
                arch.parameterCount());
        List<CnnModel> models = new ArrayList<>();
        for (long seed : seeds) {
            long started = System.nanoTime();
            long[] stepTime = {0, 0};
            CnnModel m = CnnTrainer.train(arch, train, new TrainConfig(Optimizer.ADAM, lr, epochs, batch, seed), new TrainingListener() {
                @Override public void stepDone(long step, long total) {
                    if (step == 1) stepTime[0] = System.nanoTime();
                    stepTime[1] = System.nanoTime();
                }
            });
            double seconds = (System.nanoTime() - started) / 1e9;
            double perSecond = (double) (train.size() * (long) epochs - batch) / ((stepTime[1] - stepTime[0]) / 1e9);
            Metrics t = CnnEvaluation.evaluate(m, test);
            out.printf(Locale.ROOT, "seed %d: test accuracy %.2f%%, loss %.4f; trained in %.1f s (%.0f samples/s from the 2nd step on)%n", seed,
                    100 * t.accuracy(), t.loss(), seconds, perSecond);
            out.flush();
            models.add(m);
        }
        CnnModel a = models.get(0);
        CnnModel b = models.get(1);
        long started = System.nanoTime();
        CnnWeightMatching.Result r = CnnWeightMatching.align(a, b, CnnWeightMatching.Settings.DEFAULT);
        out.printf(Locale.ROOT, "weight matching: objective %.3f -> %.3f in %d sweeps, %.2f s%n", r.objectiveBefore(), r.objectiveAfter(), r.sweeps(),
                (System.nanoTime() - started) / 1e9);
        CnnModel aligned = b.permuted(r.perms());
        String[] methods = {"naive", "weight matching", "weight matching + BN reset"};
        double[][] loss = new double[3][grid];
        double[][] acc = new double[3][grid];
        out.println("lambda | " + String.join(" | ", methods) + "   (test accuracy %, loss)");
        for (int k = 0; k < grid; k++) {
            double lambda = (double) k / (grid - 1);
            CnnModel naive = CnnMerge.convex(a, b, lambda);
            CnnModel matched = CnnMerge.convex(a, aligned, lambda);
            CnnModel reset = k == 0 || k == grid - 1 ? matched : BatchNormStatistics.reset(matched, stats.features(0, stats.size()), 250);
            CnnModel[] merged = {naive, matched, reset};
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.2f", lambda));
            for (int m = 0; m < 3; m++) {
                Metrics e = CnnEvaluation.evaluate(merged[m], test);
                loss[m][k] = e.loss();
                acc[m][k] = 100 * e.accuracy();
                line.append(String.format(Locale.ROOT, " | %.2f%% %.4f", acc[m][k], loss[m][k]));
            }
            out.println(line);
            out.flush();
        }
        out.println("method | loss barrier | accuracy barrier (points) | midpoint accuracy");
        for (int m = 0; m < 3; m++) {
            double lossBarrier = Double.NEGATIVE_INFINITY;
            double accBarrier = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < grid; k++) {
                double lambda = (double) k / (grid - 1);
                lossBarrier = Math.max(lossBarrier, loss[m][k] - ((1 - lambda) * loss[m][0] + lambda * loss[m][grid - 1]));
                accBarrier = Math.max(accBarrier, (1 - lambda) * acc[m][0] + lambda * acc[m][grid - 1] - acc[m][k]);
            }
            double mid = grid % 2 == 1 ? acc[m][grid / 2] : Double.NaN;
            out.printf(Locale.ROOT, "%s | %.4f | %.2f | %.2f%%%n", methods[m], lossBarrier, accBarrier, mid);
        }
        return 0;
    }
}
