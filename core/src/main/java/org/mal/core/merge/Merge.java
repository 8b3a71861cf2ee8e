package org.mal.core.merge;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Convex combination of a base with aligned target tensors, always in the base's architecture. */
public final class Merge {
    private Merge() {}

    /**
     * {@code W(λ) = (1 − λ)·W_base + λ·W'} for every tensor in {@code aligned} (base tensor names,
     * base shapes); the base's other tensors are kept. At {@code λ = 0} the base's own tensors are
     * returned, so the merge computes exactly the base's function.
     */
    public static Model convex(Model base, Map<String, INDArray> aligned, double lambda) {
        if (!(lambda >= 0 && lambda <= 1)) throw new IllegalArgumentException("λ must be in [0, 1], got " + lambda);
        for (String name : aligned.keySet()) {
            if (!base.params().containsKey(name)) throw new IllegalArgumentException("the base has no tensor " + name);
        }
        if (lambda == 0) return base;
        Map<String, INDArray> params = new LinkedHashMap<>(base.params());
        aligned.forEach((name, t) -> {
            INDArray w = base.params().get(name);
            params.put(name, w.mul(1 - lambda).addi(t.castTo(w.dataType()).mul(lambda)));
        });
        return new Model(base.architecture(), params);
    }

    /**
     * The target's mean share in a merge: over every parameter of {@code aligned} where the aligned
     * target differs from the base (by more than 1e-12), the mean of {@code (W − W_base) / (W' − W_base)},
     * which is λ for a convex merge and {@code 1 − α} for NP Merge. NaN when no parameter differs.
     */
    public static double targetShare(Model base, Map<String, INDArray> aligned, Model merged) {
        double share = 0;
        long n = 0;
        for (Map.Entry<String, INDArray> e : aligned.entrySet()) {
            INDArray wb = base.params().get(e.getKey());
            INDArray mixed = merged.params().get(e.getKey());
            INDArray diff = e.getValue().castTo(wb.dataType()).sub(wb);
            INDArray mask = Transforms.abs(diff).gt(1e-12).castTo(wb.dataType());
            INDArray ratio = mixed.sub(wb).divi(diff.add(mask.rsub(1.0))).muli(mask);
            share += ratio.sumNumber().doubleValue();
            n += mask.sumNumber().longValue();
        }
        return n > 0 ? share / n : Double.NaN;
    }
}
