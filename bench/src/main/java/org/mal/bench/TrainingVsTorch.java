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
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.model.Metrics;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;

/**
 * Training throughput, MAL against PyTorch in one run (issue 20): the same MLP (default
 * 784-128-128-10), Adam with lr 1e-3, batch 128, the first ROWS rows of Fashion-MNIST's training
 * set, EPOCHS epochs; MAL's {@link Trainer#train} and PyTorch ({@code bench/scripts/torch_training.py}
 * under {@code /usr/bin/python3}, Debian's python3-torch) alternate, REPS times each; medians.
 *
 * <p>MAL's time is split by its listener's callbacks: <b>setup</b> (start of the call to the first
 * step's end: the flat weight and optimizer arrays, the first batch and step), <b>steps</b> (the
 * other optimizer steps), <b>per epoch</b> (the last step of an epoch to its {@code epochDone}: the
 * weight snapshot, the finiteness check and the monitor evaluation on 2,000 rows), and the return.
 * PyTorch's is its epoch loops only (shuffle, batch slicing, forward, backward, Adam). Samples/s =
 * rows × epochs ÷ the whole time of each side.
 *
 * <p>Debian's python3-torch is built with a generic BLAS and uses the system's {@code libblas.so.3}: with
 * only the reference BLAS installed its linear layers run ~8× slower. Install OpenBLAS first
 * ({@code apt-get install libopenblas0-pthread}) for a fair comparison (docs/RESULTS.md §38).
 *
 * <p>Usage: {@code TrainingVsTorch [DATA] [ROWS] [EPOCHS] [REPS] [THREADS] [WIDTHS]}, default
 * {@code data 20000 2 3 2 128,128}. Set {@code OMP_NUM_THREADS} to THREADS for MAL's side (ND4J reads it at start).
 */
public final class TrainingVsTorch {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        String widths = args.length > 5 ? args[5] : "128,128";
        Dataset all = new DataDir(data).load(DataDir.FASHION_MNIST).train();
        int[] first = new int[Math.min(rows, all.size())];
        for (int i = 0; i < first.length; i++) first[i] = i;
        Dataset train = all.subset("fashion-mnist-first-" + first.length, first);
        String arch = "784-" + widths.replace(',', '-') + "-10";
        TrainConfig config = new TrainConfig(Optimizer.ADAM, 1e-3, epochs, 128, 3L);
        System.out.printf(Locale.ROOT, "training: %s, Adam lr 1e-3, batch 128, %d rows of Fashion-MNIST, %d epochs, %d reps each side, alternating;"
                + " OMP_NUM_THREADS=%s, torch threads %d; %s; code %s%n", arch, train.size(), epochs, reps, System.getenv("OMP_NUM_THREADS"), threads,
                Platform.describe(), Platform.codeVersion());
        // one short MAL run first: JIT and ND4J's native side warm, as PyTorch's are after import
        Trainer.train(InferenceBench.parseArch(arch), train.subset("warm-up", java.util.Arrays.copyOf(first, Math.min(2_000, first.length))),
                new TrainConfig(Optimizer.ADAM, 1e-3, 1, 128, 3L), TrainingListener.NONE);
        List<Double> malTotal = new ArrayList<>();
        List<Double> malSetup = new ArrayList<>();
        List<Double> malSteps = new ArrayList<>();
        List<Double> malEpoch = new ArrayList<>();
        List<Double> torchTotal = new ArrayList<>();
        double malLoss = Double.NaN;
        String torchLast = "";
        for (int rep = 0; rep < reps; rep++) {
            Timing t = new Timing();
            long started = System.nanoTime();
            t.mark = started;
            Trainer.train(InferenceBench.parseArch(arch), train, config, t);
            long done = System.nanoTime();
            double total = (done - started) / 1e9;
            malTotal.add(total);
            malSetup.add(t.setup);
            malSteps.add(t.steps);
            malEpoch.add(t.perEpoch / epochs);
            malLoss = t.lastLoss;
            torchLast = torch(data, train.size(), epochs, threads, widths);
            double ts = Double.parseDouble(torchLast.replaceAll(".*\"seconds\": ([0-9.eE+-]+).*", "$1"));
            torchTotal.add(ts);
            System.out.printf(Locale.ROOT, "rep %d: MAL %.2f s (setup %.2f, steps %.2f, per epoch %.3f, return %.3f); PyTorch %.2f s%n", rep, total, t.setup,
                    t.steps, t.perEpoch / epochs, (done - t.mark) / 1e9, ts);
        }
        double n = (double) train.size() * epochs;
        double mal = Median.of(malTotal);
        double torch = Median.of(torchTotal);
        System.out.printf(Locale.ROOT, "%n| side | s (median of %d) | samples/s | split |%n| --- | ---: | ---: | --- |%n", reps);
        System.out.printf(Locale.ROOT, "| MAL | %.2f | %.0f | setup %.2f s, steps %.2f s (%.2f ms per step), per epoch %.3f s |%n", mal, n / mal,
                Median.of(malSetup), Median.of(malSteps), Median.of(malSteps) * 1e3 / (epochs * Math.ceil(train.size() / 128.0) - 1),
                Median.of(malEpoch));
        System.out.printf(Locale.ROOT, "| PyTorch %s | %.2f | %.0f | epoch loops only |%n", torchLast.replaceAll(".*\"torch\": \"([^\"]*)\".*", "$1"), torch, n / torch);
        System.out.printf(Locale.ROOT, "%nMAL / PyTorch samples/s: %.2f; MAL's last monitor loss %.4f; PyTorch's last line: %s%n", torch / mal, malLoss, torchLast);
    }

    private static String torch(Path data, int rows, int epochs, int threads, String widths) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "bench/scripts/torch_training.py", data.toString(), String.valueOf(rows), String.valueOf(epochs),
                "128", String.valueOf(threads), widths).redirectErrorStream(true).start();
        String last = "";
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                all.append(line).append('\n');
                if (line.startsWith("{")) last = line;
            }
        }
        if (p.waitFor() != 0 || last.isEmpty()) throw new IllegalStateException("torch_training.py failed:\n" + all);
        return last;
    }

    /** Splits a training call by its listener's callbacks (see the class comment). */
    static final class Timing implements TrainingListener {
        long mark;
        double setup;
        double steps;
        double perEpoch;
        double lastLoss = Double.NaN;

        @Override
        public void stepDone(long step, long totalSteps) {
            long now = System.nanoTime();
            if (step == 1) setup += (now - mark) / 1e9;
            else steps += (now - mark) / 1e9;
            mark = now;
        }

        @Override
        public void epochDone(int epoch, Metrics trainSample) {
            long now = System.nanoTime();
            perEpoch += (now - mark) / 1e9;
            mark = now;
            lastLoss = trainSample.loss();
        }
    }
}
