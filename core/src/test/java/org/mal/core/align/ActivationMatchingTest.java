package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.merge.Merge;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ActivationMatchingTest {
    private static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 400, 100, 12, 3, 5);

    @Test
    void recoversAPlantedPermutationFromActivations() {
        Architecture arch = Architecture.mlp(12, List.of(16, 10), 3);
        for (long seed = 0; seed < 5; seed++) {
            Model base = Trainer.initialWeights(arch, seed);
            Model target = WeightMatchingTest.randomlyPermuted(base, new Random(seed + 7));
            Alignment a = ActivationMatching.align(base, target, LayerMap.identity(3), BLOBS.train());
            Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
            assertEquals(base.contentHash(), Merge.convex(base, aligned, 0.5).contentHash(), "seed " + seed);
            assertEquals("activation:blobs/train:400", a.method());
        }
    }

    @Test
    void correlationMatchesADirectComputation() {
        Random r = new Random(3);
        int n = 50;
        double[][] a = new double[n][2];
        double[][] b = new double[n][3];
        for (int i = 0; i < n; i++) {
            a[i][0] = r.nextGaussian();
            a[i][1] = r.nextGaussian();
            b[i][0] = 2 * a[i][0] + 1;          // correlation 1 with a0
            b[i][1] = -a[i][1];                 // correlation -1 with a1
            b[i][2] = 0.5;                      // constant: a dead unit
        }
        double[] c = ActivationMatching.correlation(Nd4j.create(a).castTo(DataType.DOUBLE), Nd4j.create(b).castTo(DataType.DOUBLE));
        assertEquals(1, c[0], 1e-9);
        assertEquals(-1, c[4], 1e-9);
        assertEquals(0, c[2], 1e-9);
        assertTrue(Math.abs(c[1]) < 0.5 && Math.abs(c[3]) < 0.5);
    }

    @Test
    void refusesDataOfTheWrongShape() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(4), 3), 1);
        Model other = Trainer.initialWeights(Architecture.mlp(12, List.of(4), 3), 2);
        TaskData wrong = Synthetic.gaussianBlobs("wide", 20, 10, 13, 3, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> ActivationMatching.align(base, other, LayerMap.identity(2), wrong.train()));
        assertTrue(e.getMessage().contains("13 features"), e.getMessage());
    }
}
