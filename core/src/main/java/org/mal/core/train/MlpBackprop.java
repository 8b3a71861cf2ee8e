package org.mal.core.train;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Layer;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One optimizer step of a dense ReLU network at a time, for {@link Trainer}: the matrix products by
 * ND4J's GEMM into arrays allocated once, everything else by loops in Java over the same memory.
 *
 * <p>Why not SameDiff's autodiff (what trained MLPs before issue 20): for 784-128-128-10 at batch 128
 * a SameDiff step is 29 native ops, each dispatched through its graph executor with fresh output
 * arrays, and took 3–4× PyTorch's step on the same machine (docs/RESULTS.md §27g, §38). A native
 * op costs tens of microseconds before it does anything, which is more than a bias row, a ReLU, a
 * column sum or a softmax over 128 rows take in a plain loop; and ND4J's {@code adam_updater} op
 * took 1.4 ms of CPU per step on this network's 118,282 weights, where a Java loop of the same
 * formula over float arrays takes 26 µs (measured one after the other in one JVM, one OpenMP
 * thread). So a step here is 3·depth − 1 GEMMs and nothing else native:
 * <ul>
 *   <li>all weights and biases live in one flat float32 array ({@code W₀, b₀, W₁, b₁, …}, each
 *       weight row-major {@code [out, in]} as the model stores it), and so do their gradients; the
 *       per-layer tensors are views;</li>
 *   <li>forward: {@code zᵢ = hᵢ₋₁ Wᵢᵀ} (GEMM), then {@code hᵢ = relu(zᵢ + bᵢ)} in place (one loop);</li>
 *   <li>loss: mean softmax cross-entropy over the batch, {@code ∂z = (softmax(z) − onehot(y))/b},
 *       from the labels' indices (one loop, max-shifted as ND4J's softmax is);</li>
 *   <li>backward: {@code ∂Wᵢ = ∂zᵢᵀ hᵢ₋₁} and {@code ∂hᵢ₋₁ = ∂zᵢ Wᵢ} (GEMMs into the gradient's view
 *       and a buffer), {@code ∂bᵢ = Σ_rows ∂zᵢ} and {@code ∂zᵢ₋₁ = ∂hᵢ₋₁ ⊙ [hᵢ₋₁ > 0]} (one loop);
 *       the input's gradient is never formed;</li>
 *   <li>the optimizer's step over the flat array in one loop, with ND4J's formulas (its updaters are
 *       what SameDiff used): Adam {@code m ← β₁m + (1−β₁)g}, {@code v ← β₂v + (1−β₂)g²},
 *       {@code w ← w − α·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)} with {@code t} the 1-based step; Nesterov
 *       {@code v' ← μv − αg}, {@code w ← w − (μv − (1+μ)v')}; SGD {@code w ← w − αg}.</li>
 * </ul>
 * Arithmetic is float32 throughout, as SameDiff's was. {@code MlpBackpropTest} checks the gradients
 * against SameDiff's autodiff of the same loss, and whole training runs for every optimizer against
 * SameDiff's {@code fit}, the trainer this replaced.
 */
final class MlpBackprop {
    private static final float ADAM_BETA1 = 0.9f;
    private static final float ADAM_BETA2 = 0.999f;
    private static final float ADAM_EPSILON = 1e-8f;
    private static final float NESTEROV_MOMENTUM = 0.9f;

    private final Architecture arch;
    private final Optimizer optimizer;
    private final float learningRate;
    /** Every weight and bias, flat, trained in place, and its memory as seen from Java. */
    private final INDArray params;
    private final FloatBuffer paramMemory;
    /** The gradient of the last {@link #gradient}, flat, in the layout of {@link #params}. */
    private final INDArray grads;
    private final FloatBuffer gradMemory;
    private final INDArray[] weights;
    private final INDArray[] weightGrads;
    /** Where layer i's bias starts in the flat arrays. */
    private final int[] biasAt;
    /** The weights and the gradient on the Java heap, for the optimizer's loop. */
    private final float[] weightCopy;
    private final float[] gradCopy;
    /** The optimizer's state per weight: Adam's m and v, Nesterov's velocity in {@code first}. */
    private final float[] first;
    private final float[] second;
    /** Per batch size (an epoch's last batch may be smaller): activations and their gradients. */
    private final Map<Integer, Buffers> buffers = new HashMap<>();

    /** Passes over {@code start}'s architecture with a float32 copy of its weights (the copy is trained). */
    MlpBackprop(Model start, Optimizer optimizer, double learningRate) {
        this.arch = start.architecture();
        this.optimizer = optimizer;
        this.learningRate = (float) learningRate;
        int depth = arch.depth();
        for (int i = 0; i < depth - 1; i++) {
            if (arch.layers().get(i).activation() != Activation.RELU) {
                throw new IllegalArgumentException("training supports ReLU hidden layers only, layer " + i + " of " + arch.describe()
                        + " is " + arch.layers().get(i).activation());
            }
        }
        Activation last = arch.layers().get(depth - 1).activation();
        if (last != Activation.SOFTMAX && last != Activation.IDENTITY) {
            throw new IllegalArgumentException("training needs logits from the output layer (softmax or identity), " + arch.describe() + "'s is " + last);
        }
        long count = 0;
        for (Layer layer : arch.layers()) count += (long) layer.outputSize() * (layer.inputSize() + 1);
        int n = Math.toIntExact(count);
        params = Nd4j.create(DataType.FLOAT, 1, n);
        grads = Nd4j.create(DataType.FLOAT, 1, n);
        paramMemory = memory(params);
        gradMemory = memory(grads);
        weights = new INDArray[depth];
        weightGrads = new INDArray[depth];
        biasAt = new int[depth];
        int at = 0;
        for (int i = 0; i < depth; i++) {
            Layer layer = arch.layers().get(i);
            int out = layer.outputSize();
            int in = layer.inputSize();
            weights[i] = view(params, at, out, in);
            weightGrads[i] = view(grads, at, out, in);
            weights[i].assign(start.weight(i).castTo(DataType.FLOAT).reshape(out, in));
            at += out * in;
            biasAt[i] = at;
            view(params, at, 1, out).assign(start.bias(i).castTo(DataType.FLOAT).reshape(1, out));
            at += out;
        }
        weightCopy = new float[n];
        paramMemory.get(0, weightCopy);
        gradCopy = new float[n];
        first = optimizer == Optimizer.SGD ? null : new float[n];
        second = optimizer == Optimizer.ADAM ? new float[n] : null;
    }

    /** A {@code [rows, cols]} C-order view of {@code flat} starting at {@code offset}. */
    private static INDArray view(INDArray flat, long offset, long rows, long cols) {
        return flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(offset, offset + rows * cols)).reshape('c', rows, cols);
    }

    /** The memory of a fresh (not a view) array, for loops in Java: writes are seen by ND4J's next op and the reverse. */
    private static FloatBuffer memory(INDArray array) {
        if (array.isView() || array.data().length() != array.length()) throw new IllegalArgumentException("not a whole array");
        return array.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** Rows {@code rows} of {@code features} ({@code [n, in]}, float32) gathered into this batch size's input buffer (overwritten by the next call). */
    INDArray batch(INDArray features, int[] rows) {
        INDArray x = buffers.computeIfAbsent(rows.length, Buffers::new).input;
        Nd4j.pullRows(features, x, 1, rows);
        return x;
    }

    /**
     * Fills the gradient of the mean softmax cross-entropy of the batch {@code x} ({@code [b, in]},
     * float32, C order) against the classes {@code labels} at the current weights.
     */
    void gradient(INDArray x, int[] labels) {
        int b = labels.length;
        if (x.size(0) != b) throw new IllegalArgumentException(x.size(0) + " rows but " + b + " labels");
        Buffers buf = buffers.computeIfAbsent(b, Buffers::new);
        int depth = arch.depth();
        INDArray h = x;
        for (int i = 0; i < depth; i++) {
            Nd4j.gemm(h, weights[i], buf.act[i], false, true, 1.0, 0.0);
            addBias(buf.actMemory[i], b, arch.layers().get(i).outputSize(), biasAt[i], i < depth - 1);
            h = buf.act[i];
        }
        softmaxCrossEntropyGradient(buf.actMemory[depth - 1], labels, arch.outputSize());     // the logits become their gradient
        INDArray g = buf.act[depth - 1];
        for (int i = depth - 1; i >= 0; i--) {
            INDArray input = i == 0 ? x : buf.act[i - 1];
            Nd4j.gemm(g, input, weightGrads[i], true, false, 1.0, 0.0);
            columnSums(i == depth - 1 ? buf.actMemory[i] : buf.dactMemory[i], b, arch.layers().get(i).outputSize(), biasAt[i]);
            if (i == 0) break;
            Nd4j.gemm(g, weights[i], buf.dact[i - 1], false, false, 1.0, 0.0);
            reluGradient(buf.dactMemory[i - 1], buf.actMemory[i - 1], b * arch.layers().get(i - 1).outputSize());
            g = buf.dact[i - 1];
        }
    }

    /** {@code z[r, c] += bias[c]}, then ReLU if asked, in place. */
    private void addBias(FloatBuffer z, int rows, int cols, int biasFrom, boolean relu) {
        for (int r = 0, at = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++, at++) {
                float v = z.get(at) + paramMemory.get(biasFrom + c);
                z.put(at, relu && v < 0 ? 0f : v);
            }
        }
    }

    /** Logits {@code z [rows, classes]} replaced by {@code (softmax(z) − onehot(label))/rows}. */
    private static void softmaxCrossEntropyGradient(FloatBuffer z, int[] labels, int classes) {
        float scale = 1f / labels.length;
        for (int r = 0; r < labels.length; r++) {
            int from = r * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) max = Math.max(max, z.get(from + c));
            float sum = 0;
            for (int c = 0; c < classes; c++) {
                float e = (float) Math.exp(z.get(from + c) - max);
                z.put(from + c, e);
                sum += e;
            }
            for (int c = 0; c < classes; c++) {
                float p = z.get(from + c) / sum - (c == labels[r] ? 1f : 0f);
                z.put(from + c, p * scale);
            }
        }
    }

    /** The bias gradient: column sums of {@code g [rows, cols]} into the flat gradient at {@code to}. */
    private void columnSums(FloatBuffer g, int rows, int cols, int to) {
        for (int c = 0; c < cols; c++) gradMemory.put(to + c, 0f);
        for (int r = 0, at = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++, at++) gradMemory.put(to + c, gradMemory.get(to + c) + g.get(at));
        }
    }

    /** {@code g ⊙ [h > 0]} in place ({@code h} after its ReLU). */
    private static void reluGradient(FloatBuffer g, FloatBuffer h, int length) {
        for (int k = 0; k < length; k++) {
            if (!(h.get(k) > 0)) g.put(k, 0f);
        }
    }

    /**
     * One optimizer step on the batch: {@link #gradient}, then the optimizer's update; {@code iteration}
     * counts steps from 0. The update runs on Java arrays (the gradient copied out, the weights copied
     * back, each one bulk copy), where the JIT vectorises it; element by element through the native
     * memory it took 4× longer.
     */
    void step(INDArray x, int[] labels, int iteration) {
        gradient(x, labels);
        float[] w = weightCopy;
        float[] g = gradCopy;
        gradMemory.get(0, g);
        int n = w.length;
        float lr = learningRate;
        switch (optimizer) {
            case SGD -> {
                for (int k = 0; k < n; k++) w[k] -= lr * g[k];
            }
            case MOMENTUM -> {
                float mu = NESTEROV_MOMENTUM;
                float[] velocity = first;
                for (int k = 0; k < n; k++) {
                    float previous = mu * velocity[k];
                    float v = previous - lr * g[k];
                    velocity[k] = v;
                    w[k] -= previous - (1 + mu) * v;
                }
            }
            case ADAM -> {
                float beta1 = ADAM_BETA1;
                float beta2 = ADAM_BETA2;
                float beta1t = (float) Math.pow(beta1, iteration + 1);
                float beta2t = (float) Math.pow(beta2, iteration + 1);
                float alpha = lr * (float) Math.sqrt(1 - beta2t) / (1 - beta1t);
                if (Float.isNaN(alpha) || Float.isInfinite(alpha) || alpha == 0) alpha = ADAM_EPSILON;   // as ND4J's adam_updater
                float[] m = first;
                float[] v = second;
                for (int k = 0; k < n; k++) {
                    float gk = g[k];
                    float mk = beta1 * m[k] + gk * (1 - beta1);
                    float vk = beta2 * v[k] + gk * gk * (1 - beta2);
                    m[k] = mk;
                    v[k] = vk;
                    w[k] -= mk * alpha / ((float) Math.sqrt(vk) + ADAM_EPSILON);
                }
            }
        }
        paramMemory.put(0, w);
    }

    /** The gradients of the last {@link #gradient}, as a model's tensors by name (copies). */
    Map<String, INDArray> gradients() {
        return tensors(grads, weightGrads);
    }

    /** The current weights as a model of their own (copies, so that training on does not change it). */
    Model snapshot() {
        return new Model(arch, tensors(params, weights));
    }

    /** Copies of the per-layer tensors of a flat array in the architecture's tensor order and shapes. */
    private Map<String, INDArray> tensors(INDArray flat, INDArray[] w) {
        Map<String, INDArray> byName = new HashMap<>();
        for (int i = 0; i < arch.depth(); i++) {
            byName.put(Architecture.weightName(i), w[i]);
            byName.put(Architecture.biasName(i), view(flat, biasAt[i], 1, arch.layers().get(i).outputSize()));
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Layer.ParamSpec p : arch.params()) out.put(p.name(), byName.get(p.name()).dup('c').reshape('c', p.shape()));
        return out;
    }

    /** Whether every weight is finite. */
    boolean finite() {
        for (float w : weightCopy) {
            if (!Float.isFinite(w)) return false;
        }
        return true;
    }

    /** The batch's input, activations {@code act[i]} (layer i's output, ReLU applied in place) and their gradients {@code dact[i]}, for one batch size. */
    private final class Buffers {
        final INDArray input;
        final INDArray[] act;
        final INDArray[] dact;
        final FloatBuffer[] actMemory;
        final FloatBuffer[] dactMemory;

        Buffers(int rows) {
            input = Nd4j.create(DataType.FLOAT, rows, arch.inputSize());
            int depth = arch.depth();
            act = new INDArray[depth];
            dact = new INDArray[depth];
            actMemory = new FloatBuffer[depth];
            dactMemory = new FloatBuffer[depth];
            for (int i = 0; i < depth; i++) {
                act[i] = Nd4j.create(DataType.FLOAT, rows, arch.layers().get(i).outputSize());
                dact[i] = Nd4j.create(DataType.FLOAT, rows, arch.layers().get(i).outputSize());
                actMemory[i] = memory(act[i]);
                dactMemory[i] = memory(dact[i]);
            }
        }
    }
}
