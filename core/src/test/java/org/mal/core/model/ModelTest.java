package org.mal.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mal.core.data.Dataset;
import org.mal.core.train.Trainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelTest {

    private static int[] randomPermutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    private static INDArray randomInput(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = random.nextFloat();
        return Nd4j.create(x, new long[] {rows, cols}, DataType.FLOAT);
    }

    @Test
    void permutingHiddenUnitsLeavesOutputsUnchanged() {
        Architecture arch = Architecture.mlp(20, List.of(16, 8, 12), 5);
        Model model = Trainer.initialWeights(arch, 7);
        Random random = new Random(3);
        Map<String, int[]> perms = new HashMap<>();
        arch.permutationSpec().sizes().forEach((group, size) -> perms.put(group, randomPermutation(size, random)));
        Model permuted = model.permuted(perms);

        assertNotEquals(model.contentHash(), permuted.contentHash(), "a random permutation moves the weights");
        INDArray x = randomInput(32, 20, 11);
        INDArray a = model.logits(x);
        INDArray b = permuted.logits(x);
        // Sums are reordered, so equality holds up to float rounding.
        assertTrue(a.equalsWithEps(b, 1e-5), "outputs differ after permuting hidden units");

        Map<String, int[]> inverse = new HashMap<>();
        perms.forEach((g, p) -> inverse.put(g, PermutationSpec.inverse(p)));
        assertEquals(model.contentHash(), permuted.permuted(inverse).contentHash(), "inverse permutation restores the weights exactly");
    }

    @Test
    void permutationSpecGroupsOutputAxesWithNextLayersInputAxes() {
        PermutationSpec spec = Architecture.mlp(4, List.of(3, 2), 2).permutationSpec();
        assertEquals(Map.of("P_0", 3, "P_1", 2), spec.sizes());
        assertEquals(List.of(new PermutationSpec.AxisRef("0.weight", 0), new PermutationSpec.AxisRef("0.bias", 0),
                new PermutationSpec.AxisRef("2.weight", 1)), spec.groups().get("P_0"));
        assertEquals(List.of(new PermutationSpec.AxisRef("2.weight", 0), new PermutationSpec.AxisRef("2.bias", 0),
                new PermutationSpec.AxisRef("4.weight", 1)), spec.groups().get("P_1"));
    }

    @Test
    void tensorsAreNamedLikeAPyTorchSequential() {
        Architecture arch = Architecture.mlp(784, List.of(128, 64), 10);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                arch.params().stream().map(Layer.ParamSpec::name).toList());
        assertArrayEquals(new long[] {128, 784}, arch.params().get(0).shape());
        assertEquals("784-128-64-10", arch.describe());
        assertEquals(List.of(128, 64), arch.hiddenWidths());
        assertEquals(784L * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10, arch.parameterCount());
    }

    @Test
    void rejectsWeightsThatDoNotFitTheArchitecture() {
        Architecture arch = Architecture.mlp(4, List.of(3), 2);
        Map<String, INDArray> params = new LinkedHashMap<>(Trainer.initialWeights(arch, 1).params());
        params.put("2.weight", Nd4j.zeros(DataType.FLOAT, 2, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> new Model(arch, params));
        assertTrue(e.getMessage().contains("2.weight") && e.getMessage().contains("[2, 4]"), e.getMessage());
        params.remove("2.weight");
        e = assertThrows(IllegalArgumentException.class, () -> new Model(arch, params));
        assertTrue(e.getMessage().contains("needs tensor 2.weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Architecture.mlp(4, List.of(0), 2));
    }

    @Test
    void evaluatorMatchesADirectComputation() {
        Architecture arch = Architecture.mlp(6, List.of(5), 3);
        Model model = Trainer.initialWeights(arch, 5);
        Random random = new Random(9);
        int n = 37;
        float[] x = new float[n * 6];
        int[] y = new int[n];
        for (int i = 0; i < x.length; i++) x[i] = random.nextFloat() * 4 - 2;
        for (int i = 0; i < n; i++) y[i] = random.nextInt(3);
        Dataset data = new Dataset("direct", 6, 3, x, y);

        double lossSum = 0;
        int correct = 0;
        for (int r = 0; r < n; r++) {
            double[] hidden = new double[5];
            for (int j = 0; j < 5; j++) {
                double s = model.bias(0).getDouble(j);
                for (int k = 0; k < 6; k++) s += model.weight(0).getDouble(j, k) * x[r * 6 + k];
                hidden[j] = Math.max(0, s);
            }
            double[] z = new double[3];
            for (int c = 0; c < 3; c++) {
                double s = model.bias(1).getDouble(c);
                for (int j = 0; j < 5; j++) s += model.weight(1).getDouble(c, j) * hidden[j];
                z[c] = s;
            }
            double sumExp = 0;
            int best = 0;
            for (int c = 0; c < 3; c++) { sumExp += Math.exp(z[c]); if (z[c] > z[best]) best = c; }
            lossSum += -Math.log(Math.exp(z[y[r]]) / sumExp);
            if (best == y[r]) correct++;
        }
        Metrics m = Evaluator.evaluate(model, data, 10); // 37 rows in batches of 10: a ragged last batch
        assertEquals(lossSum / n, m.loss(), 1e-5);
        assertEquals((double) correct / n, m.accuracy(), 0.0);
        assertEquals(n, m.samples());
    }

    @Test
    void contentHashDependsOnWeightsOnly() {
        Architecture arch = Architecture.mlp(4, List.of(3), 2);
        Model a = Trainer.initialWeights(arch, 1);
        Model b = new Model(arch, new LinkedHashMap<>(a.params()));
        assertEquals(a.contentHash(), b.contentHash());
        assertNotEquals(a.contentHash(), Trainer.initialWeights(arch, 2).contentHash());
        assertEquals(64, a.contentHash().length());
    }
}
