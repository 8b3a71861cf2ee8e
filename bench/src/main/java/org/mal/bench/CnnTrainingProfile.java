package org.mal.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnModel;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.train.CnnTrainer;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.TrainingListener;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Where a CNN training step's time goes (issue 21): {@link CnnTrainer}'s graph for
 * {@link CnnTrainingVsTorch}'s CNN fitted for STEPS minibatches of BATCH rows of Fashion-MNIST, with a
 * SameDiff listener that times every op execution (from {@code preOpExecution} to {@code opExecution},
 * so the native call and SameDiff's bookkeeping of that op) and sums by op name; then the eval-mode
 * forward pass of {@link CnnModel} (what the per-epoch monitor and batch-norm statistics run) timed per
 * module on 2,000 rows in batches of 500.
 *
 * <p>Usage: {@code CnnTrainingProfile [DATA] [STEPS] [WIDTH] [BATCH]}, default {@code data 40 8 64}.
 */
public final class CnnTrainingProfile {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path data = Path.of(args.length > 0 ? args[0] : "data");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int width = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        Dataset all = new DataDir(data).load(DataDir.FASHION_MNIST).train();
        int[] first = new int[steps * batch];
        for (int i = 0; i < first.length; i++) first[i] = i;
        Dataset train = all.subset("first", first);
        CnnArchitecture arch = CnnTrainingVsTorch.architecture(width);
        CnnModel start = CnnTrainer.initialWeights(arch, 3);
        // warm-up: one full epoch of a small set
        CnnTrainer.train(start, all.subset("warm", java.util.Arrays.copyOf(first, 4 * batch)), new TrainConfig(Optimizer.ADAM, 1e-3, 1, batch, 3), TrainingListener.NONE);
        OpTimer timer = new OpTimer();
        long t0 = System.nanoTime();
        long[] stepsEnd = {0};
        CnnTrainer.train(start, train, new TrainConfig(Optimizer.ADAM, 1e-3, 1, batch, 3), new TrainingListener() {
            @Override public void stepDone(long step, long total) { stepsEnd[0] = System.nanoTime(); }
        }, timer);
        double seconds = (stepsEnd[0] - t0) / 1e9;    // to the last step: the per-epoch snapshot and monitor are left out
        double opTotal = timer.nanos.values().stream().mapToLong(Long::longValue).sum() / 1e9;
        System.out.printf(Locale.ROOT, "%d steps of batch %d in %.2f s (%.1f ms per step, %.0f samples/s); ops %.2f s (%d executions per step)%n", steps, batch,
                seconds, seconds * 1e3 / steps, steps * batch / seconds, opTotal, timer.count.values().stream().mapToLong(Long::longValue).sum() / steps);
        System.out.println("| op | executions per step | ms per step | share of step |");
        System.out.println("| --- | ---: | ---: | ---: |");
        timer.nanos.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).forEach(e -> System.out.printf(Locale.ROOT,
                "| %s | %d | %.2f | %.1f%% |%n", e.getKey(), timer.count.get(e.getKey()) / steps, e.getValue() / 1e6 / steps, 100 * e.getValue() / 1e9 / seconds));

        CnnModel model = start;
        INDArray x = all.features(0, 500);
        Map<String, Long> perModule = new TreeMap<>();
        for (int rep = 0; rep < 5; rep++) {
            INDArray h = x.reshape('c', 500, 1, 28, 28);
            for (int i = 0; i < arch.layers().size(); i++) {
                long s = System.nanoTime();
                h = model.layerOutput(i, h);
                if (rep > 0) perModule.merge(String.format(Locale.ROOT, "%02d %s", i, arch.layers().get(i).describe()), System.nanoTime() - s, Long::sum);
            }
        }
        System.out.println("\neval forward of 500 rows, per module (median-free mean of 4 reps):");
        perModule.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-60s %.1f ms%n", k, v / 4e6));
    }

    /** Sums the time of each op execution by op name. */
    static final class OpTimer extends BaseListener {
        final Map<String, Long> nanos = new HashMap<>();
        final Map<String, Long> count = new HashMap<>();
        private long started;

        @Override public boolean isActive(Operation operation) { return operation == Operation.TRAINING; }

        @Override
        public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) { started = System.nanoTime(); }

        @Override
        public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
            String name = op.getOp().opName();
            nanos.merge(name, System.nanoTime() - started, Long::sum);
            count.merge(name, 1L, Long::sum);
        }
    }
}
