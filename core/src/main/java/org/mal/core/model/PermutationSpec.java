package org.mal.core.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Which tensor axes share one permutation of hidden units (Git Re-Basin's {@code perm_to_axes}).
 * A permutation {@code perm} of a group of size {@code n} is an index array: position {@code k} of
 * the permuted model holds unit {@code perm[k]} of the original, along every axis of the group.
 *
 * @param sizes number of units of each group, in group order
 * @param groups for each group, the (tensor, axis) pairs it permutes
 */
public record PermutationSpec(Map<String, Integer> sizes, Map<String, List<AxisRef>> groups) {

    /** One axis of one named tensor. */
    public record AxisRef(String param, int axis) {}

    public PermutationSpec {
        if (!sizes.keySet().equals(groups.keySet())) {
            throw new IllegalArgumentException("sizes " + sizes.keySet() + " and groups " + groups.keySet() + " differ");
        }
        sizes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
        Map<String, List<AxisRef>> copy = new LinkedHashMap<>();
        groups.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        groups = java.util.Collections.unmodifiableMap(copy);
    }

    /** The inverse view: for each tensor, the group permuting each axis ({@code null} if none). */
    public Map<String, List<String>> axesToGroup(Map<String, INDArray> params) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        params.forEach((name, t) -> {
            List<String> roles = new ArrayList<>();
            for (int a = 0; a < t.rank(); a++) roles.add(null);
            out.put(name, roles);
        });
        groups.forEach((group, axes) -> axes.forEach(ref -> out.get(ref.param()).set(ref.axis(), group)));
        return out;
    }

    /**
     * Applies permutations to a copy of {@code params}. Groups missing from {@code perms} stay as
     * they are. Each permutation must be a bijection of {@code 0..size-1}.
     */
    public Map<String, INDArray> apply(Map<String, INDArray> params, Map<String, int[]> perms) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.forEach((name, t) -> out.put(name, t.dup()));
        perms.forEach((group, perm) -> {
            Integer size = sizes.get(group);
            if (size == null) throw new IllegalArgumentException("unknown permutation group " + group + "; known: " + sizes.keySet());
            checkPermutation(group, perm, size);
            for (AxisRef ref : groups.get(group)) {
                out.put(ref.param(), Tensors.take(out.get(ref.param()), ref.axis(), perm));
            }
        });
        return out;
    }

    /** The inverse of a permutation. */
    public static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int k = 0; k < perm.length; k++) inv[perm[k]] = k;
        return inv;
    }

    private static void checkPermutation(String group, int[] perm, int size) {
        if (perm.length != size) {
            throw new IllegalArgumentException("permutation of " + group + " has " + perm.length + " entries, group has " + size);
        }
        boolean[] seen = new boolean[size];
        for (int p : perm) {
            if (p < 0 || p >= size || seen[p]) {
                throw new IllegalArgumentException("permutation of " + group + " is not a bijection of 0.." + (size - 1));
            }
            seen[p] = true;
        }
    }
}
