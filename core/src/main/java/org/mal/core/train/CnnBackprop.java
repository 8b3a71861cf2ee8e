package org.mal.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnLayer;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Forward and backward passes of a {@link CnnArchitecture} in train mode, written with ND4J's
 * native ops, for {@link CnnTrainer}.
 *
 * <p>Why not SameDiff's autodiff (what trained CNNs before issue 21's speed-up): in nd4j-native
 * 1.0.0-M2.1 (no oneDNN) its convolution gradient {@code conv2d_bp} takes 6–10× the forward conv
 * (it contracts the 6-D im2col columns with {@code tensorDot}, strided copies of the whole column
 * array), and a train-mode batch norm written in elementary ops spends its time in broadcast
 * {@code multiply_bp}: together 69% of a step of {@code cnn-pair}'s CNN, which trained 13× slower
 * than PyTorch (docs/RESULTS.md §35). A gradient cannot be swapped inside SameDiff: its gradient
 * function is built from a serialised copy of the graph, so op subclasses with their own
 * {@code doDiff} are replaced by the stock ops, and the stock {@code batchnorm} op's {@code doDiff}
 * fails in this version ("axis must be specified").
 *
 * <p>The passes, for a minibatch of {@code b} NCHW maps ({@code g} = the loss gradient of a module's
 * output):
 * <ul>
 *   <li>conv (weights {@code [o, c, k, k]}): forward by ND4J's {@code conv2d}; {@code ∂W[o, (c,i,j)] =
 *       Σ_b g_b · cols_bᵀ} (im2col columns {@code [c·k·k, oh·ow]} per sample, one GEMM per sample
 *       accumulated); {@code ∂x = col2im(Σ W_{o,(c,i,j)} g_b)} (one GEMM per sample, then col2im);
 *       {@code ∂bias = Σ g} over batch and pixels;</li>
 *   <li>batch norm (train mode, biased batch variance over batch, height and width, {@code n} values
 *       per channel): {@code x̂ = (x − μ)/σ}, {@code y = γ x̂ + β}; {@code ∂γ = Σ g x̂},
 *       {@code ∂β = Σ g}, {@code ∂x = γ/(n σ) · (n g − ∂β − x̂ ∂γ)};</li>
 *   <li>ReLU, max and average pooling: ND4J's {@code relu_bp}, {@code maxpool2d_bp},
 *       {@code avgpool2d_bp}; global average pooling: {@code g/(h·w)} spread over the map; flatten:
 *       a reshape; linear {@code y = x Wᵀ + b}: {@code ∂W = gᵀ x}, {@code ∂b = Σ g}, {@code ∂x = g W};</li>
 *   <li>residual block: the branch and the shortcut (identity or projection) each get the
 *       gradient after the final ReLU; their input gradients add.</li>
 * </ul>
 * Loss: mean softmax cross-entropy over the batch, {@code ∂z = (softmax(z) − y)/b}. Every array is
 * float32, C order. {@code CnnTrainerTest} checks the logits against {@code CnnModel} and every
 * gradient against SameDiff's autodiff of the same function.
 */
final class CnnBackprop {
    private final List<Node> nodes = new ArrayList<>();
    /** Trainable tensors by state-dict name (updated in place by the trainer). */
    private final Map<String, INDArray> params = new LinkedHashMap<>();
    private final Map<String, INDArray> grads = new LinkedHashMap<>();

    /** Passes over {@code arch} with the float32 C-order tensors of {@code weights} (copied; the copies are trained). */
    CnnBackprop(CnnArchitecture arch, Map<String, INDArray> weights) {
        long[] shape = arch.inputShape();
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer layer = arch.layers().get(i);
            String p = i + ".";
            if (layer instanceof CnnLayer.Conv2d c) {
                nodes.add(conv(c, p, weights, shape));
            } else if (layer instanceof CnnLayer.BatchNorm2d b) {
                nodes.add(batchNorm(p, b.eps(), weights));
            } else if (layer instanceof CnnLayer.Relu) {
                nodes.add(new Relu());
            } else if (layer instanceof CnnLayer.MaxPool2d m) {
                nodes.add(new Pool("maxpool2d", m.kernel(), m.stride()));
            } else if (layer instanceof CnnLayer.AvgPool2d a) {
                nodes.add(new Pool("avgpool2d", a.kernel(), a.stride()));
            } else if (layer instanceof CnnLayer.GlobalAvgPool) {
                nodes.add(new GlobalAvgPool());
            } else if (layer instanceof CnnLayer.Flatten) {
                nodes.add(new Flatten());
            } else if (layer instanceof CnnLayer.Linear l) {
                nodes.add(new Linear(param(p + "weight", weights), l.bias() ? param(p + "bias", weights) : null, p));
            } else if (layer instanceof CnnLayer.ResidualBlock r) {
                double eps = CnnLayer.BatchNorm2d.DEFAULT_EPS;
                List<Node> branch = List.of(conv(r.conv1(), p + "conv1.", weights, shape), batchNorm(p + "bn1.", eps, weights), new Relu(),
                        conv(r.conv2(), p + "conv2.", weights, r.conv1().outputShape(shape)), batchNorm(p + "bn2.", eps, weights));
                List<Node> shortcut = r.projection()
                        ? List.of(conv(r.downsample(), p + "downsample.0.", weights, shape), batchNorm(p + "downsample.1.", eps, weights))
                        : List.of();
                nodes.add(new Residual(branch, shortcut));
            } else {
                throw new IllegalArgumentException("no training pass for " + layer.describe());
            }
            shape = layer.outputShape(shape);
        }
    }

    /** The trainable tensors (live: the trainer updates them in place), in state-dict order. */
    Map<String, INDArray> params() { return params; }

    /** The gradients of the last {@link #backward}, by tensor name (overwritten by the next one). */
    Map<String, INDArray> gradients() { return grads; }

    /**
     * Drops every reference this object holds to the last step's arrays (the gradients, what a forward pass kept for
     * its backward pass): the trainer calls it before it closes the step's workspace, whose memory the next step
     * overwrites, so that nothing here can point into it afterwards.
     */
    void forgetStep() {
        grads.clear();
        for (Node n : nodes) n.forget();
    }

    /** Logits {@code [b, classes]} of image rows {@code [b, c·h·w]} in train mode; keeps what {@link #backward} needs. */
    INDArray forward(INDArray rows, long[] inputShape) {
        INDArray h = rows.castTo(DataType.FLOAT).dup('c').reshape('c', rows.size(0), inputShape[0], inputShape[1], inputShape[2]);
        for (Node n : nodes) h = n.forward(h);
        return h;
    }

    /**
     * Fills {@link #gradients} with those of the mean softmax cross-entropy of {@code logits} (from the
     * last {@link #forward}) against one-hot {@code labels}.
     */
    void backward(INDArray logits, INDArray labels) {
        INDArray g = Transforms.softmax(logits, true).subi(labels.castTo(DataType.FLOAT)).divi(logits.size(0));
        for (int i = nodes.size() - 1; i >= 0; i--) g = nodes.get(i).backward(g);
    }

    private INDArray param(String name, Map<String, INDArray> weights) {
        INDArray w = weights.get(name);
        if (w == null) throw new IllegalArgumentException("no tensor " + name);
        INDArray copy = w.castTo(DataType.FLOAT).dup('c');
        params.put(name, copy);
        return copy;
    }

    private Conv conv(CnnLayer.Conv2d c, String prefix, Map<String, INDArray> weights, long[] inShape) {
        long[] out = c.outputShape(inShape);
        return new Conv(c, param(prefix + "weight", weights), c.bias() ? param(prefix + "bias", weights) : null, prefix, inShape, out);
    }

    private BatchNorm batchNorm(String prefix, double eps, Map<String, INDArray> weights) {
        return new BatchNorm(param(prefix + "weight", weights), param(prefix + "bias", weights), prefix, eps);
    }

    /** One module: forward keeps what its backward needs; backward records parameter gradients and returns the input's. */
    private interface Node {
        INDArray forward(INDArray x);

        INDArray backward(INDArray g);

        /** Drops what {@link #forward} kept (see {@link CnnBackprop#forgetStep}). */
        void forget();
    }

    private final class Conv implements Node {
        private final CnnLayer.Conv2d c;
        private final INDArray w;
        private final INDArray bias;
        private final String prefix;
        private final long[] in;
        private final long[] out;
        private final Conv2DConfig config;
        private INDArray x;

        Conv(CnnLayer.Conv2d c, INDArray w, INDArray bias, String prefix, long[] in, long[] out) {
            this.c = c;
            this.w = w;
            this.bias = bias;
            this.prefix = prefix;
            this.in = in;
            this.out = out;
            this.config = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride()).pH(c.padding()).pW(c.padding())
                    .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
        }

        @Override
        public INDArray forward(INDArray x) {
            this.x = x;
            return Nd4j.exec(new Conv2D(x, w, bias, config))[0];
        }

        @Override
        public INDArray backward(INDArray g) {
            long b = x.size(0);
            int k = c.kernel();
            long units = in[0] * k * k;
            long pixels = out[1] * out[2];
            g = g.dup('c');
            INDArray cols = Nd4j.createUninitialized(DataType.FLOAT, b, in[0], k, k, out[1], out[2]);
            Nd4j.exec(DynamicCustomOp.builder("im2col").addInputs(x).addOutputs(cols)
                    .addIntegerArguments(k, k, c.stride(), c.stride(), c.padding(), c.padding(), 1, 1, 0).addFloatingPointArguments(0.0).build());
            INDArray cols3 = cols.reshape('c', b, units, pixels);
            INDArray g3 = g.reshape('c', b, c.outChannels(), pixels);
            INDArray w2 = w.reshape('c', c.outChannels(), units);
            INDArray dW = Nd4j.zeros(DataType.FLOAT, c.outChannels(), units);
            INDArray dCols = Nd4j.createUninitialized(DataType.FLOAT, b, units, pixels);
            for (long s = 0; s < b; s++) {
                INDArray gs = g3.slice(s);
                Nd4j.gemm(gs, cols3.slice(s), dW, false, true, 1.0, 1.0);
                Nd4j.gemm(w2, gs, dCols.slice(s), true, false, 1.0, 0.0);
            }
            grads.put(prefix + "weight", dW.reshape('c', c.outChannels(), in[0], k, k));
            if (bias != null) grads.put(prefix + "bias", g.sum(0, 2, 3));
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, b, in[0], in[1], in[2]);
            Nd4j.exec(DynamicCustomOp.builder("col2im").addInputs(dCols.reshape('c', b, in[0], k, k, out[1], out[2])).addOutputs(dx)
                    .addIntegerArguments(c.stride(), c.stride(), c.padding(), c.padding(), (int) in[1], (int) in[2], 1, 1, 0).build());
            x = null;
            return dx;
        }

        @Override public void forget() { x = null; }
    }

    private final class BatchNorm implements Node {
        private final INDArray gamma;
        private final INDArray beta;
        private final String prefix;
        private final double eps;
        private INDArray normalised;
        private INDArray invStd;

        BatchNorm(INDArray gamma, INDArray beta, String prefix, double eps) {
            this.gamma = gamma;
            this.beta = beta;
            this.prefix = prefix;
            this.eps = eps;
        }

        @Override
        public INDArray forward(INDArray x) {
            INDArray mean = x.mean(0, 2, 3);
            INDArray centred = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
            Nd4j.exec(new BroadcastSubOp(x, mean, centred, 1));
            INDArray variance = centred.mul(centred).mean(0, 2, 3);
            invStd = Transforms.pow(variance.addi(eps), -0.5, false);
            normalised = Nd4j.exec(new BroadcastMulOp(centred, invStd, centred, 1));
            INDArray y = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
            Nd4j.exec(new BroadcastMulOp(normalised, gamma, y, 1));
            return Nd4j.exec(new BroadcastAddOp(y, beta, y, 1));
        }

        @Override
        public INDArray backward(INDArray g) {
            long n = g.length() / g.size(1);
            INDArray dBeta = g.sum(0, 2, 3);
            INDArray dGamma = g.mul(normalised).sum(0, 2, 3);
            grads.put(prefix + "weight", dGamma);
            grads.put(prefix + "bias", dBeta);
            // dx = gamma·invStd/n · (n·g − dBeta − x̂·dGamma)
            INDArray dx = g.mul(n);
            Nd4j.exec(new BroadcastSubOp(dx, dBeta, dx, 1));
            INDArray t = Nd4j.createUninitialized(DataType.FLOAT, g.shape());
            Nd4j.exec(new BroadcastMulOp(normalised, dGamma, t, 1));
            dx.subi(t);
            Nd4j.exec(new BroadcastMulOp(dx, gamma.mul(invStd).divi(n), dx, 1));
            normalised = null;
            return dx;
        }

        @Override
        public void forget() {
            normalised = null;
            invStd = null;
        }
    }

    private static final class Relu implements Node {
        private INDArray x;

        @Override
        public INDArray forward(INDArray x) {
            this.x = x;
            return Transforms.relu(x, true);
        }

        @Override
        public INDArray backward(INDArray g) {
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, g.shape());
            Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(x, g.dup('c')).addOutputs(dx).addFloatingPointArguments(0.0).build());
            x = null;
            return dx;
        }

        @Override public void forget() { x = null; }
    }

    /** Max or average pooling, no padding: ND4J's {@code maxpool2d}/{@code avgpool2d} and their {@code _bp} ops. */
    private static final class Pool implements Node {
        private final String op;
        private final int[] args;
        private INDArray x;

        Pool(String op, int kernel, int stride) {
            this.op = op;
            // kH, kW, sH, sW, pH, pW, dH, dW, same mode 0, divisor mode 0 (padding counted: none here), NCHW
            this.args = new int[] {kernel, kernel, stride, stride, 0, 0, 1, 1, 0, 0, 0};
        }

        @Override
        public INDArray forward(INDArray x) {
            this.x = x;
            return Nd4j.exec(DynamicCustomOp.builder(op).addInputs(x).addIntegerArguments(args).build())[0];
        }

        @Override
        public INDArray backward(INDArray g) {
            INDArray dx = Nd4j.exec(DynamicCustomOp.builder(op + "_bp").addInputs(x, g.dup('c')).addIntegerArguments(args).build())[0];
            x = null;
            return dx;
        }

        @Override public void forget() { x = null; }
    }

    private static final class GlobalAvgPool implements Node {
        private long[] shape;

        @Override
        public INDArray forward(INDArray x) {
            shape = x.shape();
            return x.mean(2, 3).reshape('c', shape[0], shape[1], 1, 1);
        }

        @Override
        public INDArray backward(INDArray g) {
            INDArray dx = Nd4j.zeros(DataType.FLOAT, shape);
            Nd4j.exec(new BroadcastAddOp(dx, g.reshape('c', shape[0], shape[1]).div(shape[2] * shape[3]), dx, 0, 1));
            return dx;
        }

        @Override public void forget() {}
    }

    private static final class Flatten implements Node {
        private long[] shape;

        @Override
        public INDArray forward(INDArray x) {
            shape = x.shape();
            return x.dup('c').reshape('c', shape[0], x.length() / shape[0]);
        }

        @Override
        public INDArray backward(INDArray g) { return g.dup('c').reshape('c', shape); }

        @Override public void forget() {}
    }

    private final class Linear implements Node {
        private final INDArray w;
        private final INDArray bias;
        private final String prefix;
        private INDArray x;

        Linear(INDArray w, INDArray bias, String prefix) {
            this.w = w;
            this.bias = bias;
            this.prefix = prefix;
        }

        @Override
        public INDArray forward(INDArray x) {
            this.x = x;
            INDArray y = x.mmul(w.transpose());
            return bias == null ? y : y.addiRowVector(bias);
        }

        @Override
        public INDArray backward(INDArray g) {
            grads.put(prefix + "weight", g.transpose().mmul(x));
            if (bias != null) grads.put(prefix + "bias", g.sum(0));
            INDArray dx = g.mmul(w);
            x = null;
            return dx;
        }

        @Override public void forget() { x = null; }
    }

    /** {@code relu(branch(x) + shortcut(x))}; an empty shortcut is the identity. */
    private static final class Residual implements Node {
        private final List<Node> branch;
        private final List<Node> shortcut;
        private INDArray y;

        Residual(List<Node> branch, List<Node> shortcut) {
            this.branch = branch;
            this.shortcut = shortcut;
        }

        @Override
        public INDArray forward(INDArray x) {
            INDArray a = x;
            for (Node n : branch) a = n.forward(a);
            INDArray s = x;
            for (Node n : shortcut) s = n.forward(s);
            y = Transforms.relu(a.add(s), false);
            return y;
        }

        @Override
        public INDArray backward(INDArray g) {
            INDArray gSum = Nd4j.createUninitialized(DataType.FLOAT, g.shape());
            Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(y, g.dup('c')).addOutputs(gSum).addFloatingPointArguments(0.0).build());
            INDArray a = gSum;
            for (int i = branch.size() - 1; i >= 0; i--) a = branch.get(i).backward(a);
            INDArray s = gSum;
            for (int i = shortcut.size() - 1; i >= 0; i--) s = shortcut.get(i).backward(s);
            y = null;
            return a.addi(s);
        }

        @Override
        public void forget() {
            y = null;
            branch.forEach(Node::forget);
            shortcut.forEach(Node::forget);
        }
    }
}
