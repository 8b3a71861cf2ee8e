package org.mal.core.merge;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import org.mal.core.data.Dataset;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Loss, accuracy and per-row correctness of merges of one base on one dataset, at any λ, with the
 * work that does not depend on λ done once. All rows go through each product at once.
 *
 * <p>For a {@link ConvexPath} whose first merged layer is {@code f}, with {@code h} the base's input
 * of layer {@code f} (the base's layers {@code 0 .. f−1}, computed once and shared by every path):
 * <pre>
 *   z_f(λ) = h·W_f(λ)ᵀ + b_f(λ) = (1 − λ)·(h·W_baseᵀ + b_base) + λ·(h·W_endᵀ + b_end)
 * </pre>
 * so layer {@code f} costs two products per dataset (the base's shared by every path starting at
 * {@code f}, e.g. the aligned and the naive curve) and one scaled addition per λ. Only the layers
 * after {@code f} are multiplied per λ, with their merged weights {@code W_base + λ·(W_end − W_base)}
 * mixed into buffers (equal to {@link Merge#convex}'s up to rounding); every per-λ array (mixed weights,
 * layer outputs) is allocated once per path and reused, and each such layer is one native call
 * (product, bias and ReLU fused: ND4J's {@code relu_layer}). λ = 0 is the base (every merger's
 * contract), computed once for all paths. Results are memoised by λ, so a λ rule's refinement and
 * the final evaluation at the chosen λ cost nothing when the point was evaluated before.
 *
 * <p>A REPAIRed convex path ({@link RepairedPath}) shares the same two products of its first merged layer
 * and applies REPAIR's per-unit fold of that layer to them; its later layers run per λ with the REPAIRed
 * model's weights. Any other merge function ({@link DoubleFunction} of λ) is evaluated model by model
 * from the shared prefix, as before.
 *
 * <p>Not thread-safe: one move's evaluation, on one thread.
 */
final class LinearCurves {
    /** What one λ of one path gives on the dataset. */
    record Result(Metrics metrics, boolean[] correct) {}

    private final Model base;
    private final Dataset data;
    private final int rows;
    private final int classes;
    private final int[] labels;
    /** layer → the base's input of that layer, [rows, input size]; computed on demand from the nearest lower one. */
    private final TreeMap<Integer, INDArray> inputs = new TreeMap<>();
    /** layer → the base's pre-activation {@code h·W_baseᵀ + b_base} there. */
    private final Map<Integer, INDArray> basePre = new HashMap<>();
    /** layer → the base's weight transposed. */
    private final Map<Integer, INDArray> baseT = new HashMap<>();
    private Result baseResult;

    /**
     * @param prefix the base's input of layer {@code first} for every row of {@code data} ({@code first = 0}: the features)
     */
    LinearCurves(Model base, Dataset data, int first, INDArray prefix) {
        if (prefix.rows() != data.size()) throw new IllegalArgumentException("the prefix has " + prefix.rows() + " rows, the data " + data.size());
        this.base = base;
        this.data = data;
        this.rows = data.size();
        this.classes = data.classCount();
        this.labels = new int[rows];
        for (int r = 0; r < rows; r++) labels[r] = data.label(r);
        inputs.put(first, prefix);
    }

    /** A path to evaluate: the fast one for a {@link ConvexPath} of this base, else model by model from layer {@code first}. */
    Branch branch(DoubleFunction<Model> mergeAt, int first) {
        if (mergeAt instanceof ConvexPath p && p.base() == base) return new Linear(p, p.firstLayer());
        if (mergeAt instanceof RepairedPath p && p.base() == base) return new Repaired(p);
        return new Opaque(mergeAt, first);
    }

    /** One merge path on this dataset. */
    abstract class Branch {
        private final Map<Double, Result> memo = new HashMap<>();

        /** Loss, accuracy and per-row correctness at {@code lambda}; the returned array must not be modified. */
        final Result at(double lambda) {
            if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("λ must be in [0, 1], got " + lambda);
            if (lambda == 0) {
                if (baseResult == null) baseResult = compute(0);
                return baseResult;
            }
            Result r = memo.get(lambda);
            if (r == null) {
                r = compute(lambda);
                memo.put(lambda, r);
            }
            return r;
        }

        abstract Result compute(double lambda);
    }

    /** A convex path: see the class comment. */
    private final class Linear extends Branch {
        private final int first;
        private final int depth;
        private final INDArray zBase;
        /** {@code zEnd − zBase}: z_f(λ) = zBase + λ·diff. */
        private final INDArray zDiff;
        /** [rows, units of layer first]: z_f(λ), then its activation, in place. */
        private final INDArray z;
        /** Per layer after first: its output buffer; its weight transposed ([in, out], the base's or, for a merged layer, the mix buffer). */
        private final INDArray[] out;
        private final INDArray[] wT;
        private final INDArray[] b;
        /** Per merged layer after first: the base's transposed weight and bias, and end − base of each (null: not merged). */
        private final INDArray[] wBaseT;
        private final INDArray[] wDiffT;
        private final INDArray[] bBase;
        private final INDArray[] bDiff;

        Linear(ConvexPath p, int first) {
            this.first = first;
            this.depth = base.architecture().depth();
            INDArray[] zs = firstLayerProducts(p, first);
            this.zBase = zs[0];
            this.zDiff = zs[1];
            this.z = zBase.ulike();
            out = new INDArray[depth];
            wT = new INDArray[depth];
            b = new INDArray[depth];
            wBaseT = new INDArray[depth];
            wDiffT = new INDArray[depth];
            bBase = new INDArray[depth];
            bDiff = new INDArray[depth];
            for (int i = first + 1; i < depth; i++) {
                INDArray w = base.weight(i);
                out[i] = Nd4j.create(w.dataType(), new long[] {rows, w.rows()}, 'c');
                wT[i] = transposed(i);
                b[i] = base.bias(i);
                if (p.end().containsKey(Architecture.weightName(i))) {
                    wBaseT[i] = wT[i];
                    wDiffT[i] = endOr(p, Architecture.weightName(i), w).transpose().dup('c').subi(wBaseT[i]);
                    wT[i] = wBaseT[i].dup('c');
                }
                if (p.end().containsKey(Architecture.biasName(i))) {
                    bBase[i] = b[i];
                    bDiff[i] = endOr(p, Architecture.biasName(i), b[i]).sub(bBase[i]);
                    b[i] = bBase[i].dup();
                }
            }
        }

        @Override
        Result compute(double lambda) {
            z.assign(zBase);
            axpy(lambda, zDiff, z);
            activate(first, z);
            INDArray h = z;
            for (int i = first + 1; i < depth; i++) {
                if (wDiffT[i] != null) axpy(lambda, wDiffT[i], wT[i].assign(wBaseT[i]));
                if (bDiff[i] != null) axpy(lambda, bDiff[i], b[i].assign(bBase[i]));
                layer(i, castTo(h, wT[i]), wT[i], b[i], out[i]);
                h = out[i];
            }
            return score(h);
        }
    }

    /**
     * A REPAIRed convex path ({@link RepairedPath}): the first merged layer's pre-activation from the
     * convex path's two products ({@code zBase + λ·zDiff}), put through the REPAIR fold of that layer
     * ({@code s ⊙ z + shift}), then the REPAIRed model's later layers.
     */
    private final class Repaired extends Branch {
        private final RepairedPath p;
        private final int first;
        private final INDArray zBase;
        private final INDArray zDiff;
        private final INDArray z;

        Repaired(RepairedPath p) {
            this.p = p;
            this.first = p.firstLayer();
            INDArray[] zs = firstLayerProducts(p.path(), first);
            this.zBase = zs[0];
            this.zDiff = zs[1];
            this.z = zBase.ulike();
        }

        @Override
        Result compute(double lambda) {
            // λ = 0: the base, unfolded
            RepairedPath.Step step = lambda == 0 ? new RepairedPath.Step(base, null, null) : p.step(lambda);
            z.assign(zBase);
            axpy(lambda, zDiff, z);
            if (step.scale() != null) {
                z.muliRowVector(Nd4j.createFromArray(step.scale()).castTo(z.dataType()));
                z.addiRowVector(Nd4j.createFromArray(step.shift()).castTo(z.dataType()));
            }
            activate(first, z);
            INDArray h = z;
            Model m = step.model();
            for (int i = first + 1; i < m.architecture().depth(); i++) h = m.layerOutput(i, h);
            return score(h);
        }
    }

    /**
     * {@code {zBase, zEnd − zBase}} of layer {@code first} of a convex path on this dataset; the
     * base's product is shared by every path starting there.
     */
    private INDArray[] firstLayerProducts(ConvexPath p, int first) {
        INDArray wb = base.weight(first);
        INDArray h = castTo(inputOf(first), wb);
        INDArray zb = basePre.computeIfAbsent(first, f -> product(h, wb).addiRowVector(base.bias(f)));
        INDArray we = endOr(p, Architecture.weightName(first), wb);
        INDArray be = endOr(p, Architecture.biasName(first), base.bias(first));
        return new INDArray[] {zb, product(h, we).addiRowVector(be).subi(zb)};
    }

    /** Any merge function: the model at λ, from the shared input of layer {@code first}. */
    private final class Opaque extends Branch {
        private final DoubleFunction<Model> mergeAt;
        private final int first;

        Opaque(DoubleFunction<Model> mergeAt, int first) {
            this.mergeAt = mergeAt;
            this.first = first;
        }

        @Override
        Result compute(double lambda) {
            Model m = mergeAt.apply(lambda);
            INDArray h = inputOf(first);
            for (int i = first; i < m.architecture().depth(); i++) h = m.layerOutput(i, h);
            return score(h);
        }
    }

    /** The base's input of {@code layer}, from the nearest lower layer already computed. */
    private INDArray inputOf(int layer) {
        Map.Entry<Integer, INDArray> e = inputs.floorEntry(layer);
        if (e == null) throw new IllegalStateException("no input below layer " + layer + " was computed");
        INDArray h = e.getValue();
        for (int i = e.getKey(); i < layer; i++) {
            h = base.layerOutput(i, h);
            inputs.put(i + 1, h);
        }
        return h;
    }

    /**
     * {@code h·wᵀ} as a new array: read from the dataset's memoised products ({@link
     * Dataset#featureProducts}) when {@code h} is its shared feature matrix and {@code w} float32 (a
     * merge's first layer; its rows recur across moves and pairs), else one product.
     */
    private INDArray product(INDArray h, INDArray w) {
        if (h == data.sharedFeatures() && w.dataType() == DataType.FLOAT) return data.featureProducts().times(w);
        return Nd4j.gemm(h, w, false, true);
    }

    /** {@code y += alpha·x}, in place (same shape and type, contiguous). */
    private static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }

    /**
     * {@code act(h·wT + b)} of layer {@code i} into {@code out}, in one native call (ND4J's
     * {@code relu_layer}, or {@code xw_plus_b} for a layer without activation), no allocation.
     */
    private void layer(int i, INDArray h, INDArray wT, INDArray b, INDArray out) {
        String op = base.architecture().layers().get(i).activation() == Activation.RELU ? "relu_layer" : "xw_plus_b";
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(h, wT, b).addOutputs(out).build());
    }

    /** The base's weight of layer {@code i} transposed, [in, out], contiguous; computed once and shared by every path. */
    private INDArray transposed(int i) {
        return baseT.computeIfAbsent(i, k -> base.weight(k).transpose().dup('c'));
    }

    private void activate(int layer, INDArray zl) {
        if (base.architecture().layers().get(layer).activation() == Activation.RELU) Transforms.relu(zl, false);
    }

    /** Mean softmax cross-entropy (log-sum-exp shift, in double), accuracy and per-row correctness of logits {@code [rows, classes]}. */
    private Result score(INDArray logits) {
        INDArray c = logits.isView() || logits.ordering() != 'c' || logits.offset() != 0 || logits.data().length() != logits.length()
                ? logits.dup('c') : logits;
        double[] zs;
        if (c.dataType() == DataType.FLOAT) {
            // one bulk copy out of native memory, widened to double as the loss is computed
            float[] fs = new float[(int) c.length()];
            c.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().get(fs);
            zs = new double[fs.length];
            for (int k = 0; k < fs.length; k++) zs[k] = fs[k];
        } else {
            zs = c.data().asDouble();
        }
        boolean[] correct = new boolean[rows];
        double lossSum = 0;
        long right = 0;
        for (int r = 0; r < rows; r++) {
            int at = r * classes;
            int argMax = Evaluator.argMax(zs, at, classes);
            lossSum += Evaluator.crossEntropy(zs, at, classes, labels[r], zs[at + argMax]);
            correct[r] = argMax == labels[r];
            if (correct[r]) right++;
        }
        return new Result(new Metrics(rows == 0 ? Double.NaN : lossSum / rows, rows == 0 ? Double.NaN : (double) right / rows, rows), correct);
    }

    private static INDArray endOr(ConvexPath p, String name, INDArray baseTensor) {
        INDArray t = p.end().get(name);
        return t == null ? baseTensor : castTo(t, baseTensor);
    }

    private static INDArray castTo(INDArray a, INDArray like) {
        return a.dataType() == like.dataType() ? a : a.castTo(like.dataType());
    }
}
