package org.mal.core.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mal.core.Sha256;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An architecture with its weights. The parameter map holds exactly the tensors the architecture
 * names, with their shapes, in the architecture's order; tensors are float32 or float64.
 *
 * <p>The model treats its tensors as immutable: nothing here writes into them, and callers that
 * hand tensors in must not modify them afterwards.
 */
public final class Model {
    private final Architecture architecture;
    private final Map<String, INDArray> params;
    private volatile String contentHash;

    public Model(Architecture architecture, Map<String, INDArray> params) {
        this.architecture = architecture;
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        for (Layer.ParamSpec spec : architecture.params()) {
            INDArray t = params.get(spec.name());
            if (t == null) {
                throw new IllegalArgumentException("architecture " + architecture.describe() + " needs tensor " + spec.name()
                        + " but the weights only have " + params.keySet());
            }
            if (!Arrays.equals(t.shape(), spec.shape())) {
                throw new IllegalArgumentException("tensor " + spec.name() + " has shape " + Arrays.toString(t.shape())
                        + ", architecture " + architecture.describe() + " needs " + Arrays.toString(spec.shape()));
            }
            if (t.dataType() != DataType.FLOAT && t.dataType() != DataType.DOUBLE) {
                throw new IllegalArgumentException("tensor " + spec.name() + " has type " + t.dataType() + "; only FLOAT and DOUBLE are supported");
            }
            ordered.put(spec.name(), t);
        }
        if (ordered.size() != params.size()) {
            var extra = new java.util.TreeSet<>(params.keySet());
            extra.removeAll(ordered.keySet());
            throw new IllegalArgumentException("weights have tensors the architecture " + architecture.describe() + " does not name: " + extra);
        }
        this.params = Collections.unmodifiableMap(ordered);
    }

    public Architecture architecture() { return architecture; }

    /** The tensors in architecture order; unmodifiable map of tensors that must not be written. */
    public Map<String, INDArray> params() { return params; }

    public INDArray weight(int layer) { return params.get(Architecture.weightName(layer)); }

    public INDArray bias(int layer) { return params.get(Architecture.biasName(layer)); }

    /** This model with hidden units permuted (see {@link PermutationSpec#apply}); same function. */
    public Model permuted(Map<String, int[]> perms) {
        return new Model(architecture, architecture.permutationSpec().apply(params, perms));
    }

    /**
     * Logits (pre-softmax outputs) of a batch {@code x} of shape [batch, inputSize]. Hidden
     * activations are computed in the weights' data type.
     */
    public INDArray logits(INDArray x) {
        INDArray h = x;
        for (int i = 0; i < architecture.depth(); i++) {
            h = layerOutput(i, h);
        }
        return h;
    }

    /**
     * Output of layer {@code i} for its input {@code h}: {@code act(h · Wᵀ + b)}, except that the
     * softmax of the output layer is left to the loss (logits are returned). One native call into a
     * new array: ND4J's {@code relu_layer} (product, bias and ReLU fused), or {@code xw_plus_b} for a
     * layer without ReLU; separate product, bias and ReLU ops made the forward pass take about twice
     * the time of its products (docs/RESULTS.md §3b).
     */
    public INDArray layerOutput(int i, INDArray h) {
        INDArray w = weight(i);
        if (h.dataType() != w.dataType()) h = h.castTo(w.dataType());
        INDArray z = Nd4j.createUninitialized(w.dataType(), new long[] {h.rows(), w.rows()}, 'c');
        String op = architecture.layers().get(i).activation() == Activation.RELU ? "relu_layer" : "xw_plus_b";
        Nd4j.exec(DynamicCustomOp.builder(op).addInputs(h, w.transpose(), bias(i)).addOutputs(z).build());
        return z;
    }

    /**
     * SHA-256 (hex) of the weights alone: for each tensor in architecture order its name (UTF-8),
     * data type name, rank and dims, then its values little-endian in C order. Metadata and file
     * layout do not enter, so the same weights always hash alike.
     */
    public String contentHash() {
        String h = contentHash;
        if (h == null) {
            h = hashParams(params);
            contentHash = h;
        }
        return h;
    }

    /** {@link #contentHash()} of any named tensors in the given order (a CNN's state dict, too). */
    public static String hashParams(Map<String, INDArray> params) {
        MessageDigest digest = Sha256.digest();
        digest.update("mal-weights-v1".getBytes(StandardCharsets.US_ASCII));
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray t = e.getValue();
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] type = t.dataType().name().getBytes(StandardCharsets.US_ASCII);
            ByteBuffer head = ByteBuffer.allocate(12 + name.length + type.length + 8 * t.rank()).order(ByteOrder.LITTLE_ENDIAN);
            head.putInt(name.length).put(name).putInt(type.length).put(type).putInt(t.rank());
            for (long d : t.shape()) head.putLong(d);
            digest.update(head.array());
            INDArray c = t.dup('c');
            ByteBuffer body;
            if (t.dataType() == DataType.DOUBLE) {
                double[] v = c.data().asDouble();
                body = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                body.asDoubleBuffer().put(v);
            } else {
                float[] v = c.data().asFloat();
                body = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                body.asFloatBuffer().put(v);
            }
            digest.update(body.array());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public String toString() { return "Model(" + architecture.describe() + ")"; }
}
