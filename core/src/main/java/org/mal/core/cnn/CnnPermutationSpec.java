package org.mal.core.cnn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.model.Tensors;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which tensor axes share one permutation of channels or units, for a {@link CnnArchitecture}: as
 * {@code org.mal.core.model.PermutationSpec}, plus a block size per axis. A permutation
 * {@code perm} of a group of size {@code n} puts unit {@code perm[k]} of the original at position
 * {@code k}; on an axis with block size {@code b} (of length {@code n·b}) it moves whole blocks:
 * entry {@code k·b + j} of the permuted axis is entry {@code perm[k]·b + j} of the original. Blocks
 * are how a channel permutation reaches the inputs of a {@code Linear} after a {@code Flatten} of
 * {@code h×w} maps ({@code b = h·w}).
 *
 * @param sizes number of units of each group, in group order
 * @param groups for each group, the (tensor, axis, block) it permutes
 */
public record CnnPermutationSpec(Map<String, Integer> sizes, Map<String, List<AxisRef>> groups) {

    /** Axis {@code axis} of tensor {@code param}, made of {@code block} consecutive entries per unit. */
    public record AxisRef(String param, int axis, int block) {
        public AxisRef {
            if (block < 1) throw new IllegalArgumentException(param + " axis " + axis + ": block must be at least 1, got " + block);
        }
    }

    public CnnPermutationSpec {
        if (!sizes.keySet().equals(groups.keySet())) throw new IllegalArgumentException("sizes " + sizes.keySet() + " and groups " + groups.keySet() + " differ");
        sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
        Map<String, List<AxisRef>> copy = new LinkedHashMap<>();
        groups.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        groups = Collections.unmodifiableMap(copy);
    }

    /**
     * Applies permutations to a copy of {@code params} (which is not modified). Groups missing from
     * {@code perms} stay as they are; each permutation must be a bijection of {@code 0..size-1}.
     */
    public Map<String, INDArray> apply(Map<String, INDArray> params, Map<String, int[]> perms) {
        Map<String, INDArray> out = new LinkedHashMap<>(params);
        perms.forEach((group, perm) -> {
            Integer size = sizes.get(group);
            if (size == null) throw new IllegalArgumentException("unknown permutation group " + group + "; known: " + sizes.keySet());
            checkPermutation(group, perm, size);
            for (AxisRef ref : groups.get(group)) {
                INDArray t = out.get(ref.param());
                if (t == null) throw new IllegalArgumentException("group " + group + " permutes " + ref.param() + ", which the tensors do not have");
                out.put(ref.param(), Tensors.take(t, ref.axis(), expand(perm, ref.block())));
            }
        });
        return out;
    }

    /** {@code perm} on units as an index on entries of an axis of {@code perm.length · block}: whole blocks move. */
    public static int[] expand(int[] perm, int block) {
        if (block == 1) return perm.clone();
        int[] index = new int[perm.length * block];
        for (int k = 0; k < perm.length; k++) {
            for (int j = 0; j < block; j++) index[k * block + j] = perm[k] * block + j;
        }
        return index;
    }

    static void checkPermutation(String group, int[] perm, int size) {
        if (perm.length != size) throw new IllegalArgumentException("permutation of " + group + " has " + perm.length + " entries, group has " + size);
        boolean[] seen = new boolean[size];
        for (int p : perm) {
            if (p < 0 || p >= size || seen[p]) throw new IllegalArgumentException("permutation of " + group + " is not a bijection of 0.." + (size - 1));
            seen[p] = true;
        }
    }
}
