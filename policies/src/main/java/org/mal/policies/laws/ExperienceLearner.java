package org.mal.policies.laws;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.mal.core.align.LayerMap;
import org.mal.core.model.Architecture;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.ZooIndex;

/**
 * The learning law's {@code ridge} model for incremental planning (issue 22): what
 * {@link Experience} computes from the whole history at every step, kept as sufficient statistics
 * and updated one evaluation at a time.
 *
 * <p>The history is summarised per target as groups {@code (layer map, base class) → (count, sum of
 * rewards)}, where the base class is the base's id when the zoo had it at the time (the origin) and
 * "the current base" otherwise (an assembly): exactly what the ridge fit reads of an evaluation, since
 * its features come from the target's card, the layer map and the base's architecture and dataset
 * (which a search's assemblies share with their origin). So the summary is bounded by the zoo's size
 * times its layer maps, not by the number of evaluations. The fit ({@link GroupedRidge}) is updated
 * for the targets that changed: new evaluations, or a new, replaced or removed card.
 *
 * <p>For {@code skip-evaluated}, the moves evaluated from the latest base are kept, with the target
 * weights they were evaluated with; asking about an earlier base (whose moves were let go) is an error.
 */
public final class ExperienceLearner {
    private final Experience law;
    private final List<String> features;
    private final boolean hasTarget;
    private final double exploration;
    private final double optimism;
    private final double penalty;

    /** Per target: (layer map, base class) → {count, reward sum}. */
    private final Map<String, Map<Group, double[]>> groups = new HashMap<>();
    /** What each target's groups put into the fit, and with which cards. */
    private final Map<String, Keyed> keyed = new HashMap<>();
    private final Set<String> dirty = new HashSet<>();
    private GroupedRidge ridge;
    private Signature signature;
    private GroupedRidge.Fit fit;

    private String latestBase;
    private final Map<Move, List<String>> evaluatedFromLatest = new HashMap<>();
    private final Set<String> earlierBases = new HashSet<>();
    private long observed;

    private record Group(String layerMap, String baseClass) {}

    /** The base's card as the features read it: architecture and dataset task. */
    private record Signature(Architecture architecture, org.mal.core.cnn.CnnArchitecture cnn, String task) {
        static Signature of(ModelCard c) { return new Signature(c.architecture(), c.cnn(), c.dataset() == null ? null : c.dataset().task()); }
    }

    /** One target's contribution as added to the fit, and the cards it was keyed with (null card: not in the zoo). */
    private record Keyed(ModelCard target, Map<String, ModelCard> bases, List<Row> rows) {}

    private record Row(String wide, int[] cols, double count, double sum) {}

    ExperienceLearner(Experience law, List<String> features, double exploration, double optimism, double penalty) {
        this.law = law;
        this.features = List.copyOf(new java.util.LinkedHashSet<>(features));
        this.hasTarget = this.features.contains("target");
        this.exploration = exploration;
        this.optimism = optimism;
        this.penalty = penalty;
        this.ridge = new GroupedRidge(penalty);
    }

    /** Evaluations observed so far. */
    public long observed() { return observed; }

    /**
     * Takes in one evaluation, in history order. {@code zoo} is the zoo when it is observed: it says
     * whether the move's base is a zoo model (the origin) or an assembly.
     */
    public void observe(Evaluated e, ZooIndex zoo) {
        Move m = e.move();
        String baseClass = zoo.get(m.base()).isPresent() ? m.base() : null;
        groups.computeIfAbsent(m.target(), t -> new HashMap<>())
                .computeIfAbsent(new Group(m.layerMap(), baseClass), g -> new double[2]);
        double[] g = groups.get(m.target()).get(new Group(m.layerMap(), baseClass));
        g[0] += 1;
        g[1] += law.reward(e);
        dirty.add(m.target());
        if (!m.base().equals(latestBase)) {
            if (earlierBases.contains(m.base())) {
                throw new IllegalStateException("an evaluation from " + m.base() + " after evaluations from " + latestBase
                        + ": incremental planning keeps the evaluated moves of the latest base only");
            }
            if (latestBase != null) earlierBases.add(latestBase);
            latestBase = m.base();
            evaluatedFromLatest.clear();
        }
        evaluatedFromLatest.computeIfAbsent(m, x -> new ArrayList<>(1)).add(e.targetWeights());
        observed++;
        fit = null;
    }

    /**
     * Brings the fit up to date for planning from {@code base} over {@code zoo}: re-keys the targets
     * with new evaluations or whose card (or their base's) changed, then factors the small system.
     */
    public void prepare(ModelCard base, ZooIndex zoo) {
        Signature sig = Signature.of(base);
        if (!sig.equals(signature)) {   // every feature may read the base: start the fit again from the summary
            signature = sig;
            ridge = new GroupedRidge(penalty);
            keyed.clear();
            dirty.addAll(groups.keySet());
        }
        for (Map.Entry<String, Map<Group, double[]>> t : groups.entrySet()) {
            String id = t.getKey();
            Keyed k = keyed.get(id);
            if (k != null && !dirty.contains(id) && same(k.target(), zoo.get(id).orElse(null)) && basesSame(k, zoo, base)) continue;
            if (k != null) for (Row r : k.rows()) ridge.add(r.wide(), r.cols(), -r.count(), -r.sum());
            keyed.put(id, key(id, t.getValue(), base, zoo));
            fit = null;
        }
        dirty.clear();
        if (fit == null && ridge.rows() > 0) fit = ridge.fit(exploration > 0);
    }

    private static boolean same(ModelCard a, ModelCard b) { return a == b || Objects.equals(a, b); }

    private boolean basesSame(Keyed k, ZooIndex zoo, ModelCard base) {
        for (Map.Entry<String, ModelCard> b : k.bases().entrySet()) {
            ModelCard now = b.getKey().isEmpty() ? base : zoo.get(b.getKey()).orElse(base);
            if (!Signature.of(now).equals(Signature.of(b.getValue()))) return false;
        }
        return true;
    }

    /** A target's groups as rows of the fit, keyed with the cards now (none while the target is not in the zoo). */
    private Keyed key(String id, Map<Group, double[]> gs, ModelCard base, ZooIndex zoo) {
        ModelCard target = zoo.get(id).orElse(null);
        Map<String, ModelCard> bases = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        if (target != null) {
            for (Map.Entry<Group, double[]> g : gs.entrySet()) {
                String bc = g.getKey().baseClass();
                ModelCard own = bc == null ? base : zoo.get(bc).orElse(base);
                bases.put(bc == null ? "" : bc, own);
                List<String> keys;
                try {
                    keys = Experience.ridgeFeatures(features, id, g.getKey().layerMap(),
                            MoveFeatures.of(own, target, LayerMap.parse(g.getKey().layerMap())), target);
                } catch (RuntimeException unfit) {
                    continue;   // as the full fit: an evaluation whose features cannot be read now says nothing
                }
                Keys k = split(keys);
                int[] cols = new int[k.narrow().size() + 1];
                for (int i = 0; i < k.narrow().size(); i++) cols[i + 1] = ridge.column(k.narrow().get(i));
                cols = java.util.Arrays.stream(cols).distinct().toArray();
                Row r = new Row(k.wide(), cols, g.getValue()[0], g.getValue()[1]);
                ridge.add(r.wide(), r.cols(), r.count(), r.sum());
                rows.add(r);
            }
        }
        return new Keyed(target, bases, rows);
    }

    /** A move's ridge features split into the wide one (the target's, when configured) and the others. */
    public record Keys(String wide, List<String> narrow) {}

    /** The features of a candidate move, as the fit reads them. */
    public Keys keys(Move move, MoveFeatures f, ModelCard targetCard) {
        return split(Experience.ridgeFeatures(features, move.target(), move.layerMap(), f, targetCard));
    }

    private Keys split(List<String> keys) {
        String wide = null;
        List<String> narrow = new ArrayList<>(keys.size());
        for (String k : keys) {
            if (hasTarget && wide == null && k.startsWith("target:")) wide = k;
            else narrow.add(k);
        }
        return new Keys(wide, List.copyOf(narrow));
    }

    /** What the fit says of a combination of narrow features: the sum of their weights with the intercept's, and for the bonus. */
    public record Pattern(double value, int unobserved, double[] whitened, double whitenedNorm2) {}

    /** What the fit says of a wide value (a target): its weight, and for the bonus. */
    public record Wide(double value, boolean observed, double[] h, double inverseD, double hNorm2) {}

    /** Call after {@link #prepare}. */
    public Pattern pattern(List<String> narrow) {
        if (fit == null) return new Pattern(0, narrow.size(), null, 0);
        double v = fit.narrowWeights[0];
        int unobserved = 0;
        List<Integer> cols = new ArrayList<>();
        cols.add(0);
        for (String k : narrow) {
            int c = ridge.columnOf(k);
            if (c < 0 || !ridge.observedColumn(c)) {
                unobserved++;
                continue;
            }
            if (cols.contains(c)) continue;
            cols.add(c);
            v += fit.narrowWeights[c];
        }
        if (exploration == 0) return new Pattern(v, unobserved, null, 0);
        double[] g = fit.whiten(cols.stream().mapToInt(Integer::intValue).toArray());
        return new Pattern(v, unobserved, g, dot(g, g));
    }


    /** Call after {@link #prepare}; {@code wide} may be null (no target feature). */
    public Wide wide(String wide) {
        if (wide == null || fit == null || !fit.observed(wide)) return new Wide(0, false, null, 0, 0);
        double v = fit.wideWeight(wide);
        if (exploration == 0) return new Wide(v, true, null, 0, 0);
        GroupedRidge.WideBonus b = fit.wideBonus(wide);
        return new Wide(v, true, b.h(), b.inverseD(), dot(b.h(), b.h()));
    }

    /** The law's value of a move (before its tie-break) from its pattern and wide value; as {@link Experience#score} computes it. */
    public double value(Pattern p, Wide w, boolean hasWide) {
        if (fit == null) return optimism + exploration * Math.sqrt(features.size() / penalty);
        double value = p.value() + w.value();
        if (exploration == 0) return value;
        double variance = p.unobserved() / penalty;
        if (w.observed()) variance += w.inverseD() + p.whitenedNorm2() - 2 * dot(p.whitened(), w.h()) + w.hNorm2();
        else variance += p.whitenedNorm2() + (hasWide ? 1 / penalty : 0);
        return value + exploration * Math.sqrt(Math.max(0, variance));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** Whether {@code skip-evaluated} drops {@code m}: it was evaluated from its base with its target as it is now. */
    public boolean skips(Move m, ZooIndex zoo) {
        if (!law.skipEvaluated()) return false;
        if (!m.base().equals(latestBase)) {
            if (earlierBases.contains(m.base())) {
                throw new IllegalStateException("incremental planning keeps the evaluated moves of the latest base only ("
                        + latestBase + "); " + m.base() + " is an earlier one");
            }
            return false;
        }
        List<String> ws = evaluatedFromLatest.get(m);
        if (ws == null) return false;
        String now = zoo.get(m.target()).map(ModelCard::weightsHash).orElse(null);
        for (String w : ws) if (w == null || now == null || w.equals(now)) return true;
        return false;
    }


    /** The moves {@link #skips} drops among those evaluated from {@code base}. */
    public List<Move> skipped(String base, ZooIndex zoo) {
        List<Move> out = new ArrayList<>();
        if (!law.skipEvaluated()) return out;
        if (!base.equals(latestBase)) {
            if (earlierBases.contains(base)) skips(new Move(base, "-", "0:0", "-", null, "-", null, "-", null), zoo);   // throws
            return out;
        }
        for (Move m : evaluatedFromLatest.keySet()) if (skips(m, zoo)) out.add(m);
        return out;
    }

    /** The fitted weights, for people to read (as {@link Experience#learned}). */
    public Experience.Learned learned() {
        if (fit == null) return new Experience.Learned("ridge", Map.of(), Map.of());
        Map<String, Double> values = new LinkedHashMap<>();
        ridge.weights(fit).forEach((k, v) -> values.put(k.isEmpty() ? "(intercept)" : k, v));
        Map<String, Integer> c = new LinkedHashMap<>(ridge.counts());
        c.put("(intercept)", (int) ridge.rows());
        return new Experience.Learned("ridge", values, c);
    }
}
