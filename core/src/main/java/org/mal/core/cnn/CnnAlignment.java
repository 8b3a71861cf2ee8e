package org.mal.core.cnn;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of aligning a target CNN to a base CNN of the same layer structure: one generalized
 * permutation per permutation group of the base's {@link CnnPermutationSpec} (the target's spec has
 * the same groups, possibly of other sizes). {@code targetForBase.get(g)[p]} is the target channel
 * (or unit) placed at base channel {@code p} of group {@code g}, or {@code -1} where the base
 * channel receives zero padding (the target's group is narrower); target channels that no base
 * channel receives are dropped. With equal sizes and no {@code -1} it is the inverse of the
 * permutation {@link CnnPermutationSpec#apply} takes: {@code targetForBase[p] = perm[p]}.
 *
 * @param method {@code naive}, {@code weight} or {@code activation:<rows>}
 * @param objectiveBefore the weight-matching objective of the naive alignment (see {@link CnnChannelMatching})
 * @param objectiveAfter the weight-matching objective of this alignment
 */
public record CnnAlignment(String method, Map<String, int[]> targetForBase, double objectiveBefore, double objectiveAfter, int sweeps,
                           double seconds) {
    public CnnAlignment {
        Map<String, int[]> copy = new LinkedHashMap<>();
        targetForBase.forEach((g, m) -> copy.put(g, m.clone()));
        targetForBase = Collections.unmodifiableMap(copy);
    }

    /** Group {@code g}'s match (a copy), or an error naming the groups there are. */
    public int[] match(String g) {
        int[] m = targetForBase.get(g);
        if (m == null) throw new IllegalArgumentException("alignment " + method + " has no group " + g + "; it has " + targetForBase.keySet());
        return m.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CnnAlignment[" + method + ", objective " + objectiveBefore + " -> " + objectiveAfter + ", " + sweeps
                + " sweeps");
        targetForBase.forEach((g, m) -> sb.append(", ").append(g).append(Arrays.toString(m)));
        return sb.append(']').toString();
    }
}
