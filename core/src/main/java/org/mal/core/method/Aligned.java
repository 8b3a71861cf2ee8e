package org.mal.core.method;

import java.util.List;
import java.util.Map;
import org.mal.core.align.Alignment;
import org.mal.core.merge.Repair;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An aligner's result: the target's tensors of the mapped layers in the base's shapes and unit
 * order ({@code tensors}, keyed like the base's parameters), and how they were found.
 *
 * @param zipGroups the {@code zip} aligner's groups (per hidden layer, per base unit, the target
 *     units zipped into it); empty for aligners whose alignment holds unit matches
 */
public record Aligned(Alignment alignment, Map<String, INDArray> tensors, List<int[][]> zipGroups) {
    public Aligned {
        tensors = Map.copyOf(tensors);
        zipGroups = List.copyOf(zipGroups);
    }

    public Aligned(Alignment alignment, Map<String, INDArray> tensors) { this(alignment, tensors, List.of()); }

    /**
     * The target as REPAIR sees it on the rows {@code x}: through the alignment's unit matches, or
     * through the zip's groups; an aligner that gives neither for a layer it maps cannot be REPAIRed.
     */
    public Repair.View repairView(Model target, INDArray x) {
        if (!zipGroups.isEmpty()) return Repair.View.zipped(target, zipGroups, x);
        if (alignment.matches().isEmpty() && !alignment.map().pairs().isEmpty()) {
            throw new IllegalArgumentException("REPAIR needs the aligner's unit matches; aligner " + alignment.method() + " gives none");
        }
        return Repair.View.of(target, alignment, x);
    }
}
