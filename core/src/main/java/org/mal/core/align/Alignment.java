package org.mal.core.align;

import java.util.List;
import java.util.Optional;

/**
 * The result of aligning a target to a base for a layer map: one generalized permutation per pair
 * of unit groups that a mapped layer touches, the objective before (no permutation: padding or
 * cropping only) and after, the sweeps used and the time taken. A value; serialises to JSON with
 * {@code ModelIO.JSON}.
 *
 * <p>Unit groups: group {@code -1} is the network input; group {@code k} holds the output units of
 * layer {@code k}. Mapped pair {@code i <- j} relates base group {@code i - 1} to target group
 * {@code j - 1} (the layer's inputs) and base group {@code i} to target group {@code j} (outputs).
 *
 * @param method {@code naive} or {@code weight} (weight matching)
 */
public record Alignment(String method, String layerMap, List<UnitMatch> matches, double objectiveBefore,
                        double objectiveAfter, int sweeps, double seconds) {

    public Alignment {
        matches = List.copyOf(matches);
    }

    /** The match of base group {@code baseGroup} with target group {@code targetGroup}, if the map needs one. */
    public Optional<UnitMatch> match(int baseGroup, int targetGroup) {
        return matches.stream().filter(m -> m.baseGroup() == baseGroup && m.targetGroup() == targetGroup).findFirst();
    }

    public LayerMap map() { return LayerMap.parse(layerMap); }

    /** The same alignment with another time taken (for comparing runs). */
    public Alignment withSeconds(double s) {
        return new Alignment(method, layerMap, matches, objectiveBefore, objectiveAfter, sweeps, s);
    }
}
