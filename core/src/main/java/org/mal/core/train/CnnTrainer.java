package org.mal.core.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.cnn.BatchNormStatistics;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnModel;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.model.Metrics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Trains {@link CnnModel}s with SameDiff, as {@link Trainer} trains MLPs: softmax cross-entropy on
 * one-hot labels, the same seeded minibatches ({@link Batches}), the same optimizers; the same
 * architecture, data and config give bit-identical tensors on the same machine.
 *
 * <p>The passes are {@link CnnBackprop}'s (ND4J's native ops with hand-written gradients; why not
 * SameDiff's autodiff is said there): batch norms in train mode (batch mean and biased variance over
 * batch, height and width). The optimizer is ND4J's own updater for each tensor
 * ({@code IUpdater.instantiate}, {@code applyUpdater}: the update SameDiff's {@code fit} applies),
 * stepped once per minibatch in the order of {@link Batches}.
 *
 * <p>Running statistics are not tracked during training as PyTorch does (momentum 0.1). After each epoch they are measured afresh
 * on a fixed sample of at most 500 training rows with {@link BatchNormStatistics#reset} (PyTorch's
 * {@code reset_bn_stats}); {@code num_batches_tracked} counts the optimizer steps, as in PyTorch.
 */
public final class CnnTrainer {
    /**
     * Rows (a stratified sample of the training rows) on which each epoch's running statistics are measured and the
     * monitor loss is reported: 500, not the MLP trainer's 2,000, because a CNN's eval pass costs as much as its
     * training (for batch-norm statistics 500 images give 500·h·w values per channel).
     */
    private static final int MONITOR_ROWS = 500;

    /**
     * The workspace of one training step. Without it every step's activations, gradients and temporaries are fresh
     * off-heap buffers that JavaCPP frees only when the JVM collects their small Java wrappers; a large heap is seldom
     * collected, so the off-heap memory grew with {@code -Xmx} (up to JavaCPP's limit, which follows it: 15.7 GB resident
     * for a zoo run at {@code -Xmx8g}, docs/RESULTS.md §35d). In the workspace the first step is learned (its
     * allocations are counted, then one block of that size plus 20% is reserved), and each later step reuses that block
     * from its start; a step that needs more (a last, smaller batch needs less) reallocates.
     */
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private static final java.util.concurrent.atomic.AtomicLong WORKSPACES = new java.util.concurrent.atomic.AtomicLong();

    private CnnTrainer() {}

    /**
     * PyTorch's default initialisation: conv and linear weights and biases uniform in
     * {@code [-1/sqrt(fan_in), 1/sqrt(fan_in)]} ({@code fan_in = in·k·k} for a conv), drawn from a
     * {@link SplittableRandom} seeded with {@code seed} in state-dict order, row-major; batch norm
     * weight 1, bias 0, running mean 0, running variance 1, counter 0. Float32.
     */
    public static CnnModel initialWeights(CnnArchitecture arch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) shapes.put(p.name(), p.shape());
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) {
            String name = p.name();
            String prefix = name.substring(0, name.lastIndexOf('.') + 1);
            boolean batchNorm = shapes.containsKey(prefix + "running_mean");
            long[] shape = p.shape();
            if (p.int64()) {
                params.put(name, Nd4j.scalar(DataType.INT64, 0L));
            } else if (batchNorm) {
                boolean one = name.endsWith(".weight") || name.endsWith(".running_var");
                params.put(name, one ? Nd4j.ones(DataType.FLOAT, shape) : Nd4j.zeros(DataType.FLOAT, shape));
            } else {
                long[] weight = shapes.get(prefix + "weight");      // a conv's or linear's: fan_in = in·k·k or in
                long fanIn = 1;
                for (int a = 1; a < weight.length; a++) fanIn *= weight[a];
                params.put(name, uniform(random, 1 / Math.sqrt(fanIn), shape));
            }
        }
        return new CnnModel(arch, params);
    }

    private static INDArray uniform(SplittableRandom random, double bound, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] v = new float[Math.toIntExact(n)];
        for (int k = 0; k < v.length; k++) v[k] = (float) ((random.nextDouble() * 2 - 1) * bound);
        return Nd4j.create(v, shape, DataType.FLOAT);
    }

    /** Trains from {@link #initialWeights}{@code (arch, config.seed())}. */
    public static CnnModel train(CnnArchitecture arch, Dataset train, TrainConfig config, TrainingListener listener) {
        return train(initialWeights(arch, config.seed()), train, config, listener);
    }

    /** Trains a float32 copy of {@code start}; {@code start} itself is not modified. */
    public static CnnModel train(CnnModel start, Dataset train, TrainConfig config, TrainingListener listener) {
        CnnArchitecture arch = start.architecture();
        long[] in = arch.inputShape();
        if (train.featureCount() != in[0] * in[1] * in[2] || train.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("the CNN (" + in[0] + "x" + in[1] + "x" + in[2] + " images, " + arch.outputSize() + " classes) does not fit dataset "
                    + train);
        }
        start = start.castTo(DataType.FLOAT);
        CnnBackprop net = new CnnBackprop(arch, start.params());
        // one ND4J updater per tensor, as SameDiff's fit keeps them (Adam: m and v per tensor, bias-corrected step)
        IUpdater updaterConfig = config.optimizer().updater(config.learningRate());
        Map<String, GradientUpdater> updaters = new LinkedHashMap<>();
        net.params().forEach((name, t) -> {
            long state = updaterConfig.stateSize(t.length());
            updaters.put(name, updaterConfig.instantiate(state == 0 ? null : Nd4j.zeros(DataType.FLOAT, 1, state), true));
        });

        Batches batches = new Batches(train, config.batchSize(), config.seed() ^ 0x5DEECE66DL);
        long totalSteps = (long) batches.batchesPerEpoch() * config.epochs();
        Dataset monitor = train.size() <= MONITOR_ROWS ? train
                : train.subset(train.name() + "-monitor", Splits.stratified(train.labels(), train.classCount(), MONITOR_ROWS, config.seed()).selected());
        CnnModel current = start;
        int iteration = 0;
        // Workspaces per training call (and thread): every array a step allocates lives in one and is overwritten by the next
        // step, so the off-heap memory is one step's, whatever -Xmx (see STEP_WORKSPACE); the epoch's end has its own.
        // Weights and updater state are outside.
        String workspaceId = "mal-cnn-step-" + WORKSPACES.incrementAndGet();
        try {
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                batches.reset();
                while (batches.hasNext()) {
                    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, workspaceId)) {
                        DataSet batch = batches.next();
                        INDArray logits = net.forward(batch.getFeatures(), in);
                        net.backward(logits, batch.getLabels());
                        for (Map.Entry<String, INDArray> e : net.params().entrySet()) {
                            INDArray gradient = net.gradients().get(e.getKey());
                            updaters.get(e.getKey()).applyUpdater(gradient, iteration, epoch - 1);   // turns the gradient into the step
                            e.getValue().subi(gradient);
                        }
                        net.forgetStep();
                    }
                    iteration++;
                    listener.stepDone(iteration, totalSteps);
                }
                current = epochEnd(net, start, iteration, monitor, config, epoch, listener, workspaceId);
            }
        } finally {
            for (String id : List.of(workspaceId, workspaceId + "-epoch")) {
                if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)) {
                    Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id));
                }
            }
        }
        return current;
    }

    /** The epoch's snapshot (running statistics measured on {@code monitor}), checked for divergence and reported. */
    private static CnnModel epochEnd(CnnBackprop net, CnnModel start, int iteration, Dataset monitor, TrainConfig config, int epoch,
                                     TrainingListener listener, String workspaceId) {
        CnnModel current;
        Metrics onMonitor;
        // the statistics and the monitor pass allocate per batch too: in a workspace of their own, the model copied out
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE, workspaceId + "-epoch")) {
            CnnModel inside = snapshot(net, start, iteration, monitor, Math.max(2, config.batchSize()));
            Map<String, INDArray> out = new LinkedHashMap<>();
            inside.params().forEach((name, t) -> out.put(name, t.isAttached() ? t.detach() : t));
            current = new CnnModel(start.architecture(), out);
            onMonitor = CnnEvaluation.evaluate(current, monitor);
        }
        for (INDArray t : current.params().values()) {
            if (t.dataType() != DataType.INT64 && (t.isNaN().any() || t.isInfinite().any())) {
                throw new IllegalStateException("training diverged (NaN or infinite weights) in epoch " + epoch + " with " + config
                        + "; try a smaller learning rate");
            }
        }
        listener.epochDone(epoch, onMonitor);
        return current;
    }

    /** Train-mode logits of {@code model} for image rows {@code x}, by the passes the trainer uses (for tests). */
    static INDArray trainModeLogits(CnnModel model, INDArray x) {
        return new CnnBackprop(model.architecture(), model.castTo(DataType.FLOAT).params()).forward(x, model.architecture().inputShape());
    }

    /** The gradients of the mean softmax cross-entropy at {@code model} on rows {@code x} and one-hot {@code y}, by tensor name (for tests). */
    static Map<String, INDArray> gradients(CnnModel model, INDArray x, INDArray y) {
        CnnBackprop net = new CnnBackprop(model.architecture(), model.castTo(DataType.FLOAT).params());
        net.backward(net.forward(x, model.architecture().inputShape()), y);
        return net.gradients();
    }

    /** The trained tensors as a model, counters advanced by the steps, running statistics measured on {@code monitor}. */
    private static CnnModel snapshot(CnnBackprop net, CnnModel start, long steps, Dataset monitor, int batchSize) {
        Map<String, INDArray> params = new LinkedHashMap<>();
        start.params().forEach((name, t) -> {
            if (name.endsWith(CnnArchitecture.NUM_BATCHES_TRACKED)) {
                params.put(name, Nd4j.scalar(DataType.INT64, t.getLong(0) + steps));
            } else if (net.params().containsKey(name)) {
                params.put(name, net.params().get(name).dup('c'));
            } else {
                params.put(name, t);    // running statistics: measured below
            }
        });
        return BatchNormStatistics.reset(new CnnModel(start.architecture(), params), monitor.features(0, monitor.size()), batchSize);
    }
}
