package org.mal.policies.laws;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.mal.core.config.Settings;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Law;
import org.mal.policies.LawFactory;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;

/**
 * The learning law: turns the evaluations already made ({@link PolicyContext#history()}) into a value
 * for each candidate move, so the planner proposes better moves as the search goes on. The reward
 * of an evaluation is its λ* ({@code reward = lambda-star}), the base task's accuracy at the chosen λ
 * ({@code base-accuracy}, for the gain objective) or its mean accuracy at λ*
 * ({@code mean-accuracy}), 0 for a failure. Three models ({@code model}):
 *
 * <ul>
 *   <li>{@code ridge} (the default): a linear model of the reward over one-hot move features
 *       ({@code features}; by default which target, which layer map, same or other dataset), fitted
 *       jointly by ridge regression ({@link Ridge}: penalty {@code prior-weight}, the intercept all
 *       but unpenalised). What one evaluation says about a target carries over to that target's
 *       other layer maps and vice versa, each estimated net of the others. {@code exploration}
 *       weighs the LinUCB bonus {@code sqrt(xᵀA⁻¹x)}; before any evaluation every move is worth
 *       {@code optimism} plus that bonus (the same for all).
 *   <li>{@code arm}: a UCB1 bandit whose arms are classes of moves ({@link #arm}: dataset pair,
 *       shape relations, maximal relative-depth gap rounded to quarters, deeper-to-shallower or not,
 *       one/some/all base layers). Score = mean reward of the arm + {@code exploration}·sqrt(ln N / n);
 *       an arm never tried scores {@code optimism} + {@code exploration}·sqrt(ln (N+1)), so it is
 *       tried before arms known to be poor.
 *   <li>{@code additive}: the mean reward plus, per feature of the move, the shrunk deviation of the
 *       evaluations sharing it (each feature on its own).
 * </ul>
 *
 * <p>With {@code seed = 0} the law is deterministic and ties fall to the policy's canonical order;
 * another seed adds a jitter below {@code 1e-9} (times the law's weight in the policy) drawn from
 * the seed and the move, which orders ties pseudo-randomly and reproducibly. Values below 0 and
 * above 1 are possible (a linear fit; optimism plus a bonus). With {@code skip-evaluated}, moves
 * already in the history are not proposed again.
 */
public final class Experience implements Law {
    private final Reward reward;
    private final boolean skipEvaluated;
    private final ValueModel model;
    private final List<String> ridgeFeatures;
    private final long seed;

    /** What an evaluation earns; a failure earns 0. */
    enum Reward {
        /** λ*: what the retention objective scores. */
        LAMBDA_STAR,
        /** The mean accuracy at λ* over the evaluated tasks: with the multitask objective. */
        MEAN_ACCURACY,
        /** The base task's accuracy at the chosen λ: with the gain objective (from one base, the same order as the gain). */
        BASE_ACCURACY;

        static Reward of(String name) {
            return switch (name) {
                case "lambda-star" -> LAMBDA_STAR;
                case "mean-accuracy" -> MEAN_ACCURACY;
                case "base-accuracy" -> BASE_ACCURACY;
                default -> throw new IllegalArgumentException("unknown reward '" + name + "'; lambda-star, mean-accuracy or base-accuracy");
            };
        }

        double of(Evaluated e) {
            if (!e.succeeded()) return 0.0;
            if (this == LAMBDA_STAR) return e.report().lambdaStar();
            if (this == BASE_ACCURACY) return e.report().accuracyAtLambdaStar().values().stream().findFirst().orElse(0.0);
            return e.report().accuracyAtLambdaStar().values().stream().mapToDouble(Double::doubleValue).average().orElse(0.0);
        }
    }
    private final Memo memo = new Memo();

    /** The move features the {@code ridge} model may use, by configuration name. */
    public static final List<String> FEATURES = List.of("dataset-pair", "shapes", "depth-gap", "direction", "extent", "base-layers",
            "target-layers", "layer-map", "target", "target-architecture", "target-dataset", "channel-ratio", "spatial", "layer-kind");

    /** The {@code arm} model. */
    public Experience(String reward, double exploration, double optimism, boolean skipEvaluated) {
        this(reward, exploration, optimism, skipEvaluated, "arm", 2.0);
    }

    /**
     * @param model {@code arm}: one UCB arm per class of moves (above); {@code additive}: a move's
     *     value is the mean reward of all evaluations plus, for each of its features (dataset pair,
     *     shape relations, depth gap, direction, extent, which base layers, which target), how much
     *     evaluations sharing that feature did better or worse, each shrunk towards 0 by
     *     {@code priorWeight} pseudo-evaluations; so what is learned from one target or layer map
     *     carries over to moves never tried
     */
    public Experience(String reward, double exploration, double optimism, boolean skipEvaluated, String model, double priorWeight) {
        this(reward, exploration, optimism, skipEvaluated, model, priorWeight, List.of("target", "layer-map", "dataset-pair"), 0);
    }

    /**
     * @param model besides {@code arm} and {@code additive}: {@code ridge}, a linear model of the
     *     reward over one-hot {@code ridgeFeatures} (names from {@link #FEATURES}) fitted jointly by
     *     ridge regression (penalty {@code priorWeight}, the intercept all but unpenalised), so a
     *     move's value is the intercept plus what its target, its layer map, ... add, each estimated
     *     net of the others; {@code exploration} weighs the LinUCB bonus {@code sqrt(xᵀ A⁻¹ x)}
     * @param seed 0: ties between moves fall to the policy's canonical order; otherwise they are
     *     broken by a pseudo-random order drawn from this seed (deterministic for a given seed)
     */
    public Experience(String reward, double exploration, double optimism, boolean skipEvaluated, String model, double priorWeight,
                      List<String> ridgeFeatures, long seed) {
        for (String f : ridgeFeatures) {
            if (!FEATURES.contains(f)) throw new IllegalArgumentException("unknown move feature '" + f + "'; known: " + FEATURES);
        }
        this.ridgeFeatures = List.copyOf(ridgeFeatures);
        this.seed = seed;
        this.reward = Reward.of(reward);
        this.skipEvaluated = skipEvaluated;
        this.model = ValueModel.of(model, exploration, optimism, priorWeight, ridgeFeatures);
    }

    public static final String NAME = "experience";
    static final String DEFAULTS = "mal.policies.laws.experience";

    public static Experience from(Settings s) {
        s = s.withReference(DEFAULTS).only("reward", "exploration", "optimism", "skip-evaluated", "model", "prior-weight", "features",
                "seed");
        String r = s.getString("reward");
        if (!r.equals("lambda-star") && !r.equals("mean-accuracy") && !r.equals("base-accuracy")) {
            throw s.invalid("reward", "must be lambda-star, mean-accuracy or base-accuracy, got " + r);
        }
        double e = s.getDouble("exploration");
        if (!(e >= 0)) throw s.invalid("exploration", "must be >= 0, got " + e);
        String m = s.getString("model");
        if (!m.equals("arm") && !m.equals("additive") && !m.equals("ridge")) throw s.invalid("model", "must be arm, additive or ridge, got " + m);
        double k = s.getDouble("prior-weight");
        if (!(k > 0)) throw s.invalid("prior-weight", "must be > 0, got " + k);
        List<String> features = s.getStringList("features");
        for (String f : features) if (!FEATURES.contains(f)) throw s.invalid("features", "unknown move feature '" + f + "'; known: " + FEATURES);
        if (features.isEmpty()) throw s.invalid("features", "must name at least one move feature; known: " + FEATURES);
        return new Experience(r, e, s.getDouble("optimism"), s.getBoolean("skip-evaluated"), m, k, features, s.getInt("seed"));
    }

    @Override public String name() { return NAME; }

    /** The bandit arm of a move: the features that, by the laws, should predict its outcome. */
    public static String arm(MoveFeatures f) {
        StringBuilder shapes = new StringBuilder();
        for (MoveFeatures.ShapeRelation r : MoveFeatures.ShapeRelation.values()) {
            if (f.shapeCounts().containsKey(r)) shapes.append(shapes.isEmpty() ? "" : "+").append(r.name().toLowerCase());
        }
        String extent = f.layers().size() == f.baseDepth() ? "all" : f.layers().size() == 1 ? "one" : "some";
        String arm = (f.sameDataset() ? "same" : "cross") + "/" + shapes + "/gap" + Math.round(f.maxDepthGap() * 4) / 4.0
                + "/" + (f.maxDeepToShallow() > 1e-12 ? "deep-to-shallow" : "shallow-or-level") + "/" + extent;
        // a CNN move's class also says whether residual blocks are merged and whether maps of other sizes meet (MLP arms unchanged)
        if (f.convolutional()) arm += "/" + (f.residualShare() > 0 ? "residual" : "conv") + "/" + (Math.abs(f.spatialRatio() - 1) < 1e-9 ? "same-size" : "resized");
        return arm;
    }

    @Override
    public boolean admits(Move move, MoveFeatures features, PolicyContext ctx) {
        // evaluated before with the target as it is now (not with weights it has since been replaced by):
        // the search's coordinator excludes by the same rule
        return !skipEvaluated || !stats(ctx).evaluated().contains(move);
    }

    /** The features of the additive model, each as {@code dimension:value}. */
    static List<String> features(Move move, MoveFeatures f) {
        String[] parts = arm(f).split("/");
        StringBuilder layers = new StringBuilder();
        for (MoveFeatures.LayerFeature l : f.layers()) layers.append(layers.isEmpty() ? "" : ",").append(l.base());
        return List.of("ds:" + parts[0], "shape:" + parts[1], "gap:" + parts[2], "dir:" + parts[3], "ext:" + parts[4],
                "layers:" + layers, "target:" + move.target());
    }

    /** The ridge model's features of a move, each as {@code name:value}, in the order configured. */
    public List<String> ridgeFeatures(Move move, MoveFeatures f, PolicyContext ctx) { return ridgeFeatures(ridgeFeatures, move, f, ctx); }

    /** The features {@code names} of a move, each as {@code name:value}, in that order. */
    static List<String> ridgeFeatures(List<String> names, Move move, MoveFeatures f, PolicyContext ctx) {
        return ridgeFeatures(names, move.target(), move.layerMap(), f, ctx.target(move));
    }

    /** The same, from what they read: the target's id and card, the layer map and the move's features. */
    static List<String> ridgeFeatures(List<String> names, String target, String layerMap, MoveFeatures f, ModelCard targetCard) {
        String[] parts = arm(f).split("/");
        List<String> out = new ArrayList<>(names.size());
        for (String name : names) {
            String value = switch (name) {
                case "dataset-pair" -> parts[0];
                case "shapes" -> parts[1];
                case "depth-gap" -> parts[2].substring("gap".length());
                case "direction" -> parts[3];
                case "extent" -> parts[4];
                case "base-layers" -> join(f.layers(), true);
                case "target-layers" -> join(f.layers(), false);
                case "layer-map" -> layerMap;
                case "target" -> target;
                case "target-architecture" -> targetCard.convolutional() ? targetCard.cnn().layers().stream().filter(l -> l.hasParams())
                        .map(l -> l.describe()).collect(Collectors.joining(","))
                        : targetCard.architecture().layers().stream().map(l -> l.inputSize() + ">" + l.outputSize()).collect(Collectors.joining(","));
                case "channel-ratio" -> channelRatio(f);
                case "spatial" -> spatial(f);
                case "layer-kind" -> layerKinds(f);
                case "target-dataset" -> String.valueOf(targetCard.dataset() == null ? null : targetCard.dataset().task());
                default -> throw new IllegalStateException(name);
            };
            out.add(name + ":" + value);
        }
        return out;
    }

    /**
     * The width (channel) ratio of the move as a class: the geometric mean of the pairs' output-width
     * ratios on a log2 scale rounded to halves ({@code "x1"}, {@code "x2"}, {@code "x0.5"}, {@code "x1.41"}),
     * so moves from targets twice as wide share a value whatever the base's width.
     */
    static String channelRatio(MoveFeatures f) {
        double r = Math.pow(2, Math.round(2 * Math.log(f.widthRatio()) / Math.log(2)) / 2.0);
        return "x" + (Math.abs(r - Math.rint(r)) < 1e-9 ? String.valueOf((long) Math.rint(r)) : String.format(java.util.Locale.ROOT, "%.2f", r).replaceAll("0+$", ""));
    }

    /** The spatial sizes (output maps' side) of the pairs, base then target, e.g. {@code "28<-14,14<-14"}; {@code "1<-1"} per dense layer. */
    static String spatial(MoveFeatures f) {
        StringBuilder b = new StringBuilder();
        for (MoveFeatures.LayerFeature l : f.layers()) b.append(b.isEmpty() ? "" : ",").append(l.baseSpatial()).append("<-").append(l.targetSpatial());
        return b.toString();
    }

    /** The kinds of the mapped layers, base then target, e.g. {@code "conv<-conv"} or {@code "conv,residual,residual,linear"} (each pair's kinds when they differ). */
    static String layerKinds(MoveFeatures f) {
        StringBuilder b = new StringBuilder();
        for (MoveFeatures.LayerFeature l : f.layers()) {
            String k = l.baseKind().name().toLowerCase();
            if (l.targetKind() != l.baseKind()) k += "<-" + l.targetKind().name().toLowerCase();
            b.append(b.isEmpty() ? "" : ",").append(k);
        }
        return b.toString();
    }

    private static String join(List<MoveFeatures.LayerFeature> layers, boolean base) {
        StringBuilder b = new StringBuilder();
        for (MoveFeatures.LayerFeature l : layers) b.append(b.isEmpty() ? "" : ",").append(base ? l.base() : l.target());
        return b.toString();
    }

    @Override
    public double score(Move move, MoveFeatures features, PolicyContext ctx) {
        return value(move, features, ctx) + tieBreak(move);
    }

    /** Below any difference the models make (rewards are in [0, 1]); 0 without a seed. */
    public double tieBreak(Move move) {
        if (seed == 0) return 0.0;
        return 1e-9 * new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ move.canonical().hashCode()).nextDouble();
    }

    private double value(Move move, MoveFeatures features, PolicyContext ctx) {
        return stats(ctx).fit().value(model.keys(move, features, ctx));
    }

    /**
     * What the law has learned from {@code ctx}'s history, for people to read: for {@code ridge}, the
     * intercept (key {@code "(intercept)"}) and each feature value's fitted weight (what it adds to
     * the predicted reward); for {@code arm}, each arm's mean reward; for {@code additive}, each
     * feature's shrunk deviation from the mean. Empty before any evaluation. With the number of
     * evaluations behind each entry.
     */
    public record Learned(String model, Map<String, Double> values, Map<String, Integer> counts) {}

    public Learned learned(PolicyContext ctx) { return stats(ctx).fit().learned(); }

    /**
     * A fresh learning state for incremental planning: fed one evaluation at a time, it keeps
     * sufficient statistics instead of the history. Empty unless the model is {@code ridge} (the
     * default); a policy with this law in another model is planned from scratch at every step.
     */
    public java.util.Optional<ExperienceLearner> learner() {
        if (!(model instanceof ValueModel.RidgeModel r) || seed != 0 || new HashSet<>(r.features()).size() != r.features().size()) {
            return java.util.Optional.empty();   // (a seed's jitter reads every candidate's canonical encoding, which names the base)
        }
        return java.util.Optional.of(new ExperienceLearner(this, r.features(), r.exploration(), r.optimism(), r.priorWeight()));
    }

    boolean skipEvaluated() { return skipEvaluated; }

    double reward(Evaluated e) { return reward.of(e); }

    /** The model fitted on a history, and the moves of it evaluated with their targets as they are now. */
    private record Stats(ValueModel.Fit fit, Set<Move> evaluated) {}

    private static final class Memo {
        List<Evaluated> history;
        ModelCard base;
        ZooIndex zoo;
        Stats stats;
    }

    // A policy asks once per move with the same context, so the summary (and the ridge fit) is kept
    // for the last context seen, compared by identity of all three parts: the history list (a search
    // passes the same immutable list to several plans), the base and the zoo index (a zoo update
    // replans with the same history and a new index, which changes what the features read).
    private synchronized Stats stats(PolicyContext ctx) {
        if (memo.history == ctx.history() && memo.base == ctx.base() && memo.zoo == ctx.zoo()) return memo.stats;
        Set<Move> seen = new HashSet<>();
        List<List<String>> keys = new ArrayList<>();
        List<Double> rewards = new ArrayList<>();
        for (Evaluated e : ctx.history()) {
            if (e.current(ctx.zoo().get(e.move().target()).map(ModelCard::weightsHash).orElse(null))) seen.add(e.move());
            MoveFeatures f;
            try {
                f = ctx.featuresOf(e.move());
            } catch (RuntimeException gone) {
                continue; // the target left the zoo: its evaluation says nothing about moves still possible
            }
            keys.add(model.keys(e.move(), f, ctx));
            rewards.add(reward.of(e));
        }
        memo.history = ctx.history();
        memo.base = ctx.base();
        memo.zoo = ctx.zoo();
        memo.stats = new Stats(model.fit(keys, rewards), seen);
        return memo.stats;
    }

    public static final class Factory implements LawFactory {
        @Override public String name() { return NAME; }
        @Override public Law create(Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
