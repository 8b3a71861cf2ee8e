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
 * <p>Each MAL run is a fresh JVM ({@link MalSide}) with a warm-up run first. With BEFORE_CORE_JAR (a
 * {@code mal-core} jar of an older build), that build's trainer is timed too, in the same rotation:
 * before and after in one run.
 *
 * <p>Usage: {@code CnnTrainingVsTorch [DATA] [ROWS] [EPOCHS] [REPS] [THREADS] [WIDTH] [BATCH] [BEFORE_CORE_JAR]}, default
 * {@code data 6400 1 3 1 8 64}. Set {@code OMP_NUM_THREADS} to THREADS for MAL's side (ND4J reads it at start;
 * the MAL JVMs inherit it).
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
        String beforeJar = args.length > 7 ? args[7] : null;
        CnnArchitecture arch = architecture(width);
        System.out.printf(Locale.ROOT, "CNN training: %s (%d parameters), Adam lr 1e-3, batch %d, %d rows of Fashion-MNIST, %d epoch(s), %d reps each side,"
                        + " alternating%s; OMP_NUM_THREADS=%s, torch threads %d; %s; code %s%n", arch.describe(), arch.parameterCount(), batch, rows,
                epochs, reps, beforeJar == null ? "" : " (MAL before: " + beforeJar + ")", System.getenv("OMP_NUM_THREADS"), threads,
                Platform.describe(), Platform.codeVersion());
        String own = System.getProperty("java.class.path");
        List<String> sides = new ArrayList<>(List.of("MAL"));
        if (beforeJar != null) sides.add("MAL before");
        sides.add("PyTorch");
        java.util.Map<String, List<double[]>> times = new java.util.LinkedHashMap<>();
        String torchLast = "";
        for (int rep = 0; rep < reps; rep++) {
            StringBuilder line = new StringBuilder("rep " + rep + ":");
            for (String side : sides) {
                double[] t;     // total, setup, steps, per epoch, last monitor loss
                if (side.equals("PyTorch")) {
                    torchLast = torch(data, rows, epochs, batch, threads, width);
                    t = new double[] {Double.parseDouble(torchLast.replaceAll(".*\"seconds\": ([0-9.eE+-]+).*", "$1")), 0, 0, 0,
                            Double.parseDouble(torchLast.replaceAll(".*\"final_epoch_loss\": ([0-9.eE+-]+).*", "$1"))};
                } else {
                    String cp = side.equals("MAL") ? own : withCore(own, beforeJar);
                    t = malSide(cp, data, rows, epochs, width, batch);
                }
                times.computeIfAbsent(side, k -> new ArrayList<>()).add(t);
                line.append(String.format(Locale.ROOT, " %s %.2f s", side, t[0]));
                if (!side.equals("PyTorch")) line.append(String.format(Locale.ROOT, " (setup %.2f, steps %.2f, per epoch %.2f)", t[1], t[2], t[3]));
                line.append(';');
            }
            System.out.printf(Locale.ROOT, "%s load %.2f%n", line, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
        double n = (double) rows * epochs;
        long stepsPerRun = (long) epochs * ((rows + batch - 1) / batch);
        double stepSamples = n - Math.min(batch, rows);    // the first step is in "setup"
        double torch = median(times.get("PyTorch"), 0);
        System.out.printf(Locale.ROOT, "%n| side | s (median of %d) | samples/s | samples/s, optimizer steps alone | split (medians) | PyTorch ÷ side, whole | PyTorch ÷ side, steps |%n"
                + "| --- | ---: | ---: | ---: | --- | ---: | ---: |%n", reps);
        for (String side : sides) {
            double total = median(times.get(side), 0);
            if (side.equals("PyTorch")) {
                System.out.printf(Locale.ROOT, "| PyTorch %s | %.2f | %.0f | %.0f | epoch loops only (last loss %.4f) | 1 | 1 |%n",
                        torchLast.replaceAll(".*\"torch\": \"([^\"]*)\".*", "$1"), total, n / total, n / total, times.get(side).get(reps - 1)[4]);
                continue;
            }
            double steps = median(times.get(side), 2);
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.0f | %.0f | setup %.2f s, steps %.2f s (%.1f ms per step), per epoch %.2f s (last monitor loss %.4f) | %.2f | %.2f |%n",
                    side, total, n / total, stepSamples / steps, median(times.get(side), 1), steps, steps * 1e3 / (stepsPerRun - 1), median(times.get(side), 3),
                    times.get(side).get(reps - 1)[4], total / torch, (n / torch) / (stepSamples / steps));
        }
    }

    private static double median(List<double[]> runs, int field) {
        List<Double> v = new ArrayList<>();
        for (double[] r : runs) v.add(r[field]);
        return Median.of(v);
    }

    /** The class path with MAL's core (its jar or {@code core/target/classes}) replaced by {@code jar}. */
    private static String withCore(String classPath, String jar) {
        List<String> out = new ArrayList<>(List.of(jar));
        for (String e : classPath.split(java.io.File.pathSeparator)) {
            if (!e.contains("mal-core") && !e.endsWith("core/target/classes")) out.add(e);
        }
        return String.join(java.io.File.pathSeparator, out);
    }

    /** One MAL training run in a fresh JVM on {@code classPath} (after a short warm-up run there); see {@link MalSide}. */
    private static double[] malSide(String classPath, Path data, int rows, int epochs, int width, int batch) throws Exception {
        Process p = new ProcessBuilder("java", "-Xmx3g", "-cp", classPath, MalSide.class.getName(), data.toString(), String.valueOf(rows),
                String.valueOf(epochs), String.valueOf(width), String.valueOf(batch)).redirectErrorStream(true).start();
        String last = "";
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("MAL ")) last = line;
            }
        }
        if (p.waitFor() != 0 || last.isEmpty()) throw new IllegalStateException("MAL side failed:\n" + all);
        String[] f = last.substring(4).trim().split(" ");
        double[] t = new double[f.length];
        for (int i = 0; i < f.length; i++) t[i] = Double.parseDouble(f[i]);
        return t;
    }

    /**
     * MAL's side in its own JVM (so that two builds of MAL's core can be timed in one run): a warm-up
     * run on 640 rows, then the timed {@link CnnTrainer#train}; prints {@code MAL total setup steps perEpoch lastLoss}
     * in seconds. Arguments: DATA ROWS EPOCHS WIDTH BATCH. Uses only {@code CnnTrainer.train(arch, data, config, listener)},
     * which every build since issue 21's first slice has.
     */
    public static final class MalSide {
        public static void main(String[] args) {
            System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
            Dataset all = new DataDir(Path.of(args[0])).load(DataDir.FASHION_MNIST).train();
            int rows = Integer.parseInt(args[1]);
            int epochs = Integer.parseInt(args[2]);
            int batch = Integer.parseInt(args[4]);
            int[] first = new int[Math.min(rows, all.size())];
            for (int i = 0; i < first.length; i++) first[i] = i;
            Dataset train = all.subset("fashion-mnist-first-" + first.length, first);
            CnnArchitecture arch = architecture(Integer.parseInt(args[3]));
            CnnTrainer.train(arch, train.subset("warm-up", java.util.Arrays.copyOf(first, Math.min(640, first.length))),
                    new TrainConfig(Optimizer.ADAM, 1e-3, 1, batch, 3L), TrainingListener.NONE);
            TrainingVsTorch.Timing t = new TrainingVsTorch.Timing();
            long started = System.nanoTime();
            t.mark = started;
            CnnTrainer.train(arch, train, new TrainConfig(Optimizer.ADAM, 1e-3, epochs, batch, 3L), t);
            double total = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "MAL %.4f %.4f %.4f %.4f %.6f%n", total, t.setup, t.steps, t.perEpoch / epochs, t.lastLoss);
        }
    }

    /** {@code cnn-pair}'s CNN, as {@code torch_cnn_training.py} builds it. */
    public static CnnArchitecture architecture(int c) {
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
