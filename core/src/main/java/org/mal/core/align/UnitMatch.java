package org.mal.core.align;

/**
 * One generalized permutation: which target unit each base unit of a group receives.
 * {@code targetForBase[p]} is the target unit placed at base unit {@code p}, or {@code -1} where
 * the base unit receives zero padding (the target group is narrower). Target units no base unit
 * receives are dropped. Groups are numbered as in {@link Alignment}: {@code -1} is the network
 * input, {@code k} the output units of layer {@code k}.
 *
 * @param baseGroup unit group of the base
 * @param targetGroup unit group of the target
 */
public record UnitMatch(int baseGroup, int targetGroup, int[] targetForBase) {
    public UnitMatch {
        targetForBase = targetForBase.clone();
    }

    @Override
    public int[] targetForBase() { return targetForBase.clone(); }

    /** A key naming the two groups, e.g. {@code "b1<-t2"}. */
    public String key() { return "b" + baseGroup + "<-t" + targetGroup; }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnitMatch m && m.baseGroup == baseGroup && m.targetGroup == targetGroup
                && java.util.Arrays.equals(m.targetForBase, targetForBase);
    }

    @Override
    public int hashCode() { return (baseGroup * 31 + targetGroup) * 31 + java.util.Arrays.hashCode(targetForBase); }

    @Override
    public String toString() { return key() + java.util.Arrays.toString(targetForBase); }
}
