package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.merge.Merge;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ZipTest {
    static final TaskData BLOBS = Synthetic.gaussianBlobs("blobs", 600, 300, 12, 3, 42);
    static final Dataset DATA = BLOBS.test();

    static Model trained(List<Integer> widths, long seed) {
        return Trainer.train(Architecture.mlp(12, widths, 3), BLOBS.train(), new TrainConfig(Optimizer.ADAM, 1e-2, 3, 32, seed),
                TrainingListener.NONE);
    }

    static void sameFunction(Model a, Model b, double tol) {
        float[] x = a.logits(DATA.features(0, DATA.size())).data().asFloat();
        float[] y = b.logits(DATA.features(0, DATA.size())).data().asFloat();
        assertArrayEquals(x, y, (float) tol);
    }

    @Test
    void zippingAModelWithItselfGivesTheModelBack() {
        Model m = trained(List.of(10, 8), 1);
        Map<String, INDArray> aligned = Zip.alignedTensors(m, m, DATA, Zip.Settings.DEFAULT);
        for (double lambda : new double[] {0.5, 1.0}) sameFunction(m, Merge.convex(m, aligned, lambda), 1e-4);
    }

    @Test
    void duplicatedUnitsAreZippedBackTogether() {
        Model base = trained(List.of(8), 2);
        // the target: the base's 8 hidden units, permuted, plus copies of units 2 and 5; each copy and
        // its original carry half of the outgoing weights: the same function with 10 units
        int[] order = {3, 0, 7, 2, 5, 1, 6, 4, 2, 5};
        INDArray w0 = base.weight(0);
        INDArray b0 = base.bias(0);
        INDArray w1 = base.weight(1);
        INDArray tw0 = w0.getRows(order);
        INDArray tb0 = org.nd4j.linalg.factory.Nd4j.create(w0.dataType(), 10);
        for (int k = 0; k < 10; k++) tb0.putScalar(k, b0.getDouble(order[k]));
        INDArray tw1 = w1.getColumns(order).dup();
        for (int k = 0; k < 10; k++) {
            if (order[k] == 2 || order[k] == 5) tw1.get(NDArrayIndex.all(), NDArrayIndex.point(k)).muli(0.5);
        }
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put(Architecture.weightName(0), tw0);
        p.put(Architecture.biasName(0), tb0);
        p.put(Architecture.weightName(1), tw1);
        p.put(Architecture.biasName(1), base.bias(1).dup());
        Model target = new Model(Architecture.mlp(12, List.of(10), 3), p);
        sameFunction(base, target, 1e-4);

        int[][] groups = Zip.zip(Zip.correlation(org.nd4j.linalg.factory.Nd4j.hstack(
                org.mal.core.model.Evaluator.activationsBefore(base, 1, DATA, 1000),
                org.mal.core.model.Evaluator.activationsBefore(target, 1, DATA, 1000))), 8, 10, new Zip.Settings(1.0, 0.5));
        for (int u = 0; u < 8; u++) {
            int unit = u;
            int[] expected = java.util.stream.IntStream.range(0, 10).filter(k -> order[k] == unit).toArray();
            assertArrayEquals(expected, groups[u], "base unit " + u);
        }
        Map<String, INDArray> aligned = Zip.alignedTensors(base, target, DATA, new Zip.Settings(1.0, 0.5));
        sameFunction(base, Merge.convex(base, aligned, 1.0), 1e-4);
        sameFunction(base, Merge.convex(base, aligned, 0.3), 1e-4);
    }

    @Test
    void aNarrowerTargetLeavesZerosWhereNoUnitWasZipped() {
        Model base = trained(List.of(10, 8), 3);
        Model target = trained(List.of(6, 5), 4);
        Map<String, INDArray> aligned = Zip.alignedTensors(base, target, DATA, new Zip.Settings(0.5, 0.0));
        assertEquals(List.of(10L, 12L), List.of(aligned.get("0.weight").size(0), aligned.get("0.weight").size(1)));
        long zeroRows = 0;
        for (int r = 0; r < 10; r++) if (aligned.get("0.weight").getRow(r).amaxNumber().doubleValue() == 0) zeroRows++;
        assertEquals(4, zeroRows, "6 target units into 10 base units, none zipped among themselves: 4 base units get padding");
        assertArrayEquals(base.params().keySet().toArray(), aligned.keySet().toArray());
        assertThrows(IllegalArgumentException.class, () -> Zip.alignedTensors(base, trained(List.of(10), 5), DATA, Zip.Settings.DEFAULT));
    }
}
