package org.mal.policies;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.mal.core.align.LayerMap;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnMoveMerge;
import org.mal.core.config.Settings;
import org.mal.core.method.Methods;
import org.mal.core.model.ModelCard;

/**
 * Enumerates the raw candidate moves a policy's laws then filter, order and parameterise. For each
 * zoo model other than the base (in id order), with {@code dA} base layers and {@code dB} target
 * layers and {@code d = min(dA, dB)}, the layer maps are, in this order and without duplicates:
 *
 * <ol>
 *   <li>{@code identity}: {@code i <- i} for every {@code i < d} (layers of the same index);
 *   <li>{@code depth-matched}: every base layer {@code i <- round(i (dB-1)/(dA-1))}, the target layer
 *       at the nearest relative depth (only when it maps each base layer to a distinct target layer);
 *   <li>{@code prefixes}: {@code i <- i} for {@code i < k}, for {@code k = 1 .. d-1} (the shallow layers);
 *   <li>{@code suffixes}: the last {@code k} layers aligned from the output end,
 *       {@code dA-1-t <- dB-1-t} for {@code t < k}, {@code k = 1 .. d-1};
 *   <li>{@code single-layer}: {@code i <- j} for every pair, base layer outer, target layer inner.
 * </ol>
 *
 * <p>At most {@code max-per-target} maps per target are kept (the first ones in the order above), so
 * the candidate count is bounded by {@code zoo size × max-per-target}; without the cap it is at most
 * {@code 2 + 2(d-1) + dA·dB} per target.
 *
 * <p>With {@code soup-size = K ≥ 2}, soups too (issue 17): for each zoo model T other than the base,
 * in id order, the move whose targets are T and the next K − 1 zoo models after T (in id order,
 * wrapping round, the base left out) of T's depth and task (widths may differ: each target is aligned
 * to the base with padding as for one target), with the identity map over {@code d} layers; each set
 * of targets once. At most one soup per target, so at most the zoo's size.
 *
 * @param move the aligner, merger and λ policy every candidate starts with (laws may change them)
 */
public record Candidates(boolean identity, boolean depthMatched, boolean prefixes, boolean suffixes, boolean singleLayer,
                         int maxPerTarget, MoveDefaults move, boolean depthCka, int soupSize) {

    /** The aligner setting that makes the worker choose the layer map by CKA ({@code depth = cka}). */
    public static final String DEPTH = "depth";

    /** The method parts of a fresh move. */
    public record MoveDefaults(String aligner, SortedMap<String, Object> alignerSettings, String merger,
                               SortedMap<String, Object> mergerSettings, String lambdaPolicy,
                               SortedMap<String, Object> lambdaSettings) {

        static final String DEFAULTS = "mal.policies.move";

        /** Reads the block and checks its methods and their settings now, naming the key of any that is wrong. */
        public static MoveDefaults from(Settings s) {
            Settings user = s;
            s = s.withReference(DEFAULTS).only("aligner", "aligner-settings", "merger", "merger-settings", "lambda-policy", "lambda-settings");
            // another λ policy named here takes only the settings written here, not the default policy's (fixed's value = 0.5)
            String defaultPolicy = Settings.empty("move").withReference(DEFAULTS).getString("lambda-policy");
            SortedMap<String, Object> lambdaSettings = user.hasPath("lambda-policy") && !user.getString("lambda-policy").equals(defaultPolicy)
                    ? (user.hasPath("lambda-settings") ? user.getMap("lambda-settings") : new java.util.TreeMap<>()) : s.getMap("lambda-settings");
            MoveDefaults d = new MoveDefaults(s.getString("aligner"), s.getMap("aligner-settings"), s.getString("merger"),
                    s.getMap("merger-settings"), s.getString("lambda-policy"), lambdaSettings);
            Methods.aligner(d.aligner(), d.alignerSettings(), s.path("aligner"), s.path("aligner-settings"));
            if (Methods.merger(d.merger(), d.mergerSettings(), s.path("merger"), s.path("merger-settings")).takesLambda()) {
                Methods.lambdaRule(d.lambdaPolicy(), d.lambdaSettings(), s.path("lambda-policy"), s.path("lambda-settings"));
            }
            return d;
        }

        public Move of(String base, String target, LayerMap map) {
            return new Move(base, target, map.toString(), aligner, alignerSettings, merger, mergerSettings, lambdaPolicy, lambdaSettings);
        }
    }

    static final String DEFAULTS = "mal.policies.candidates";

    public Candidates {
        if (maxPerTarget < 1) throw new IllegalArgumentException("max-per-target must be at least 1, got " + maxPerTarget);
        if (soupSize < 0) throw new IllegalArgumentException("soup-size must be 0 (no soups) or at least 2, got " + soupSize);
    }

    public Candidates(boolean identity, boolean depthMatched, boolean prefixes, boolean suffixes, boolean singleLayer, int maxPerTarget,
                      MoveDefaults move, boolean depthCka) {
        this(identity, depthMatched, prefixes, suffixes, singleLayer, maxPerTarget, move, depthCka, 0);
    }

    public static Candidates from(Settings s) {
        s = s.withReference(DEFAULTS).only("identity", "depth-matched", "prefixes", "suffixes", "single-layer", "max-per-target", "move",
                "depth-cka", "soup-size");
        int max = s.getInt("max-per-target");
        if (max < 1) throw s.invalid("max-per-target", "must be at least 1, got " + max);
        int soup = s.getInt("soup-size");
        if (soup < 0 || soup == 1) throw s.invalid("soup-size", "must be 0 (no soups) or at least 2, got " + soup);
        return new Candidates(s.getBoolean("identity"), s.getBoolean("depth-matched"), s.getBoolean("prefixes"),
                s.getBoolean("suffixes"), s.getBoolean("single-layer"), max, MoveDefaults.from(s.sub("move")), s.getBoolean("depth-cka"), soup);
    }

    public static Candidates defaults() { return from(Settings.empty("policy.candidates")); }

    public List<Move> generate(PolicyContext ctx) {
        List<Move> out = new ArrayList<>();
        for (ModelCard target : ctx.zoo().cards()) {
            if (target.id().equals(ctx.base().id())) continue;
            out.addAll(generateFor(ctx, target));
        }
        if (soupSize >= 2) out.addAll(soups(ctx));
        return out;
    }

    /**
     * The moves of one target (not soups), in the order {@link #generate} lists them: they depend
     * only on the base's id and depth and on the target's card.
     */
    public List<Move> generateFor(PolicyContext ctx, ModelCard target) {
        if (ctx.base().convolutional() || target.convolutional()) return cnnMoves(ctx, target);
        List<Move> out = new ArrayList<>();
        int dA = ctx.base().architecture().depth();
        int dB = target.architecture().depth();
        for (LayerMap map : maps(dA, dB)) out.add(move.of(ctx.base().id(), target.id(), map));
        if (depthCka && dA != dB) {
            // the map is chosen by the worker from the CKA of the two models' activations; the nominal map names the move
            Move m = move.of(ctx.base().id(), target.id(), LayerMap.common(dA, dB));
            Map<String, Object> settings = new LinkedHashMap<>(m.alignerSettings());
            settings.put(DEPTH, "cka");
            out.add(m.withAligner(m.aligner(), settings));
        }
        return out;
    }

    /**
     * The moves of a CNN target for a CNN base (none between a CNN and an MLP): the layer maps of
     * {@link #maps} over the two CNNs' search layers ({@link CnnMoveMerge#layers}: plain convs,
     * residual blocks, the head), in that order, keeping only the maps {@link CnnMoveMerge} can merge
     * (the whole network between two CNNs of one layer structure, whatever their channel counts; any
     * other map pairs plain convs only), at most {@code max-per-target} of them. So with
     * {@code identity} a same-structure target is merged whole first, and {@code single-layer} puts a
     * target's conv into a base conv at another depth or of another width. {@code depth-cka} and
     * soups are not built for CNNs and propose nothing here.
     */
    private List<Move> cnnMoves(PolicyContext ctx, ModelCard target) {
        if (!ctx.base().convolutional() || !target.convolutional()) return List.of();
        CnnArchitecture a = ctx.base().cnn();
        CnnArchitecture b = target.cnn();
        List<Move> out = new ArrayList<>();
        for (LayerMap map : allMaps(CnnMoveMerge.layers(a).size(), CnnMoveMerge.layers(b).size())) {
            if (out.size() >= maxPerTarget) break;
            if (CnnMoveMerge.mergeable(a, b, map)) out.add(move.of(ctx.base().id(), target.id(), map));
        }
        return out;
    }

    private List<Move> soups(PolicyContext ctx) {
        if (ctx.base().convolutional()) return List.of();
        List<ModelCard> others = ctx.zoo().cards().stream().filter(c -> !c.id().equals(ctx.base().id()) && !c.convolutional()).toList();
        java.util.Set<List<String>> seen = new java.util.HashSet<>();
        List<Move> out = new ArrayList<>();
        for (int k = 0; k < others.size(); k++) {
            ModelCard first = others.get(k);
            List<String> rest = new ArrayList<>();
            for (int step = 1; step < others.size() && rest.size() < soupSize - 1; step++) {
                ModelCard c = others.get((k + step) % others.size());
                if (c.architecture().depth() == first.architecture().depth() && java.util.Objects.equals(task(c), task(first))) rest.add(c.id());
            }
            if (rest.size() < soupSize - 1) continue;
            List<String> set = new ArrayList<>(rest);
            set.add(first.id());
            set.sort(null);
            if (!seen.add(set)) continue;
            int d = Math.min(ctx.base().architecture().depth(), first.architecture().depth());
            out.add(move.of(ctx.base().id(), set.get(0), range(0, d, 0)).withSoup(set.subList(1, set.size())));
        }
        return out;
    }

    private static String task(ModelCard c) { return c.dataset() == null ? null : c.dataset().task(); }

    /** The layer maps for a base of depth {@code dA} and a target of depth {@code dB}, in proposal order. */
    public List<LayerMap> maps(int dA, int dB) { return allMaps(dA, dB).stream().limit(maxPerTarget).toList(); }

    /** {@link #maps} without the cap. */
    private List<LayerMap> allMaps(int dA, int dB) {
        Map<String, LayerMap> maps = new LinkedHashMap<>();
        int d = Math.min(dA, dB);
        if (identity) add(maps, range(0, d, 0));
        if (depthMatched) {
            List<LayerMap.Pair> pairs = new ArrayList<>();
            java.util.Set<Integer> used = new java.util.HashSet<>();
            for (int i = 0; i < dA; i++) {
                int j = dA == 1 ? 0 : (int) Math.round((double) i * (dB - 1) / (dA - 1));
                if (used.add(j)) pairs.add(new LayerMap.Pair(i, j));
            }
            if (pairs.size() == dA) add(maps, new LayerMap(pairs));
        }
        if (prefixes) for (int k = 1; k < d; k++) add(maps, range(0, k, 0));
        if (suffixes) for (int k = 1; k < d; k++) add(maps, range(dA - k, dA, dB - dA));
        if (singleLayer) for (int i = 0; i < dA; i++) for (int j = 0; j < dB; j++) add(maps, new LayerMap(List.of(new LayerMap.Pair(i, j))));
        return List.copyOf(maps.values());
    }

    /** {@code i <- i + shift} for {@code from <= i < to}. */
    private static LayerMap range(int from, int to, int shift) {
        List<LayerMap.Pair> pairs = new ArrayList<>();
        for (int i = from; i < to; i++) pairs.add(new LayerMap.Pair(i, i + shift));
        return new LayerMap(pairs);
    }

    private static void add(Map<String, LayerMap> maps, LayerMap map) {
        maps.putIfAbsent(Move.canonicalLayerMap(map.toString()), map);
    }
}
