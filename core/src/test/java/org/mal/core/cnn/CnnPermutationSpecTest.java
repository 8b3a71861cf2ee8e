package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class CnnPermutationSpecTest {
    private static CnnPermutationSpec.AxisRef ref(String param, int axis, int block) {
        return new CnnPermutationSpec.AxisRef(param, axis, block);
    }

    @Test
    void oneGroupPerConvOutputReachesItsBatchNormAndTheNextLayersInputsInBlocksAfterAFlatten() {
        CnnPermutationSpec spec = CnnTestNets.plain(4, 6, 5, 12).permutationSpec();
        assertEquals(Map.of("P_0", 4, "P_4", 6, "P_8", 5, "P_11", 12), spec.sizes());
        assertEquals(List.of("P_0", "P_4", "P_8", "P_11"), List.copyOf(spec.sizes().keySet()));
        assertEquals(List.of(ref("0.weight", 0, 1), ref("0.bias", 0, 1), ref("1.weight", 0, 1), ref("1.bias", 0, 1),
                ref("1.running_mean", 0, 1), ref("1.running_var", 0, 1), ref("4.weight", 1, 1)), spec.groups().get("P_0"));
        // a conv without bias; its batch norm; the next conv's inputs
        assertEquals(List.of(ref("4.weight", 0, 1), ref("5.weight", 0, 1), ref("5.bias", 0, 1), ref("5.running_mean", 0, 1),
                ref("5.running_var", 0, 1), ref("8.weight", 1, 1)), spec.groups().get("P_4"));
        // flatten over 3x3 maps: each channel is a block of 9 inputs of the linear
        assertEquals(List.of(ref("8.weight", 0, 1), ref("8.bias", 0, 1), ref("11.weight", 1, 9)), spec.groups().get("P_8"));
        assertEquals(List.of(ref("11.weight", 0, 1), ref("11.bias", 0, 1), ref("13.weight", 1, 1)), spec.groups().get("P_11"));
    }

    @Test
    void globalPoolingKeepsOneInputPerChannel() {
        CnnPermutationSpec spec = CnnTestNets.pooled(5, 7).permutationSpec();
        assertEquals(Map.of("P_0", 5, "P_3", 7), spec.sizes());
        assertEquals(List.of(ref("3.weight", 0, 1), ref("3.bias", 0, 1), ref("7.weight", 1, 1)), spec.groups().get("P_3"));
    }

    @Test
    void aResidualStageSharesOnePermutationAcrossTheStemAndEveryBlocksOutput() {
        CnnPermutationSpec spec = CnnTestNets.resnet().permutationSpec();
        assertEquals(List.of("P_0", "P_3.inner", "P_4.inner", "P_4", "P_5.inner"), List.copyOf(spec.sizes().keySet()));
        // stage 1: the stem, block 3's output (identity shortcut) and the inputs of block 4 (both paths)
        assertEquals(List.of(ref("0.weight", 0, 1), ref("1.weight", 0, 1), ref("1.bias", 0, 1), ref("1.running_mean", 0, 1), ref("1.running_var", 0, 1),
                ref("3.conv1.weight", 1, 1), ref("3.conv2.weight", 0, 1), ref("3.bn2.weight", 0, 1), ref("3.bn2.bias", 0, 1), ref("3.bn2.running_mean", 0, 1),
                ref("3.bn2.running_var", 0, 1), ref("4.conv1.weight", 1, 1), ref("4.downsample.0.weight", 1, 1)), spec.groups().get("P_0"));
        assertEquals(List.of(ref("3.conv1.weight", 0, 1), ref("3.bn1.weight", 0, 1), ref("3.bn1.bias", 0, 1), ref("3.bn1.running_mean", 0, 1),
                ref("3.bn1.running_var", 0, 1), ref("3.conv2.weight", 1, 1)), spec.groups().get("P_3.inner"));
        // stage 2 starts at the projection: its conv and batch norm, block 4's and block 5's outputs, the linear's inputs
        assertEquals(List.of(ref("4.downsample.0.weight", 0, 1), ref("4.downsample.1.weight", 0, 1), ref("4.downsample.1.bias", 0, 1),
                ref("4.downsample.1.running_mean", 0, 1), ref("4.downsample.1.running_var", 0, 1), ref("4.conv2.weight", 0, 1), ref("4.bn2.weight", 0, 1),
                ref("4.bn2.bias", 0, 1), ref("4.bn2.running_mean", 0, 1), ref("4.bn2.running_var", 0, 1), ref("5.conv1.weight", 1, 1),
                ref("5.conv2.weight", 0, 1), ref("5.bn2.weight", 0, 1), ref("5.bn2.bias", 0, 1), ref("5.bn2.running_mean", 0, 1), ref("5.bn2.running_var", 0, 1),
                ref("8.weight", 1, 1)), spec.groups().get("P_4"));
        assertEquals(Map.of("P_0", 6, "P_3.inner", 6, "P_4.inner", 8, "P_4", 8, "P_5.inner", 8), spec.sizes());
    }

    @Test
    void permutingOnlyPartOfAResidualStreamChangesTheFunction() {
        // permuting the stem but not the block outputs added to it breaks the net: the shared group is needed
        CnnArchitecture arch = CnnTestNets.resnet();
        CnnModel model = CnnTestNets.random(arch, 11, DataType.DOUBLE);
        List<CnnPermutationSpec.AxisRef> stemOnly = arch.permutationSpec().groups().get("P_0").stream()
                .filter(r -> !r.param().startsWith("3.conv2") && !r.param().startsWith("3.bn2")).toList();
        CnnPermutationSpec partial = new CnnPermutationSpec(Map.of("P_0", 6), Map.of("P_0", stemOnly));
        CnnModel broken = new CnnModel(arch, partial.apply(model.params(), Map.of("P_0", new int[] {1, 2, 0, 4, 5, 3})));
        INDArray x = CnnTestNets.images(3, 13, DataType.DOUBLE);
        assertTrue(CnnTestNets.maxAbsDiff(model.logits(x), broken.logits(x)) > 1e-3);
    }

    @Test
    void blocksMoveWhole() {
        assertArrayEquals(new int[] {4, 5, 0, 1, 2, 3}, CnnPermutationSpec.expand(new int[] {2, 0, 1}, 2));
        assertArrayEquals(new int[] {1, 0}, CnnPermutationSpec.expand(new int[] {1, 0}, 1));
    }

    @Test
    void permutingChannelsLeavesTheFunctionUnchanged() {
        for (CnnArchitecture arch : List.of(CnnTestNets.plain(4, 6, 5, 12), CnnTestNets.pooled(5, 7), CnnTestNets.resnet())) {
            for (DataType type : List.of(DataType.DOUBLE, DataType.FLOAT)) {
                CnnModel model = CnnTestNets.random(arch, 11, type);
                Map<String, int[]> perms = CnnTestNets.randomPerms(arch, 12);
                CnnModel permuted = model.permuted(perms);
                INDArray x = CnnTestNets.images(5, 13, type);
                double diff = CnnTestNets.maxAbsDiff(model.logits(x), permuted.logits(x));
                assertTrue(diff <= (type == DataType.DOUBLE ? 1e-10 : 1e-5), arch.describe() + " " + type + ": " + diff);
                // not vacuous: every permuted tensor moved, and the counters were left alone
                for (var group : arch.permutationSpec().groups().values()) {
                    for (CnnPermutationSpec.AxisRef r : group) {
                        assertTrue(CnnTestNets.maxAbsDiff(model.params().get(r.param()), permuted.params().get(r.param())) > 0, r.toString());
                    }
                }
                model.params().forEach((name, t) -> {
                    if (t.dataType() == DataType.INT64) assertSame(t, permuted.params().get(name), name);
                });
            }
        }
    }

    @Test
    void permutingOnlyTheOutputsOfAConvChangesTheFunction() {
        // the same permutation applied to a conv's outputs but not to its batch norm and successor breaks the net:
        // the invariance above comes from the spec's groups, not from an insensitive forward pass
        CnnArchitecture arch = CnnTestNets.plain(4, 6, 5, 12);
        CnnModel model = CnnTestNets.random(arch, 11, DataType.DOUBLE);
        int[] perm = CnnTestNets.randomPerms(arch, 12).get("P_4");
        CnnPermutationSpec partial = new CnnPermutationSpec(Map.of("P_4", 6), Map.of("P_4", List.of(ref("4.weight", 0, 1))));
        CnnModel broken = new CnnModel(arch, partial.apply(model.params(), Map.of("P_4", perm)));
        INDArray x = CnnTestNets.images(5, 13, DataType.DOUBLE);
        assertTrue(CnnTestNets.maxAbsDiff(model.logits(x), broken.logits(x)) > 1e-3);
    }

    @Test
    void badPermutationsAreRejectedNamingTheGroup() {
        CnnArchitecture arch = CnnTestNets.pooled(3, 4);
        CnnModel model = CnnTestNets.random(arch, 1, DataType.FLOAT);
        Map<String, int[]> perms = new LinkedHashMap<>();
        perms.put("P_9", new int[] {0});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.permuted(perms));
        assertEquals("unknown permutation group P_9; known: [P_0, P_3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.permuted(Map.of("P_0", new int[] {0, 0, 1})));
        assertEquals("permutation of P_0 is not a bijection of 0..2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.permuted(Map.of("P_3", new int[] {0, 1})));
        assertEquals("permutation of P_3 has 2 entries, group has 4", e.getMessage());
    }
}
