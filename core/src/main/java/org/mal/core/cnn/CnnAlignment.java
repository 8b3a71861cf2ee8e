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
 * <p>A zip alignment ({@link CnnZip}) is no permutation: {@code targetForBase} is empty and
 * {@code zipGroups.get(g)[p]} lists the target channels averaged into base channel {@code p}
 * (sorted; empty where the base channel receives none); {@link CnnTransplant#aligned} then applies
 * the merge and unmerge matrices instead of gathering.
 *
 * @param method {@code naive}, {@code weight}, {@code activation:<rows>} or {@code zip:<rows>}
 * @param objectiveBefore the weight-matching objective of the naive alignment (see {@link CnnChannelMatching})
 * @param objectiveAfter the weight-matching objective of this alignment (for zip: of the zipped target's tensors)
 * @param zipGroups per group, per base channel, the target channels zipped into it; empty for permutation aligners
 */
public record CnnAlignment(String method, Map<String, int[]> targetForBase, double objectiveBefore, double objectiveAfter, int sweeps,
                           double seconds, Map<String, int[][]> zipGroups) {
    public CnnAlignment {
        Map<String, int[]> copy = new LinkedHashMap<>();
        targetForBase.forEach((g, m) -> copy.put(g, m.clone()));
        targetForBase = Collections.unmodifiableMap(copy);
        Map<String, int[][]> zips = new LinkedHashMap<>();
        zipGroups.forEach((g, z) -> {
            int[][] c = new int[z.length][];
            for (int p = 0; p < z.length; p++) c[p] = z[p].clone();
            zips.put(g, c);
        });
        zipGroups = Collections.unmodifiableMap(zips);
        if (!targetForBase.isEmpty() && !zipGroups.isEmpty()) throw new IllegalArgumentException("an alignment has matches or zip groups, not both");
    }

    /** A permutation alignment (no zip groups). */
    public CnnAlignment(String method, Map<String, int[]> targetForBase, double objectiveBefore, double objectiveAfter, int sweeps, double seconds) {
        this(method, targetForBase, objectiveBefore, objectiveAfter, sweeps, seconds, Map.of());
    }

    /** Whether this is a zip alignment (see the class comment). */
    public boolean zipped() { return !zipGroups.isEmpty(); }

    /** Group {@code g}'s zip (a copy): per base channel, the target channels averaged into it. */
    public int[][] zip(String g) {
        int[][] z = zipGroups.get(g);
        if (z == null) throw new IllegalArgumentException("alignment " + method + " has no zip of group " + g + "; it has " + zipGroups.keySet());
        int[][] c = new int[z.length][];
        for (int p = 0; p < z.length; p++) c[p] = z[p].clone();
        return c;
    }

    /** Group {@code g}'s match (a copy), or an error naming the groups there are. */
    public int[] match(String g) {
        if (zipped()) {
            throw new IllegalArgumentException("alignment " + method + " zips several target channels into one base channel; it has no one-to-one match of " + g);
        }
        int[] m = targetForBase.get(g);
        if (m == null) throw new IllegalArgumentException("alignment " + method + " has no group " + g + "; it has " + targetForBase.keySet());
        return m.clone();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CnnAlignment[" + method + ", objective " + objectiveBefore + " -> " + objectiveAfter + ", " + sweeps
                + " sweeps");
        targetForBase.forEach((g, m) -> sb.append(", ").append(g).append(Arrays.toString(m)));
        zipGroups.forEach((g, z) -> sb.append(", ").append(g).append(Arrays.deepToString(z)));
        return sb.append(']').toString();
    }
}
