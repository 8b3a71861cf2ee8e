package org.mal.core.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mal.core.merge.Merge;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.core.model.PermutationSpec;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class WeightMatchingTest {
    private static final double[] LAMBDAS = {0, 0.25, 0.5, 0.75, 1};

    static int[] randomPermutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    public static Model randomlyPermuted(Model m, Random random) {
        Map<String, int[]> perms = new HashMap<>();
        m.architecture().permutationSpec().sizes().forEach((g, n) -> perms.put(g, randomPermutation(n, random)));
        return m.permuted(perms);
    }

    static INDArray input(int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
        return Nd4j.create(x, new long[] {rows, cols}, DataType.FLOAT);
    }

    static void assertSameFunction(Model expected, Model actual, String what) {
        INDArray x = input(64, expected.architecture().inputSize(), 99);
        INDArray a = expected.logits(x);
        INDArray b = actual.logits(x);
        double maxDiff = a.sub(b).amaxNumber().doubleValue();
        assertTrue(maxDiff < 1e-4, what + ": outputs differ by " + maxDiff);
    }

    /**
     * {@code core} with {@code extra[g]} dead units appended to hidden group {@code g}: random incoming
     * weights and bias, zero outgoing weights, so the function is the core's.
     */
    static Model withDeadUnits(Model core, int[] extra, long seed) {
        Random random = new Random(seed);
        Architecture a = core.architecture();
        List<Integer> widths = new java.util.ArrayList<>(a.hiddenWidths());
        for (int g = 0; g < widths.size(); g++) widths.set(g, widths.get(g) + extra[g]);
        Architecture wide = Architecture.mlp(a.inputSize(), widths, a.outputSize());
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (int i = 0; i < a.depth(); i++) {
            INDArray w = core.weight(i);
            INDArray b = core.bias(i);
            int outNew = wide.layers().get(i).outputSize();
            int inNew = wide.layers().get(i).inputSize();
            INDArray w2 = Nd4j.zeros(DataType.FLOAT, outNew, inNew);
            INDArray b2 = Nd4j.zeros(DataType.FLOAT, outNew);
            for (int r = 0; r < outNew; r++) {
                for (int c = 0; c < inNew; c++) {
                    boolean coreRow = r < w.size(0);
                    boolean coreCol = c < w.size(1);
                    float v;
                    if (coreRow && coreCol) v = w.getFloat(r, c);
                    else if (!coreRow && coreCol) v = (random.nextFloat() * 2 - 1) * 0.3f; // a dead unit's incoming weights
                    else if (!coreRow) v = (random.nextFloat() * 2 - 1) * 0.3f;
                    else v = 0f;                                                       // outgoing weights of dead units
                    w2.putScalar(r, c, v);
                }
                b2.putScalar(r, r < b.size(0) ? b.getFloat(r) : random.nextFloat() * 0.1f);
            }
            params.put(Architecture.weightName(i), w2);
            params.put(Architecture.biasName(i), b2);
        }
        return new Model(wide, params);
    }

    @Test
    void recoversAPlantedPermutationInAHundredOfAHundredTrials() {
        Architecture arch = Architecture.mlp(30, List.of(24, 16, 12), 5);
        for (long seed = 0; seed < 100; seed++) {
            Model base = Trainer.initialWeights(arch, seed);
            Model target = randomlyPermuted(base, new Random(seed + 100));
            Alignment a = WeightMatching.align(base, target, LayerMap.identity(arch.depth()), new WeightMatching.Settings(100, seed));
            Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
            for (String name : aligned.keySet()) {
                assertEquals(base.params().get(name), aligned.get(name), "seed " + seed + ": " + name + " aligned back exactly");
            }
            assertTrue(a.objectiveAfter() > a.objectiveBefore());
            for (double lambda : LAMBDAS) {
                assertEquals(base.contentHash(), Merge.convex(base, aligned, lambda).contentHash(), "seed " + seed + ", λ " + lambda);
            }
        }
    }

    @Test
    void targetWithExtraDeadUnitsMergesToTheBaseFunction() {
        Model base = Trainer.initialWeights(Architecture.mlp(20, List.of(10, 8), 4), 1);
        Model target = randomlyPermuted(withDeadUnits(base, new int[] {5, 3}, 2), new Random(3));
        checkPlanted(base, target, "both target dims larger");
    }

    @Test
    void baseWithExtraDeadUnitsMergesToTheBaseFunction() {
        Model core = Trainer.initialWeights(Architecture.mlp(20, List.of(10, 8), 4), 4);
        Model base = withDeadUnits(core, new int[] {4, 6}, 5);
        Model target = randomlyPermuted(core, new Random(6));
        checkPlanted(base, target, "both target dims smaller");
    }

    @Test
    void sizeIncompatibleLayersInBothDirectionsMergeToTheBaseFunction() {
        Model core = Trainer.initialWeights(Architecture.mlp(20, List.of(10, 8), 4), 7);
        // layer 1 of the base is [8+5, 10], of the target [8, 10+4]: rows larger, columns smaller
        Model base = withDeadUnits(core, new int[] {0, 5}, 8);
        Model target = randomlyPermuted(withDeadUnits(core, new int[] {4, 0}, 9), new Random(10));
        checkPlanted(base, target, "base rows larger, columns smaller");
        // and the other way round
        Model base2 = withDeadUnits(core, new int[] {4, 0}, 11);
        Model target2 = randomlyPermuted(withDeadUnits(core, new int[] {0, 5}, 12), new Random(13));
        checkPlanted(base2, target2, "base rows smaller, columns larger");
    }

    private static void checkPlanted(Model base, Model target, String what) {
        Alignment a = WeightMatching.align(base, target, LayerMap.identity(base.architecture().depth()), WeightMatching.Settings.DEFAULT);
        Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
        for (double lambda : LAMBDAS) {
            Model merged = Merge.convex(base, aligned, lambda);
            assertEquals(base.architecture(), merged.architecture());
            assertSameFunction(base, merged, what + " at λ " + lambda);
        }
    }

    @Test
    void lambdaZeroGivesTheBaseForAnyMove() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(9, 7, 5), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(4, 11, 6, 8), 3), 2);
        for (String map : List.of("1:2", "0:0,2:3", "1:1,2:2,3:4", "0:1")) {
            LayerMap m = LayerMap.parse(map);
            for (Alignment a : List.of(WeightMatching.naive(base, target, m), WeightMatching.align(base, target, m, WeightMatching.Settings.DEFAULT))) {
                Map<String, INDArray> aligned = Transplant.alignedTensors(base, target, a);
                assertEquals(base.contentHash(), Merge.convex(base, aligned, 0).contentHash(), map + " " + a.method());
                Model half = Merge.convex(base, aligned, 0.5);
                assertEquals(base.architecture(), half.architecture(), "the merge keeps the base's architecture");
                assertTrue(a.objectiveAfter() >= a.objectiveBefore() - 1e-9, map + ": coordinate descent never loses");
            }
        }
    }

    @Test
    void crossLayerMapAlignsInputsAndOutputsOfTheMappedLayer() {
        // the base's layer 1 (9 -> 7) takes the target's layer 2 (6 -> 8): inputs 9 vs 6, outputs 7 vs 8
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(9, 7), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(4, 6, 8), 3), 2);
        Alignment a = WeightMatching.align(base, target, LayerMap.parse("1:2"), WeightMatching.Settings.DEFAULT);
        assertEquals(2, a.matches().size());
        int[] in = a.match(0, 1).orElseThrow().targetForBase();
        int[] out = a.match(1, 2).orElseThrow().targetForBase();
        assertEquals(9, in.length);
        assertEquals(3, java.util.Arrays.stream(in).filter(x -> x < 0).count(), "three base inputs get padding");
        assertEquals(7, out.length);
        assertEquals(7, java.util.Arrays.stream(out).filter(x -> x >= 0).distinct().count(), "seven of eight target units chosen");
        Map<String, INDArray> t = Transplant.alignedTensors(base, target, a);
        assertArrayEquals(new long[] {7, 9}, t.get("2.weight").shape());
    }

    @Test
    void alignmentIsAValueThatSerialisesToJson() throws Exception {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(9, 7), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(6, 8), 3), 2);
        Alignment a = WeightMatching.align(base, target, LayerMap.identity(3), new WeightMatching.Settings(50, 3));
        String json = ModelIO.JSON.writeValueAsString(a);
        assertEquals(a, ModelIO.JSON.readValue(json, Alignment.class));
        assertTrue(json.contains("\"targetForBase\""), json);
        assertEquals(a, WeightMatching.align(base, target, LayerMap.identity(3), new WeightMatching.Settings(50, 3))
                .withSeconds(a.seconds()), "deterministic for a seed");
    }

    @Test
    void layerMapsAreCheckedAgainstTheModels() {
        Model base = Trainer.initialWeights(Architecture.mlp(12, List.of(9), 3), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(12, List.of(6), 3), 2);
        var e = assertThrows(IllegalArgumentException.class, () -> WeightMatching.naive(base, target, LayerMap.parse("2:0")));
        assertTrue(e.getMessage().contains("base layer 2 does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerMap.parse("0:0,0:1"));
        assertTrue(e.getMessage().contains("mapped twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerMap.parse("0-1"));
        assertTrue(e.getMessage().contains("base:target"), e.getMessage());
    }

    /** Every injective map of base units to target units that leaves exactly max(0, nBase - nTarget) base units padded. */
    private static List<int[]> injectiveMaps(int nBase, int nTarget) {
        List<int[]> out = new java.util.ArrayList<>();
        extend(new int[nBase], 0, new boolean[nTarget], Math.max(0, nBase - nTarget), out);
        return out;
    }

    private static void extend(int[] partial, int pos, boolean[] used, int padsLeft, List<int[]> out) {
        if (pos == partial.length) {
            if (padsLeft == 0) out.add(partial.clone());
            return;
        }
        if (padsLeft > 0) {
            partial[pos] = -1;
            extend(partial, pos + 1, used, padsLeft - 1, out);
        }
        for (int q = 0; q < used.length; q++) {
            if (used[q]) continue;
            used[q] = true;
            partial[pos] = q;
            extend(partial, pos + 1, used, padsLeft, out);
            used[q] = false;
        }
    }

    private static List<int[]> permutations(int n) {
        List<int[]> out = new java.util.ArrayList<>();
        extend(new int[n], 0, new boolean[n], 0, out);
        return out;
    }

    /**
     * Paper Eq. 6 lets the base permute too (Q) in size-incompatible layers. With both sides padded,
     * Q and P enter the objective only through QᵀP, so Q adds nothing: checked here by brute force
     * over every (Q0, Q1, P0, P1) of a model whose middle layer is size-incompatible both ways.
     */
    @Test
    void aBasePermutationAddsNothingToTheGeneralizedPermutation() {
        Model base = Trainer.initialWeights(Architecture.mlp(5, List.of(2, 3), 2), 21);
        Model target = Trainer.initialWeights(Architecture.mlp(5, List.of(3, 2), 2), 22);
        LayerMap map = LayerMap.identity(3);
        double bestP = Double.NEGATIVE_INFINITY;
        double bestQP = Double.NEGATIVE_INFINITY;
        int[] id5 = {0, 1, 2, 3, 4};
        int[] id2 = {0, 1};
        for (int[] q0 : permutations(2)) {
            for (int[] q1 : permutations(3)) {
                Model qBase = base.permuted(Map.of("P_0", q0, "P_1", q1));   // same function as the base
                for (int[] p0 : injectiveMaps(2, 3)) {
                    for (int[] p1 : injectiveMaps(3, 2)) {
                        Alignment a = new Alignment("brute", map.toString(), List.of(new UnitMatch(-1, -1, id5),
                                new UnitMatch(0, 0, p0), new UnitMatch(1, 1, p1), new UnitMatch(2, 2, id2)), 0, 0, 0, 0);
                        double j = WeightMatching.objective(qBase, target, a);
                        bestQP = Math.max(bestQP, j);
                        if (q0[0] == 0 && q1[0] == 0 && q1[1] == 1) bestP = Math.max(bestP, j);
                    }
                }
            }
        }
        assertEquals(bestQP, bestP, 1e-12);
    }

    @Test
    void inverseHelperMatchesPermutationSpec() {
        int[] p = randomPermutation(10, new Random(1));
        int[] inv = PermutationSpec.inverse(p);
        for (int k = 0; k < 10; k++) assertEquals(k, inv[p[k]]);
    }
}
