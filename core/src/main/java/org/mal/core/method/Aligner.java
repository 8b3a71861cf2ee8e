package org.mal.core.method;

import org.mal.core.align.LayerMap;

/**
 * Puts a target's units in correspondence with the base's (generalized permutations, zero padding
 * for width mismatch) and returns the target's tensors in the base's shapes. Implementations are
 * immutable values holding their typed settings; equal settings give equal results.
 */
public interface Aligner {
    /** The registered name ({@code weight}, {@code activation}, {@code zip}, {@code naive}) or a class name. */
    String name();

    /** The aligner's {@code depth = cka} setting, or null (none; an aligner that has no such setting). */
    default DepthChoice depth() { return null; }

    /**
     * The layer map the alignment runs with: {@code requested} unless the aligner chooses its own
     * (setting {@code depth = cka}, see {@link DepthChoice}).
     */
    default LayerMap layerMap(Pair pair, LayerMap requested, MethodData data) { return DepthChoice.layerMap(depth(), pair, requested, data); }

    /** Aligns the target's layers of {@code map} to the base's. */
    Aligned align(Pair pair, LayerMap map, MethodData data);

    /** A description for outcomes and cards: the method, with the map CKA chose when it chose one. */
    default String describe(Aligned aligned) { return DepthChoice.describe(depth(), aligned); }
}
