package org.mal.policies;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.mal.core.align.LayerMap;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnLayer;
import org.mal.core.cnn.CnnMoveMerge;
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

    /** What a mapped layer is: an MLP's dense layer, or a CNN's plain conv, residual block or linear layer. */
    public enum LayerKind { DENSE, CONV, RESIDUAL, LINEAR }

    /**
     * @param baseDepth relative depth {@code i / (depthA - 1)} of the base layer (0 for a one-layer model)
     * @param targetDepth relative depth {@code j / (depthB - 1)} of the target layer
     * @param widthRatio target layer's output width over the base layer's (for a CNN: the channel ratio)
     * @param baseKind what the base layer is ({@code DENSE} for MLPs)
     * @param targetKind what the target layer is
     * @param baseSpatial the side of the base layer's output maps (its spatial size; 1 for a linear or dense layer)
     * @param targetSpatial the same of the target layer's
     */
    public record LayerFeature(int base, int target, ShapeRelation shape, double baseDepth, double targetDepth,
                               double widthRatio, LayerKind baseKind, LayerKind targetKind, int baseSpatial, int targetSpatial) {
        /** A dense layer of an MLP. */
        public LayerFeature(int base, int target, ShapeRelation shape, double baseDepth, double targetDepth, double widthRatio) {
            this(base, target, shape, baseDepth, targetDepth, widthRatio, LayerKind.DENSE, LayerKind.DENSE, 1, 1);
        }

        /** Target maps' side over the base's: 1 when both layers see maps of one size. */
        public double spatialRatio() { return (double) targetSpatial / baseSpatial; }

        /** {@code |baseDepth - targetDepth|}. */
        public double depthGap() { return Math.abs(baseDepth - targetDepth); }

        /** How much deeper the target layer sits than the base layer it goes into (negative: shallower). */
        public double deepToShallow() { return targetDepth - baseDepth; }
    }

    public MoveFeatures {
        layers = List.copyOf(layers);
    }

    public static MoveFeatures of(ModelCard base, ModelCard target, LayerMap map) {
        if (base.convolutional() || target.convolutional()) return ofCnn(base, target, map);
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

    /**
     * A CNN move's features: layers are the search layers ({@link CnnMoveMerge#layers}: plain convs,
     * residual blocks, linear layers); widths are channel counts (a linear layer's features), shapes
     * compare {@code [out, in]} channels as for dense layers, and each pair also says what the two
     * layers are and the spatial size of their output maps.
     */
    static MoveFeatures ofCnn(ModelCard base, ModelCard target, LayerMap map) {
        if (!base.convolutional() || !target.convolutional()) {
            throw new IllegalArgumentException("a move joins two CNNs or two MLPs: base " + base.id() + " and target " + target.id() + " are of different kinds");
        }
        CnnArchitecture a = base.cnn();
        CnnArchitecture b = target.cnn();
        List<Integer> la = CnnMoveMerge.layers(a);
        List<Integer> lb = CnnMoveMerge.layers(b);
        List<LayerFeature> out = new ArrayList<>();
        List<LayerMap.Pair> pairs = new ArrayList<>(map.pairs());
        pairs.sort((p, q) -> Integer.compare(p.base(), q.base()));
        for (LayerMap.Pair p : pairs) {
            if (p.base() < 0 || p.base() >= la.size() || p.target() < 0 || p.target() >= lb.size()) {
                throw new IllegalArgumentException("layer map " + map + ": the base has search layers 0.." + (la.size() - 1) + ", the target 0.." + (lb.size() - 1));
            }
            int[] ca = channels(a, la.get(p.base()));
            int[] cb = channels(b, lb.get(p.target()));
            int dOut = Integer.compare(cb[0], ca[0]);
            int dIn = Integer.compare(cb[1], ca[1]);
            ShapeRelation r = dOut == 0 && dIn == 0 ? ShapeRelation.EQUAL : dOut >= 0 && dIn >= 0 ? ShapeRelation.WIDER
                    : dOut <= 0 && dIn <= 0 ? ShapeRelation.NARROWER : ShapeRelation.INCOMPATIBLE;
            out.add(new LayerFeature(p.base(), p.target(), r, relativeDepth(p.base(), la.size()), relativeDepth(p.target(), lb.size()),
                    (double) cb[0] / ca[0], kind(a, la.get(p.base())), kind(b, lb.get(p.target())), spatial(a, la.get(p.base())),
                    spatial(b, lb.get(p.target()))));
        }
        return new MoveFeatures(sameDataset(base, target), la.size(), lb.size(), out);
    }

    /** {@code [out, in]} channels (features for a linear layer) of module {@code i}. */
    private static int[] channels(CnnArchitecture arch, int i) {
        CnnLayer l = arch.layers().get(i);
        if (l instanceof CnnLayer.Conv2d c) return new int[] {c.outChannels(), c.inChannels()};
        if (l instanceof CnnLayer.ResidualBlock r) return new int[] {r.outChannels(), r.inChannels()};
        CnnLayer.Linear lin = (CnnLayer.Linear) l;
        return new int[] {lin.outFeatures(), lin.inFeatures()};
    }

    private static LayerKind kind(CnnArchitecture arch, int i) {
        CnnLayer l = arch.layers().get(i);
        return l instanceof CnnLayer.Conv2d ? LayerKind.CONV : l instanceof CnnLayer.ResidualBlock ? LayerKind.RESIDUAL : LayerKind.LINEAR;
    }

    private static int spatial(CnnArchitecture arch, int i) {
        long[] shape = arch.shapeAfter(i);
        return shape.length == 3 ? (int) shape[1] : 1;
    }

    /** Whether the move joins CNNs (its layers are convs, residual blocks or linear layers). */
    public boolean convolutional() { return layers.stream().anyMatch(l -> l.baseKind() != LayerKind.DENSE); }

    /** Geometric mean of the pairs' spatial ratios (target maps' side over the base's). */
    public double spatialRatio() {
        return Math.exp(layers.stream().mapToDouble(l -> Math.log(l.spatialRatio())).average().orElse(0));
    }

    /** The share of mapped pairs whose base or target layer is a residual block. */
    public double residualShare() {
        if (layers.isEmpty()) return 0;
        return (double) layers.stream().filter(l -> l.baseKind() == LayerKind.RESIDUAL || l.targetKind() == LayerKind.RESIDUAL).count() / layers.size();
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
