package org.mal.core.method;

import java.util.Map;
import org.mal.core.align.Alignment;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An aligner's result: the target's tensors of the mapped layers in the base's shapes and unit
 * order ({@code tensors}, keyed like the base's parameters), and how they were found.
 */
public record Aligned(Alignment alignment, Map<String, INDArray> tensors) {
    public Aligned { tensors = Map.copyOf(tensors); }
}
