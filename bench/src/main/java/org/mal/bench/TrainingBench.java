package org.mal.bench;

import java.util.concurrent.TimeUnit;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Training throughput: one call of {@link Trainer#train} for one epoch of {@value #ARCH} with Adam
 * (lr 1e-3), batch {@value #BATCH}, on {@value #ROWS} synthetic rows of {@value #FEATURES} features
 * and {@value #CLASSES} classes. Each call is timed once ({@link Mode#SingleShotTime}); the time
 * includes setting up the flat weight and optimizer arrays, the {@value #STEPS} optimizer steps, the
 * weight snapshot and the monitor evaluation Trainer does after each epoch (2,000 rows forward).
 * Warm-up calls run the same thing so that the JIT and ND4J's native side have settled.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 4)
@Measurement(iterations = 10)
public class TrainingBench {
    public static final String ARCH = "784-128-128-10";
    public static final int ROWS = 10_000;
    public static final int FEATURES = 784;
    public static final int CLASSES = 10;
    public static final int BATCH = 128;
    /** Optimizer steps per epoch: the last minibatch may be smaller. */
    public static final int STEPS = (ROWS + BATCH - 1) / BATCH;

    private Architecture arch;
    private Dataset train;
    private TrainConfig config;

    @Setup
    public void setup() {
        arch = InferenceBench.parseArch(ARCH);
        train = Synthetic.gaussianBlobs("bench-training", ROWS, 10, FEATURES, CLASSES, 11L).train();
        config = new TrainConfig(Optimizer.ADAM, 1e-3, 1, BATCH, 3L);
    }

    @Benchmark
    public Model trainOneEpoch() {
        return Trainer.train(arch, train, config, TrainingListener.NONE);
    }
}
