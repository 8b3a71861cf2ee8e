package org.mal.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The input normalisation a model was trained with, {@code x ↦ (x - mean) / std} on every input
 * feature (e.g. MNIST's mean 0.1307 and std 0.3081), and its folding into the first layer so that
 * the model takes MAL's raw inputs in [0, 1].
 */
public record InputNormalisation(double mean, double std) {
    public InputNormalisation {
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("the input mean must be a finite number, got " + mean);
        if (!(std > 0) || !Double.isFinite(std)) throw new IllegalArgumentException("the input std must be a positive finite number, got " + std);
    }

    /**
     * The model with the normalisation folded into layer 0: {@code W' = W / std} and
     * {@code b' = b - (mean / std) · W·1} (each bias minus {@code mean / std} times its row sum of
     * {@code W}), so that {@code folded(x) = model((x - mean) / std)} for every {@code x}. Computed
     * in double, stored in the weights' own type. {@code model} is not modified.
     */
    public Model fold(Model model) {
        INDArray w = model.weight(0);
        INDArray b = model.bias(0);
        DataType type = w.dataType();
        INDArray wd = w.castTo(DataType.DOUBLE);
        INDArray folded = wd.div(std);
        INDArray rowSums = wd.sum(1);                          // [out]
        INDArray bias = b.castTo(DataType.DOUBLE).sub(rowSums.mul(mean / std));
        Map<String, INDArray> params = new LinkedHashMap<>(model.params());
        params.put(Architecture.weightName(0), folded.castTo(type));
        params.put(Architecture.biasName(0), bias.castTo(b.dataType()));
        return new Model(model.architecture(), params);
    }

    /** E.g. {@code (x - 0.1307) / 0.3081}. */
    public String describe() { return "(x - " + mean + ") / " + std; }
}
