package org.mal.core.model;

import java.util.ArrayList;
import java.util.List;
import org.mal.core.data.Dataset;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Loss and accuracy of a model on a dataset, in batches. */
public final class Evaluator {
    /** Rows per forward pass unless the caller says otherwise. */
    public static final int DEFAULT_BATCH = 2_000;

    private Evaluator() {}

    public static Metrics evaluate(Model model, Dataset data) {
        return evaluate(model, data, DEFAULT_BATCH);
    }

    /**
     * Mean softmax cross-entropy (natural log) and accuracy over every row of {@code data}. The loss
     * is computed from the logits with the log-sum-exp shift, in double precision.
     */
    public static Metrics evaluate(Model model, Dataset data, int batchSize) {
        Architecture arch = model.architecture();
        if (data.featureCount() != arch.inputSize()) {
            throw new IllegalArgumentException("model " + arch.describe() + " takes " + arch.inputSize()
                    + " inputs but dataset " + data.name() + " has " + data.featureCount() + " features");
        }
        if (data.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("model " + arch.describe() + " has " + arch.outputSize()
                    + " outputs but dataset " + data.name() + " has " + data.classCount() + " classes");
        }
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        return evaluateFrom(model, 0, null, data, batchSize);
    }

    /**
     * Per row of a dataset, whether the model's most likely class is the label and the softmax
     * cross-entropy of its logits: what a paired comparison of two models on the same rows needs, and
     * (averaged) the metrics {@link #evaluate} gives.
     */
    public record Rows(boolean[] correct, double[] loss) {
        /** Mean loss and accuracy, as {@link #evaluate} computes them. */
        public Metrics metrics() {
            int n = loss.length;
            double lossSum = 0;
            long right = 0;
            for (int r = 0; r < n; r++) {
                lossSum += loss[r];
                if (correct[r]) right++;
            }
            return new Metrics(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) right / n, n);
        }
    }

    /** {@link Rows} of {@code model} on every row of {@code data}: one forward pass. */
    public static Rows rows(Model model, Dataset data) {
        boolean[] correct = new boolean[data.size()];
        double[] loss = new double[data.size()];
        int classes = data.classCount();
        for (int from = 0; from < data.size(); from += DEFAULT_BATCH) {
            int to = Math.min(data.size(), from + DEFAULT_BATCH);
            double[] z = model.logits(data.features(from, to)).dup('c').data().asDouble();
            for (int r = 0; r < to - from; r++) {
                int at = r * classes;
                int label = data.label(from + r);
                int argMax = argMax(z, at, classes);
                correct[from + r] = argMax == label;
                loss[from + r] = crossEntropy(z, at, classes, label, z[at + argMax]);
            }
        }
        return new Rows(correct, loss);
    }

    /** Per row of {@code data}, whether the model's most likely class is the label (for paired tests on the same rows). */
    public static boolean[] correct(Model model, Dataset data) { return rows(model, data).correct(); }

    /**
     * Per row of {@code data}, the softmax cross-entropy (natural log) of the model's logits, as
     * {@link #evaluate} averages it (for paired comparisons of loss on the same rows).
     */
    public static double[] rowLosses(Model model, Dataset data) { return rows(model, data).loss(); }

    /**
     * Two models on the same rows: McNemar's exact test of their correctness, and the loss change
     * (second − first) with its 95% paired bootstrap interval; {@code loss} is {@code null} when a
     * row's loss is not finite.
     */
    public record Paired(org.mal.core.stats.McNemar.Result accuracy, org.mal.core.stats.PairedBootstrap.Interval loss) {}

    /** {@code first} against {@code second}, their {@link Rows} on the same rows. */
    public static Paired paired(Rows first, Rows second) {
        var accuracy = org.mal.core.stats.McNemar.compare(first.correct(), second.correct());
        org.mal.core.stats.PairedBootstrap.Interval loss;
        try {
            loss = org.mal.core.stats.PairedBootstrap.of(first.loss(), second.loss());
        } catch (IllegalArgumentException notFinite) {
            loss = null;
        }
        return new Paired(accuracy, loss);
    }

    /** The index of the largest of the {@code classes} logits from {@code at} (the first, on a tie). */
    public static int argMax(double[] z, int at, int classes) {
        int argMax = 0;
        for (int c = 1; c < classes; c++) if (z[at + c] > z[at + argMax]) argMax = c;
        return argMax;
    }

    /**
     * Softmax cross-entropy (natural log) of the {@code classes} logits from {@code at} against
     * {@code label}, shifted by their largest value {@code max} (log-sum-exp), in double.
     */
    public static double crossEntropy(double[] z, int at, int classes, int label, double max) {
        double sumExp = 0;
        for (int c = 0; c < classes; c++) sumExp += Math.exp(z[at + c] - max);
        return Math.log(sumExp) + max - z[at + label];
    }

    /**
     * Inputs of layer {@code layer} for every row of {@code data}: the forward pass through layers
     * {@code 0 .. layer - 1}, shape [rows, input size of {@code layer}]. For {@code layer == 0} the
     * features themselves, the dataset's shared array ({@link Dataset#sharedFeatures}): not to be modified.
     */
    public static INDArray activationsBefore(Model model, int layer, Dataset data, int batchSize) {
        if (layer == 0) return data.sharedFeatures();
        List<INDArray> parts = new ArrayList<>();
        INDArray x = data.sharedFeatures();
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            INDArray h = from == 0 && to == data.size() ? x : x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            for (int i = 0; i < layer; i++) h = model.layerOutput(i, h);
            parts.add(h);
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts.toArray(new INDArray[0]));
    }

    /**
     * Loss and accuracy when layers {@code fromLayer ..} of {@code model} run on precomputed inputs
     * {@code hidden} (rows aligned with {@code data}; {@code null} means the features). Lets a caller
     * compute the layers that do not change once and reuse them.
     */
    public static Metrics evaluateFrom(Model model, int fromLayer, INDArray hidden, Dataset data, int batchSize) {
        double lossSum = 0;
        long correct = 0;
        int classes = data.classCount();
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            INDArray h = hidden == null ? data.features(from, to)
                    : hidden.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            for (int i = fromLayer; i < model.architecture().depth(); i++) h = model.layerOutput(i, h);
            double[] z = h.dup('c').data().asDouble();
            for (int r = 0; r < to - from; r++) {
                int at = r * classes;
                int label = data.label(from + r);
                int argMax = argMax(z, at, classes);
                lossSum += crossEntropy(z, at, classes, label, z[at + argMax]);
                if (argMax == label) correct++;
            }
        }
        int n = data.size();
        return new Metrics(n == 0 ? Double.NaN : lossSum / n, n == 0 ? Double.NaN : (double) correct / n, n);
    }
}
