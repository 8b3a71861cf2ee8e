package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a target CNN is merged into a base CNN of the same task, from their architectures alone:
 * <ul>
 *   <li>{@link Whole}: the same layer structure ({@link CnnTransplant#checkStructure}), channel counts
 *       free: every tensor is merged after aligning the channels with generalized permutations
 *       ({@link CnnChannelMatching}: zero padding where the target is narrower, dropping where it is
 *       wider);</li>
 *   <li>{@link Layers}: another structure (another depth, other residual shortcuts, plain against
 *       residual): a {@link CnnLayerMap} of the base's mappable units (top-level convs and residual
 *       blocks) to the target's, by relative depth ({@link #byPosition}); the base's other tensors
 *       stay;</li>
 *   <li>{@link Unaligned}: nothing can be mapped (other input or classes, or no unit pair passes
 *       {@link CnnLayerMap#check}); the reason says why.</li>
 * </ul>
 * {@link #curve} gives the merge along λ for an aligner ({@code naive}: channel {@code p} to channel
 * {@code p}; {@code weight}: weight matching; {@code zip}: {@link CnnZip}, whole networks only) with a correction of the merged network on training
 * images; λ = 0 is the base itself in every case.
 */
public sealed interface CnnPairing {
    /** The pairing of a base of architecture {@code base} and a target of {@code target} (see the class comment). */
    static CnnPairing of(CnnArchitecture base, CnnArchitecture target) {
        if (!Arrays.equals(base.inputShape(), target.inputShape())) {
            return new Unaligned("the base takes " + Arrays.toString(base.inputShape()) + " images, the target " + Arrays.toString(target.inputShape()));
        }
        if (base.outputSize() != target.outputSize()) {
            return new Unaligned("the base has " + base.outputSize() + " outputs, the target " + target.outputSize());
        }
        try {
            CnnTransplant.checkStructure(base, target);
            return new Whole();
        } catch (IllegalArgumentException structure) {
            Layers map = byPosition(base, target);
            if (map.pairs().isEmpty()) {
                return new Unaligned("not one structure (" + structure.getMessage() + ") and no unit pair can be mapped: " + String.join("; ", map.skipped()));
            }
            return map;
        }
    }

    /** One line for tables. */
    String describe();

    /** Same layer structure: every tensor merged after channel matching. */
    record Whole() implements CnnPairing {
        @Override public String describe() { return "whole network"; }
    }

    /**
     * A layer map ({@code pairs}, base module ← target module) and the unit pairs left out of it with
     * the reason each ({@code skipped}).
     */
    record Layers(List<CnnLayerMap.Pair> pairs, List<String> skipped) implements CnnPairing {
        public Layers {
            pairs = List.copyOf(pairs);
            skipped = List.copyOf(skipped);
        }

        @Override public String describe() { return "layer map " + pairs.toString().replace(" ", ""); }
    }

    /** No merge: {@code reason} says why. */
    record Unaligned(String reason) implements CnnPairing {
        @Override public String describe() { return "not aligned: " + reason; }
    }

    /** The module indices of an architecture's mappable units (top-level convs and residual blocks), in order. */
    static List<Integer> units(CnnArchitecture arch) {
        List<Integer> units = new ArrayList<>();
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer l = arch.layers().get(i);
            if (l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.ResidualBlock) units.add(i);
        }
        return units;
    }

    /**
     * The layer map by relative depth: base unit {@code u} of {@code n_a} receives target unit
     * {@code round(u·(n_b − 1)/(n_a − 1))} of {@code n_b} (the first receives the first, the last the
     * last; the MLP layer maps' "by position" for units). Pairs that {@link CnnLayerMap#check} refuses
     * (a conv against a residual block, other kernels or shortcuts) are left out and listed with the
     * reason.
     */
    static Layers byPosition(CnnArchitecture base, CnnArchitecture target) {
        List<Integer> ua = units(base);
        List<Integer> ub = units(target);
        List<CnnLayerMap.Pair> pairs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int u = 0; u < ua.size() && !ub.isEmpty(); u++) {
            int v = ua.size() == 1 ? 0 : (int) Math.round((double) u * (ub.size() - 1) / (ua.size() - 1));
            CnnLayerMap.Pair p = new CnnLayerMap.Pair(ua.get(u), ub.get(v));
            String why = refusal(base, target, p);
            if (why == null) pairs.add(p);
            else skipped.add(why);
        }
        return new Layers(pairs, skipped);
    }

    /**
     * Every layer map that pairs {@code min(n_a, n_b)} units one to one in depth order (strictly
     * increasing on both sides), with the pairs {@link CnnLayerMap#check} refuses left out; distinct,
     * non-empty, at most {@code limit} of them (an error when there are more: the choice would be cut
     * arbitrarily). For choosing a map on validation rows.
     */
    static List<Layers> orderedMaps(CnnArchitecture base, CnnArchitecture target, int limit) {
        List<Integer> ua = units(base);
        List<Integer> ub = units(target);
        int k = Math.min(ua.size(), ub.size());
        Set<List<CnnLayerMap.Pair>> seen = new LinkedHashSet<>();
        List<Layers> out = new ArrayList<>();
        List<int[]> as = increasing(ua.size(), k);
        List<int[]> bs = increasing(ub.size(), k);
        if ((long) as.size() * bs.size() > 100_000) throw new IllegalArgumentException("too many layer maps to enumerate (" + as.size() * (long) bs.size() + ")");
        for (int[] ia : as) {
            for (int[] ib : bs) {
                List<CnnLayerMap.Pair> pairs = new ArrayList<>();
                List<String> skipped = new ArrayList<>();
                for (int t = 0; t < k; t++) {
                    CnnLayerMap.Pair p = new CnnLayerMap.Pair(ua.get(ia[t]), ub.get(ib[t]));
                    String why = refusal(base, target, p);
                    if (why == null) pairs.add(p);
                    else skipped.add(why);
                }
                if (!pairs.isEmpty() && seen.add(pairs)) out.add(new Layers(pairs, skipped));
            }
        }
        if (out.size() > limit) throw new IllegalArgumentException(out.size() + " layer maps between " + base.describe() + " and " + target.describe() + ", more than " + limit);
        return out;
    }

    /** The strictly increasing {@code k}-tuples of {@code 0..n-1}, in lexicographic order. */
    private static List<int[]> increasing(int n, int k) {
        List<int[]> out = new ArrayList<>();
        int[] c = new int[k];
        for (int i = 0; i < k; i++) c[i] = i;
        while (k <= n) {
            out.add(c.clone());
            int i = k - 1;
            while (i >= 0 && c[i] == n - k + i) i--;
            if (i < 0) break;
            c[i]++;
            for (int j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
        }
        return out;
    }

    private static String refusal(CnnArchitecture base, CnnArchitecture target, CnnLayerMap.Pair p) {
        try {
            CnnLayerMap.check(base, target, List.of(p));
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The merge of {@code target} into {@code base} along λ under {@code pairing}, aligned by
     * {@code aligner} ({@code naive}, {@code weight} or {@code zip}, default settings; zip reads
     * {@code images} and merges {@link Whole} pairs only) and corrected by
     * {@code correction} on {@code images} (training rows; only read by a correction) in batches of
     * {@code batchSize}. {@link Whole} merges are {@link CnnRepair#curve}'s; a {@link Layers} merge
     * takes {@code none} or {@code bn-reset} (REPAIR's per-channel targets need both parents' channels
     * at every REPAIR point, which a partial map does not give: an error). λ = 0 is the base itself.
     * Nothing is modified; the alignment is computed once, here.
     */
    static DoubleFunction<CnnModel> curve(CnnModel base, CnnModel target, CnnPairing pairing, String aligner, CnnRepair.Correction correction,
                                          INDArray images, int batchSize) {
        if (!aligner.equals(CnnAligner.Naive.NAME) && !aligner.equals(CnnAligner.Weight.NAME) && !aligner.equals(CnnAligner.Zip.NAME)) {
            throw new IllegalArgumentException("pairs are aligned by naive, weight or zip, not " + aligner);
        }
        boolean naive = aligner.equals(CnnAligner.Naive.NAME);
        if (pairing instanceof Whole) {
            CnnAlignment a = aligner.equals(CnnAligner.Zip.NAME) ? CnnAligner.of(CnnAligner.Zip.NAME).align(base, target, images)
                    : naive ? CnnChannelMatching.naive(base, target) : CnnChannelMatching.align(base, target, CnnChannelMatching.Settings.DEFAULT);
            return CnnRepair.curve(base, target, a, correction, images, batchSize);
        }
        if (pairing instanceof Layers layers) {
            if (aligner.equals(CnnAligner.Zip.NAME)) {
                throw new IllegalArgumentException("zip merges whole networks of one layer structure; a layer map (" + layers.describe() + ") takes naive or weight");
            }
            CnnLayerMap.Mapped m = naive ? CnnLayerMap.naive(base, target, layers.pairs())
                    : CnnLayerMap.align(base, target, layers.pairs(), CnnChannelMatching.Settings.DEFAULT);
            return switch (correction) {
                case NONE -> lambda -> CnnLayerMap.merge(base, m, lambda);
                case BN_RESET -> {
                    if (!CnnRepair.hasBatchNorm(base.architecture())) {
                        throw new IllegalArgumentException("bn-reset: the base has no batch norms (" + base.architecture().describe() + ")");
                    }
                    yield lambda -> lambda == 0 ? base : BatchNormStatistics.reset(CnnLayerMap.merge(base, m, lambda), images, batchSize);
                }
                case REPAIR -> throw new IllegalArgumentException("repair: a layer-map merge (" + layers.describe() + ") takes none or bn-reset");
            };
        }
        throw new IllegalArgumentException("this pair cannot be merged: " + ((Unaligned) pairing).reason());
    }
}
