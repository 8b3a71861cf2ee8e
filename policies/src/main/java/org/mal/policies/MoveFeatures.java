package org.mal.policies;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.mal.core.align.LayerMap;
import org.mal.core.model.Architecture;
import org.mal.core.model.Layer;
import org.mal.core.model.ModelCard;

/**
 * What laws (and, later, a learning law) look at in a move, derived from the two model cards and the
 * layer map alone, so no weights are read.
 *
 * @param sameDataset both cards name the same {@code dataset.task}
 * @param layers one entry per mapped pair, in base-layer order
 */
public record MoveFeatures(boolean sameDataset, int baseDepth, int targetDepth, List<LayerFeature> layers) {

    /**
     * The target layer's weight shape {@code [out, in]} against the base layer's, in the partial
     * order of shapes: {@code WIDER} = no dimension smaller and one larger, {@code NARROWER} the
     * reverse, {@code INCOMPATIBLE} = one larger and one smaller.
     */
    public enum ShapeRelation { EQUAL, WIDER, NARROWER, INCOMPATIBLE }

    /**
     * @param baseDepth relative depth {@code i / (depthA - 1)} of the base layer (0 for a one-layer model)
     * @param targetDepth relative depth {@code j / (depthB - 1)} of the target layer
     * @param widthRatio target layer's output width over the base layer's
     */
    public record LayerFeature(int base, int target, ShapeRelation shape, double baseDepth, double targetDepth,
                               double widthRatio) {
        /** {@code |baseDepth - targetDepth|}. */
        public double depthGap() { return Math.abs(baseDepth - targetDepth); }

        /** How much deeper the target layer sits than the base layer it goes into (negative: shallower). */
        public double deepToShallow() { return targetDepth - baseDepth; }
    }

    public MoveFeatures {
        layers = List.copyOf(layers);
    }

    public static MoveFeatures of(ModelCard base, ModelCard target, LayerMap map) {
        Architecture a = base.architecture();
        Architecture b = target.architecture();
        map.check(a, b);
        List<LayerFeature> out = new ArrayList<>();
        List<LayerMap.Pair> pairs = new ArrayList<>(map.pairs());
        pairs.sort((p, q) -> Integer.compare(p.base(), q.base()));
        for (LayerMap.Pair p : pairs) {
            Layer la = a.layers().get(p.base());
            Layer lb = b.layers().get(p.target());
            out.add(new LayerFeature(p.base(), p.target(), relation(la, lb),
                    relativeDepth(p.base(), a.depth()), relativeDepth(p.target(), b.depth()),
                    (double) lb.outputSize() / la.outputSize()));
        }
        return new MoveFeatures(sameDataset(base, target), a.depth(), b.depth(), out);
    }

    public static boolean sameDataset(ModelCard a, ModelCard b) {
        return a.dataset() != null && b.dataset() != null && a.dataset().task() != null
                && a.dataset().task().equals(b.dataset().task());
    }

    static double relativeDepth(int layer, int depth) { return depth <= 1 ? 0.0 : (double) layer / (depth - 1); }

    static ShapeRelation relation(Layer base, Layer target) {
        int dOut = Integer.compare(target.outputSize(), base.outputSize());
        int dIn = Integer.compare(target.inputSize(), base.inputSize());
        if (dOut == 0 && dIn == 0) return ShapeRelation.EQUAL;
        if (dOut >= 0 && dIn >= 0) return ShapeRelation.WIDER;
        if (dOut <= 0 && dIn <= 0) return ShapeRelation.NARROWER;
        return ShapeRelation.INCOMPATIBLE;
    }

    public double maxDepthGap() { return layers.stream().mapToDouble(LayerFeature::depthGap).max().orElse(0); }

    public double meanDepthGap() { return layers.stream().mapToDouble(LayerFeature::depthGap).average().orElse(0); }

    /** The largest amount by which a target layer is deeper than the base layer it goes into (0 if none is). */
    public double maxDeepToShallow() { return Math.max(0, layers.stream().mapToDouble(LayerFeature::deepToShallow).max().orElse(0)); }

    /** Target layers strictly increase with base layers: the shallow-to-deep progression is kept. */
    public boolean preservesOrder() {
        for (int k = 1; k < layers.size(); k++) if (layers.get(k).target() <= layers.get(k - 1).target()) return false;
        return true;
    }

    /** Geometric mean of the per-layer width ratios. */
    public double widthRatio() {
        return Math.exp(layers.stream().mapToDouble(l -> Math.log(l.widthRatio())).average().orElse(0));
    }

    public Map<ShapeRelation, Integer> shapeCounts() {
        Map<ShapeRelation, Integer> m = new EnumMap<>(ShapeRelation.class);
        for (LayerFeature l : layers) m.merge(l.shape(), 1, Integer::sum);
        return m;
    }
}
