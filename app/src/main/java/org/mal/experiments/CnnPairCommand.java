package org.mal.experiments;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import org.mal.cli.DataOption;
import org.mal.core.cnn.CnnAligner;
import org.mal.core.cnn.CnnAlignment;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnIO;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnRepair;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.data.TaskData;
import org.mal.core.model.Metrics;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Two CNNs of one layer structure merged along λ: by each aligner ({@code naive}, {@code weight}
 * matching, {@code activation} matching, with generalized permutations when the channel widths
 * differ, or {@code zip}: ZipIt! on channels, {@link org.mal.core.cnn.CnnZip}, default decay and budget), each without and with a correction of the merged network's statistics on training rows
 * ({@code repair}: REPAIR for layers without batch norm plus a batch-norm reset; {@code bn-reset}:
 * the reset only). Prints test loss and accuracy per λ, the loss barrier (largest
 * {@code L(λ) − ((1−λ)L(0) + λL(1))}), the accuracy barrier and the midpoint accuracy of each curve.
 * The two models are trained here with {@link CnnTrainer} (seeds {@code --seeds}), or read from
 * safetensors files ({@code --base}, {@code --target}: MAL's or PyTorch state dicts of this net,
 * e.g. from {@code core/src/test/python/train_cnn.py}). Not part of the search.
 */
@Command(name = "cnn-pair", mixinStandardHelpOptions = true,
        description = "Merge two CNNs of one layer structure (channel widths may differ) along lambda: naive, weight matching, activation "
                + "matching or zip, each without and with REPAIR / batch-norm reset. Trains them, or reads them with --base/--target. "
                + "Prints test loss/accuracy per lambda and the barriers.")
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

    @Option(names = "--width", defaultValue = "16", description = "Channels of the first conv; the others have twice as many (default: ${DEFAULT-VALUE}); "
            + "--base-widths/--target-widths override it.")
    int width;

    @Option(names = "--base-widths", split = ",", description = "The base's three conv widths, e.g. 8,16,16 (default: from --width).")
    List<Integer> baseWidths;

    @Option(names = "--target-widths", split = ",", description = "The target's three conv widths, e.g. 12,12,24 (default: the base's).")
    List<Integer> targetWidths;

    @Option(names = "--batch-norm", defaultValue = "true", arity = "1", description = "Batch norm after every conv, convs without bias (default: ${DEFAULT-VALUE}); "
            + "false: convs with bias, no batch norm.")
    boolean batchNorm;

    @Option(names = "--base", description = "Read the base from this safetensors file instead of training it.")
    Path baseFile;

    @Option(names = "--target", description = "Read the target from this safetensors file instead of training it.")
    Path targetFile;

    @Option(names = "--aligners", defaultValue = "naive,weight,activation", split = ",", description = "Aligners: naive, weight, activation, zip (default: ${DEFAULT-VALUE}).")
    List<String> aligners;

    @Option(names = "--correction", defaultValue = "repair", description = "repair or bn-reset, run after each aligner besides the plain merge "
            + "(default: ${DEFAULT-VALUE}); none: plain merges only.")
    String correction;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs when training (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Minibatch size when training (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "0.001", description = "Adam learning rate when training (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--seeds", defaultValue = "1,2", split = ",", description = "The two training seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--grid", defaultValue = "11", description = "Lambda points in [0, 1] (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--stats-rows", defaultValue = "2000", description = "Training rows for activation matching, zip, REPAIR and the batch-norm reset "
            + "(default: ${DEFAULT-VALUE}).")
    int statsRows;

    /** {@link #architecture(int, int, int, boolean)} with widths {@code c, 2c, 2c} and batch norms. */
    static CnnArchitecture architecture(int c) {
        return architecture(c, 2 * c, 2 * c, true);
    }

    /**
     * conv-[BN]-ReLU-maxpool ×2, conv-[BN]-ReLU, global average pooling, flatten, linear; with batch
     * norms the convs have no bias, without them they have one (as {@code train_cnn.py} builds it).
     */
    static CnnArchitecture architecture(int c1, int c2, int c3, boolean batchNorm) {
        List<CnnLayer> layers = new ArrayList<>();
        int[][] convs = {{1, c1}, {c1, c2}, {c2, c3}};
        for (int k = 0; k < 3; k++) {
            layers.add(new CnnLayer.Conv2d(convs[k][0], convs[k][1], 3, 1, 1, !batchNorm));
            if (batchNorm) layers.add(new CnnLayer.BatchNorm2d(convs[k][1], 1e-5));
            layers.add(new CnnLayer.Relu());
            if (k < 2) layers.add(new CnnLayer.MaxPool2d(2, 2));
        }
        layers.add(new CnnLayer.GlobalAvgPool());
        layers.add(new CnnLayer.Flatten());
        layers.add(new CnnLayer.Linear(c3, 10, true));
        return new CnnArchitecture(1, 28, 28, layers);
    }

    private static CnnArchitecture architecture(List<Integer> widths, boolean batchNorm) {
        if (widths.size() != 3) throw new IllegalArgumentException("widths take three conv widths, got " + widths);
        return architecture(widths.get(0), widths.get(1), widths.get(2), batchNorm);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = command.commandLine().getOut();
        if (seeds.size() != 2) throw new IllegalArgumentException("--seeds takes two seeds, got " + seeds);
        if (grid < 3) throw new IllegalArgumentException("--grid must be at least 3, got " + grid);
        CnnRepair.Correction fix = CnnRepair.Correction.parse(correction);
        List<CnnAligner> methods = aligners.stream().map(CnnAligner::of).toList();
        TaskData task = data.dir().load(dataset);
        Dataset train = task.train().size() <= trainRows ? task.train()
                : task.train().subset(dataset + "-train-" + trainRows, Splits.stratified(task.train().labels(), 10, trainRows, 0).selected());
        Dataset stats = train.subset("stats", Splits.stratified(train.labels(), 10, Math.min(statsRows, train.size()), 1).selected());
        Dataset test = task.test().size() <= testRows ? task.test()
                : task.test().subset(dataset + "-test-" + testRows, Splits.stratified(task.test().labels(), 10, testRows, 2).selected());
        List<Integer> bw = baseWidths != null ? baseWidths : List.of(width, 2 * width, 2 * width);
        CnnArchitecture archA = architecture(bw, batchNorm);
        CnnArchitecture archB = architecture(targetWidths != null ? targetWidths : bw, batchNorm);
        out.printf(Locale.ROOT, "%s: %d training rows, %d statistics rows (training), %d test rows%nbase   %s (%d parameters)%ntarget %s (%d parameters)%n",
                dataset, train.size(), stats.size(), test.size(), archA.describe(), archA.parameterCount(), archB.describe(), archB.parameterCount());
        CnnModel a = model(out, "base", archA, baseFile, train, seeds.get(0));
        CnnModel b = model(out, "target", archB, targetFile, train, seeds.get(1));
        for (CnnModel m : List.of(a, b)) {
            Metrics t = CnnEvaluation.evaluate(m, test);
            out.printf(Locale.ROOT, "%s: test accuracy %.2f%%, loss %.4f%n", m == a ? "base" : "target", 100 * t.accuracy(), t.loss());
        }
        INDArray statsX = stats.features(0, stats.size());
        List<String> names = new ArrayList<>();
        List<DoubleFunction<CnnModel>> curves = new ArrayList<>();
        for (CnnAligner method : methods) {
            String aligner = method.name();
            long started = System.nanoTime();
            CnnAlignment alignment = method.align(a, b, statsX);
            out.printf(Locale.ROOT, "%s: objective %.3f -> %.3f, %d sweeps, %.2f s%n", alignment.method(), alignment.objectiveBefore(), alignment.objectiveAfter(),
                    alignment.sweeps(), (System.nanoTime() - started) / 1e9);
            names.add(aligner);
            curves.add(CnnRepair.curve(a, b, alignment, CnnRepair.Correction.NONE, statsX, 250));
            if (fix != CnnRepair.Correction.NONE) {
                names.add(aligner + " + " + correction);
                curves.add(CnnRepair.curve(a, b, alignment, fix, statsX, 250));
            }
        }
        int n = curves.size();
        double[][] loss = new double[n][grid];
        double[][] acc = new double[n][grid];
        out.println("lambda | " + String.join(" | ", names) + "   (test accuracy %, loss)");
        for (int k = 0; k < grid; k++) {
            double lambda = (double) k / (grid - 1);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.2f", lambda));
            for (int m = 0; m < n; m++) {
                Metrics e = CnnEvaluation.evaluate(curves.get(m).apply(lambda), test);
                loss[m][k] = e.loss();
                acc[m][k] = 100 * e.accuracy();
                line.append(String.format(Locale.ROOT, " | %.2f%% %.4f", acc[m][k], loss[m][k]));
            }
            out.println(line);
            out.flush();
        }
        out.println("method | loss barrier | accuracy barrier (points) | midpoint accuracy | endpoint accuracies");
        for (int m = 0; m < n; m++) {
            double lossBarrier = Double.NEGATIVE_INFINITY;
            double accBarrier = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < grid; k++) {
                double lambda = (double) k / (grid - 1);
                lossBarrier = Math.max(lossBarrier, loss[m][k] - ((1 - lambda) * loss[m][0] + lambda * loss[m][grid - 1]));
                accBarrier = Math.max(accBarrier, (1 - lambda) * acc[m][0] + lambda * acc[m][grid - 1] - acc[m][k]);
            }
            double mid = grid % 2 == 1 ? acc[m][grid / 2] : Double.NaN;
            out.printf(Locale.ROOT, "%s | %.4f | %.2f | %.2f%% | %.2f%% / %.2f%%%n", names.get(m), lossBarrier, accBarrier, mid, acc[m][0], acc[m][grid - 1]);
        }
        return 0;
    }

    /** The model from {@code file} (architecture {@code arch}), or trained with {@code seed}. */
    private CnnModel model(PrintWriter out, String role, CnnArchitecture arch, Path file, Dataset train, long seed) throws IOException {
        if (file != null) {
            CnnModel m = CnnIO.load(file, arch);
            out.printf(Locale.ROOT, "%s: read %s%n", role, file);
            return m;
        }
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
        out.printf(Locale.ROOT, "%s: trained with seed %d in %.1f s (%.0f samples/s from the 2nd step on)%n", role, seed, seconds, perSecond);
        out.flush();
        return m;
    }
}
