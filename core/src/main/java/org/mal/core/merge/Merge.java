package org.mal.core.merge;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
