package org.mal.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.mal.core.Platform;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;

/**
 * How MLP training's step time settles in a fresh JVM (issue 20, docs/RESULTS.md §41): RUNS calls of
 * {@link Trainer#train} back to back in one JVM, each 2 epochs of 784-128-128-10 (Adam 1e-3, batch 128) on
 * the first ROWS Fashion-MNIST training rows, printing each call's mean step time (the listener's step
 * callbacks, the per-epoch snapshot and monitor excluded). No warm-up: the first call is what a fresh
 * {@code ./mal train} pays.
 *
 * <p>Usage: {@code TrainingWarmup [DATA] [ROWS] [RUNS]}, default {@code data 20000 6}; set
 * {@code OMP_NUM_THREADS}.
 */
public final class TrainingWarmup {
    public static void main(String[] args) {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        Dataset all = new DataDir(data).load(DataDir.FASHION_MNIST).train();
        int[] first = new int[Math.min(rows, all.size())];
        for (int i = 0; i < first.length; i++) first[i] = i;
        Dataset train = all.subset("fashion-mnist-first-" + first.length, first);
        Architecture arch = Architecture.mlp(784, List.of(128, 128), 10);
        System.out.printf(Locale.ROOT, "%d calls of Trainer.train in one JVM, 2 epochs of %d rows each; OMP_NUM_THREADS=%s; %s; code %s%n", runs,
                train.size(), System.getenv("OMP_NUM_THREADS"), Platform.describe(), Platform.codeVersion());
        long stepsBefore = 0;
        for (int run = 1; run <= runs; run++) {
            long[] mark = {System.nanoTime()};
            long[] stepNanos = {0};
            long[] steps = {0};
            Trainer.train(arch, train, new TrainConfig(Optimizer.ADAM, 1e-3, 2, 128, 3L), new TrainingListener() {
                @Override
                public void stepDone(long step, long total) {
                    long now = System.nanoTime();
                    stepNanos[0] += now - mark[0];
                    steps[0]++;
                    mark[0] = now;
                }

                @Override
                public void epochDone(int epoch, Metrics sample) { mark[0] = System.nanoTime(); }
            });
            System.out.printf(Locale.ROOT, "call %d (steps %d-%d of the JVM): %.2f ms per step%n", run, stepsBefore + 1, stepsBefore + steps[0],
                    stepNanos[0] / 1e6 / steps[0]);
            stepsBefore += steps[0];
        }
    }
}
