package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weight matching with its first products reused across sweeps gives exactly what it gave before
 * ({@link WeightMatchingReference}): the same matches, the same objective bit for bit, the same
 * number of sweeps, on equal and heterogeneous widths and depths, selective and cross-layer maps,
 * and targets that take several sweeps to settle.
 */
class WeightMatchingSameAsReferenceTest {
    private static Model mlp(int in, List<Integer> hidden, int out, long seed) {
        return Trainer.initialWeights(Architecture.mlp(in, hidden, out), seed);
    }

    /** The base with its hidden units permuted (seeded) and every weight moved by noise of {@code scale}: several sweeps to undo. */
    private static Model noisyPermutedCopy(Model base, double scale, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> t = new java.util.LinkedHashMap<>();
        int depth = base.architecture().depth();
        java.util.Random r = new java.util.Random(seed);
        int[] prev = null;
        for (int i = 0; i < depth; i++) {
            INDArray w = base.weight(i).dup();
            INDArray b = base.bias(i).dup();
            if (prev != null) w = w.getColumns(prev);
            if (i < depth - 1) {
                int[] perm = new int[(int) w.rows()];
                for (int k = 0; k < perm.length; k++) perm[k] = k;
                for (int k = perm.length - 1; k > 0; k--) {
                    int j = r.nextInt(k + 1);
                    int x = perm[k];
                    perm[k] = perm[j];
                    perm[j] = x;
                }
                w = w.getRows(perm);
                b = b.get(org.nd4j.linalg.indexing.NDArrayIndex.indices(java.util.Arrays.stream(perm).mapToLong(x -> x).toArray()));
                prev = perm;
            }
            t.put(Architecture.weightName(i), w.add(Nd4j.randn(w.dataType(), w.shape()).muli(scale)));
            t.put(Architecture.biasName(i), b.add(Nd4j.randn(b.dataType(), b.shape()).muli(scale)));
        }
        return new Model(base.architecture(), t);
    }

    private record Case(Model base, Model target, String map, WeightMatching.Settings settings) {}

    @Test
    void sameMatchesObjectiveAndSweepsAsTheReference() {
        List<Case> cases = new ArrayList<>();
        Model a = mlp(60, List.of(32, 32, 32), 10, 1);
        cases.add(new Case(a, mlp(60, List.of(32, 32, 32), 10, 2), "0:0,1:1,2:2,3:3", WeightMatching.Settings.DEFAULT));
        cases.add(new Case(a, mlp(60, List.of(48, 24, 40), 10, 3), "0:0,1:1,2:2,3:3", WeightMatching.Settings.DEFAULT));
        cases.add(new Case(a, mlp(60, List.of(16, 48, 32, 24), 10, 4), "0:0,1:1,3:4", new WeightMatching.Settings(100, 7)));
        cases.add(new Case(a, mlp(60, List.of(40, 40), 10, 5), "0:0,2:2", WeightMatching.Settings.DEFAULT));
        cases.add(new Case(a, mlp(60, List.of(20, 36, 28), 10, 6), "1:2", WeightMatching.Settings.DEFAULT));
        cases.add(new Case(a, mlp(60, List.of(36, 28, 20), 10, 8), "1:0,2:1", new WeightMatching.Settings(3, 1)));
        cases.add(new Case(a, noisyPermutedCopy(a, 0.05, 9), "0:0,1:1,2:2,3:3", WeightMatching.Settings.DEFAULT));
        cases.add(new Case(mlp(30, List.of(24, 24), 5, 10), noisyPermutedCopy(mlp(30, List.of(24, 24), 5, 10), 0.3, 11), "0:0,1:1,2:2",
                new WeightMatching.Settings(100, 3)));
        int multiSweep = 0;
        for (Case c : cases) {
            LayerMap map = LayerMap.parse(c.map());
            Alignment expected = WeightMatchingReference.align(c.base(), c.target(), map, c.settings());
            Alignment actual = WeightMatching.align(c.base(), c.target(), map, c.settings());
            String what = c.base().architecture() + " <- " + c.target().architecture() + " map " + c.map();
            assertEquals(expected.matches(), actual.matches(), what + ": matches");
            assertEquals(expected.objectiveBefore(), actual.objectiveBefore(), 0.0, what + ": objective before");
            assertEquals(expected.objectiveAfter(), actual.objectiveAfter(), 0.0, what + ": objective after");
            assertEquals(expected.sweeps(), actual.sweeps(), what + ": sweeps");
            if (actual.sweeps() >= 3) multiSweep++;
        }
        assertTrue(multiSweep >= 4, "most cases must take several sweeps, or the reuse across sweeps is not exercised: " + multiSweep);
    }
}
