package org.mal.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.model.Metrics;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;

/**
 * CNN training throughput, MAL against PyTorch in one run (issue 21): {@code cnn-pair}'s CNN
 * (conv-BN-ReLU-pool ×2, conv-BN-ReLU, global average pooling, linear; WIDTH channels, then 2·WIDTH),
 * Adam lr 1e-3, batch BATCH, the first ROWS rows of Fashion-MNIST's training set, EPOCHS epochs;
 * MAL's {@link CnnTrainer#train} and PyTorch ({@code bench/scripts/torch_cnn_training.py} under
 * {@code /usr/bin/python3}, Debian's python3-torch, train mode, the same model, batch and threads)
 * alternate, REPS times each; medians.
 *
 * <p>MAL's time is split by its listener's callbacks as in {@link TrainingVsTorch}: <b>setup</b> (the
 * call's start to the first step's end: graph, gradient graph, first step), <b>steps</b> (the other
 * optimizer steps), <b>per epoch</b> (an epoch's last step to its {@code epochDone}: weight snapshot,
 * batch-norm statistics measured on 2,000 rows, the monitor evaluation on 2,000 rows). PyTorch's time
 * is its epoch loops only, so two ratios are printed: the whole call, and the optimizer steps alone
 * (MAL's steps against PyTorch's loops, which are steps).
 *
 * <p>Usage: {@code CnnTrainingVsTorch [DATA] [ROWS] [EPOCHS] [REPS] [THREADS] [WIDTH] [BATCH]}, default
 * {@code data 6400 1 3 1 8 64}. Set {@code OMP_NUM_THREADS} to THREADS for MAL's side (ND4J reads it at start).
 */
public final class CnnTrainingVsTorch {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 6_400;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        int width = args.length > 5 ? Integer.parseInt(args[5]) : 8;
        int batch = args.length > 6 ? Integer.parseInt(args[6]) : 64;
        Dataset all = new DataDir(data).load(DataDir.FASHION_MNIST).train();
        int[] first = new int[Math.min(rows, all.size())];
        for (int i = 0; i < first.length; i++) first[i] = i;
        Dataset train = all.subset("fashion-mnist-first-" + first.length, first);
        CnnArchitecture arch = architecture(width);
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-3, epochs, batch, 3L);
        System.out.printf(Locale.ROOT, "CNN training: %s (%d parameters), Adam lr 1e-3, batch %d, %d rows of Fashion-MNIST, %d epoch(s), %d reps each side,"
                        + " alternating; OMP_NUM_THREADS=%s, torch threads %d; %s; code %s%n", arch.describe(), arch.parameterCount(), batch, train.size(),
                epochs, reps, System.getenv("OMP_NUM_THREADS"), threads, Platform.describe(), Platform.codeVersion());
        // one short MAL run first: JIT and ND4J's native side warm, as PyTorch's are after import
        CnnTrainer.train(arch, train.subset("warm-up", java.util.Arrays.copyOf(first, Math.min(640, first.length))),
                new TrainConfig(Optimizer.ADAM, 1e-3, 1, batch, 3L), TrainingListener.NONE);
        List<Double> malTotal = new ArrayList<>();
        List<Double> malSetup = new ArrayList<>();
        List<Double> malSteps = new ArrayList<>();
        List<Double> malEpoch = new ArrayList<>();
        List<Double> torchTotal = new ArrayList<>();
        double malLoss = Double.NaN;
        String torchLast = "";
        long stepsPerRun = (long) epochs * ((train.size() + batch - 1) / batch);
        for (int rep = 0; rep < reps; rep++) {
            TrainingVsTorch.Timing t = new TrainingVsTorch.Timing();
            long started = System.nanoTime();
            t.mark = started;
            CnnTrainer.train(arch, train, config, t);
            long done = System.nanoTime();
            double total = (done - started) / 1e9;
            malTotal.add(total);
            malSetup.add(t.setup);
            malSteps.add(t.steps);
            malEpoch.add(t.perEpoch / epochs);
            malLoss = t.lastLoss;
            torchLast = torch(data, train.size(), epochs, batch, threads, width);
            double ts = Double.parseDouble(torchLast.replaceAll(".*\"seconds\": ([0-9.eE+-]+).*", "$1"));
            torchTotal.add(ts);
            System.out.printf(Locale.ROOT, "rep %d: MAL %.2f s (setup %.2f, steps %.2f, per epoch %.3f); PyTorch %.2f s; load %.2f%n", rep, total, t.setup,
                    t.steps, t.perEpoch / epochs, ts, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
        double n = (double) train.size() * epochs;
        double mal = Median.of(malTotal);
        double torch = Median.of(torchTotal);
        double steps = Median.of(malSteps);
        double stepSamples = n - Math.min(batch, train.size());    // the first step is in "setup"
        System.out.printf(Locale.ROOT, "%n| side | s (median of %d) | samples/s | split |%n| --- | ---: | ---: | --- |%n", reps);
        System.out.printf(Locale.ROOT, "| MAL (CnnTrainer) | %.2f | %.0f (steps alone: %.0f) | setup %.2f s, steps %.2f s (%.2f ms per step), per epoch %.3f s |%n",
                mal, n / mal, stepSamples / steps, Median.of(malSetup), steps, steps * 1e3 / (stepsPerRun - 1), Median.of(malEpoch));
        System.out.printf(Locale.ROOT, "| PyTorch %s | %.2f | %.0f | epoch loops only |%n", torchLast.replaceAll(".*\"torch\": \"([^\"]*)\".*", "$1"), torch,
                n / torch);
        System.out.printf(Locale.ROOT, "%nPyTorch / MAL samples/s: %.2f (whole call), %.2f (optimizer steps alone); MAL's last monitor loss %.4f; "
                + "PyTorch's last line: %s%n", mal / torch, (stepSamples / steps) > 0 ? (n / torch) / (stepSamples / steps) : Double.NaN, malLoss, torchLast);
    }

    /** {@code cnn-pair}'s CNN, as {@code torch_cnn_training.py} builds it. */
    static CnnArchitecture architecture(int c) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(c, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c, 2 * c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(2 * c, 1e-5), new CnnLayer.Relu(), new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(2 * c, 2 * c, 3, 1, 1, false), new CnnLayer.BatchNorm2d(2 * c, 1e-5), new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(), new CnnLayer.Flatten(), new CnnLayer.Linear(2 * c, 10, true)));
    }

    private static String torch(Path data, int rows, int epochs, int batch, int threads, int width) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/scripts/torch_cnn_training.py", data.toString(), String.valueOf(rows),
                String.valueOf(epochs), String.valueOf(batch), String.valueOf(threads), String.valueOf(width)).redirectErrorStream(true).start();
        String last = "";
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("{")) last = line;
            }
        }
        if (p.waitFor() != 0 || last.isEmpty()) throw new IllegalStateException("torch_cnn_training.py failed:\n" + all);
        return last;
    }
}
