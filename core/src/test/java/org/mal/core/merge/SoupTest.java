package org.mal.core.merge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

class SoupTest {
    @Test
    void aSoupOfOneTargetIsTheConvexMerge() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 6), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(10, 4), 3), 2);
        Alignment a = WeightMatching.align(base, target, LayerMap.identity(3), new WeightMatching.Settings(100, 1));
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        assertEquals(Merge.convex(base, aligned, 0.3).contentHash(), Soup.convex(base, List.of(aligned), new double[] {0.3}).contentHash());
        assertThrows(IllegalArgumentException.class, () -> Soup.convex(base, List.of(aligned, aligned), new double[] {0.6, 0.6}));
    }

    /** Invariant 8 for soups: REPAIR of a soup of permuted copies of the base gives back the base's function. */
    @Test
    void aRepairedSoupOfPermutedCopiesIsTheBase() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(16, 10), 3), 4);
        Random r = new Random(3);
        List<Model> copies = new ArrayList<>();
        List<Alignment> alignments = new ArrayList<>();
        List<Map<String, INDArray>> aligned = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Model c = base.permuted(Map.of(Architecture.groupName(0), RepairTest.shuffled(16, r), Architecture.groupName(1),
                    RepairTest.shuffled(10, r)));
            Alignment a = WeightMatching.align(base, c, LayerMap.identity(3), new WeightMatching.Settings(100, 1));
            copies.add(c);
            alignments.add(a);
            aligned.add(Transplant.alignedTensors(base, c, a));
        }
        INDArray x = RepairTest.rows(400, 12, 8);
        Model soup = Soup.repaired(base, copies, alignments, aligned, new double[] {0.25, 0.25, 0.25}, x);
        INDArray expected = base.logits(x);
        double err = soup.logits(x).sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
        assertTrue(err < 1e-4, "relative error " + err);
    }

    @Test
    void theEnsembleOfOneModelIsTheModel() {
        TaskData blobs = Synthetic.gaussianBlobs("blobs", 300, 200, 12, 3, 1);
        Model m = Trainer.initialWeights(Architecture.mlp(12, List.of(8), 3), 2);
        Metrics one = Evaluator.evaluate(m, blobs.test());
        Metrics ens = Soup.ensemble(List.of(m, m), blobs.test());
        assertEquals(one.accuracy(), ens.accuracy(), 1e-12);
        assertEquals(one.loss(), ens.loss(), 1e-6);
    }
}
