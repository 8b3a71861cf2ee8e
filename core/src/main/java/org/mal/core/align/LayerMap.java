package org.mal.core.align;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mal.core.model.Architecture;

/**
 * Which target layers go into which base layers: pairs {@code base layer i <- target layer j}, a
 * subset of the base's layers (selective merging), {@code j} may differ from {@code i}, and the two
 * models may differ in depth. Layers are counted from 0 (the first {@code Linear} is layer 0).
 */
public record LayerMap(List<Pair> pairs) {

    /** {@code base layer base <- target layer target}. */
    public record Pair(int base, int target) {
        @Override
        public String toString() { return base + ":" + target; }
    }

    public LayerMap {
        if (pairs.isEmpty()) throw new IllegalArgumentException("a layer map needs at least one pair base:target");
        Set<Integer> bases = new HashSet<>();
        for (Pair p : pairs) {
            if (p.base() < 0 || p.target() < 0) throw new IllegalArgumentException("layer indices count from 0, got " + p);
            if (!bases.add(p.base())) throw new IllegalArgumentException("base layer " + p.base() + " is mapped twice");
        }
        pairs = List.copyOf(pairs);
    }

    /** Every layer to the same layer; the models must have the same depth. */
    public static LayerMap identity(int depth) {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < depth; i++) pairs.add(new Pair(i, i));
        return new LayerMap(pairs);
    }

    /**
     * The default map of two models: hidden layer {@code i} to hidden layer {@code i} for every index
     * both have, and the output layer to the output layer. Equals {@link #identity} for equal depths.
     */
    public static LayerMap common(int baseDepth, int targetDepth) {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < Math.min(baseDepth, targetDepth) - 1; i++) pairs.add(new Pair(i, i));
        pairs.add(new Pair(baseDepth - 1, targetDepth - 1));
        return new LayerMap(pairs);
    }

    /** Parses {@code "0:0,1:2"} (base:target pairs). */
    public static LayerMap parse(String text) {
        List<Pair> pairs = new ArrayList<>();
        // -1: keep trailing empty entries, so that "0:0," is refused rather than read as "0:0"
        for (String part : text.split(",", -1)) {
            String[] bt = part.trim().split(":", -1);
            if (bt.length != 2) throw new IllegalArgumentException("layer map entry '" + part.trim() + "' is not base:target, e.g. 0:0,1:2");
            try {
                pairs.add(new Pair(Integer.parseInt(bt[0].trim()), Integer.parseInt(bt[1].trim())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("layer map entry '" + part.trim() + "' is not base:target with integer layers");
            }
        }
        return new LayerMap(pairs);
    }

    /** Checks the indices against the two architectures. */
    public void check(Architecture base, Architecture target) {
        for (Pair p : pairs) {
            if (p.base() >= base.depth()) {
                throw new IllegalArgumentException("base layer " + p.base() + " does not exist: the base " + base.describe()
                        + " has layers 0.." + (base.depth() - 1));
            }
            if (p.target() >= target.depth()) {
                throw new IllegalArgumentException("target layer " + p.target() + " does not exist: the target " + target.describe()
                        + " has layers 0.." + (target.depth() - 1));
            }
        }
    }

    @Override
    public String toString() {
        return String.join(",", pairs.stream().map(Pair::toString).toList());
    }
}
