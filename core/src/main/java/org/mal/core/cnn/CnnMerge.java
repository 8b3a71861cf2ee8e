package org.mal.core.cnn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Convex merge of two CNNs of one architecture: {@code θ(λ) = (1 − λ)·θ_base + λ·θ_target} for every
 * float tensor (weights, biases, and the batch norms' running statistics, interpolated like the
 * rest: no statistics reset or REPAIR here); each batch norm's int64 {@code num_batches_tracked}
 * is the base's. The target should already be aligned ({@code target.permuted(result.perms())}).
 * {@code λ = 0} gives the base's tensors themselves. The result has the base's architecture and
 * float type. Neither model is modified.
 */
public final class CnnMerge {
    private CnnMerge() {}

    public static CnnModel convex(CnnModel base, CnnModel alignedTarget, double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
        if (!base.architecture().equals(alignedTarget.architecture())) {
            throw new IllegalArgumentException("a convex merge needs one architecture: base " + base.architecture().describe() + ", target "
                    + alignedTarget.architecture().describe());
        }
        if (lambda == 0) return base;
        Map<String, INDArray> out = new LinkedHashMap<>();
        base.params().forEach((name, a) -> {
            if (a.dataType() == DataType.INT64) {
                out.put(name, a);
            } else {
                INDArray b = alignedTarget.params().get(name).castTo(a.dataType());
                out.put(name, a.mul(1 - lambda).addi(b.mul(lambda)));
            }
        });
        return new CnnModel(base.architecture(), out);
    }
}
