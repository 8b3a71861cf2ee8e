package org.mal.policies;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mal.core.config.Plugins;
import org.mal.core.config.Settings;

/**
 * A configured composition of laws and an objective. {@link #propose} turns a base and a zoo index
 * into a ranked list of candidate moves: the {@link Candidates} generator enumerates moves, then
 * each law in order filters ({@link Law#admits}) and rewrites ({@link Law#parameterise}) them, and
 * finally the moves are ranked by the weighted sum of the laws' {@link Law#score scores}, highest
 * first, ties broken by {@link Move#canonical()} so the order is deterministic.
 *
 * <p>HOCON (see {@code conf/laws.conf}):
 * <pre>
 * policy {
 *   candidates { ... }                      # see Candidates
 *   laws = [ { name = strong-base, weight = 1.0, weak-below = 0.5 }, ... ]
 *   objective { name = retention, min-lambda = 0.0 }
 *   max-proposals = 0                       # 0: all
 * }
 * </pre>
 * In a law entry, {@code name} and {@code weight} belong to the policy; every other key is the law's.
 */
public final class Policy {

    /** A law with the weight of its score in the ranking. */
    public record WeightedLaw(Law law, double weight) {}

    /** A proposed move, its features, its total score and each law's (weighted) contribution. */
    public record Proposal(Move move, MoveFeatures features, double score, Map<String, Double> scores) {}

    private final Candidates candidates;
    private final List<WeightedLaw> laws;
    private final Objective objective;
    private final int maxProposals;

    public Policy(Candidates candidates, List<WeightedLaw> laws, Objective objective, int maxProposals) {
        this.candidates = Objects.requireNonNull(candidates);
        this.laws = List.copyOf(laws);
        this.objective = Objects.requireNonNull(objective, "a policy needs an objective");
        if (maxProposals < 0) throw new IllegalArgumentException("max-proposals must be >= 0, got " + maxProposals);
        this.maxProposals = maxProposals;
    }

    /** Reads the {@code policy} block of {@code root}, finding plug-ins with the thread's context class loader. */
    public static Policy load(Config root) {
        return from(Settings.of(root.getConfig("policy"), "policy"), loader());
    }

    public static Policy from(Settings s, ClassLoader loader) {
        s = s.withReference("mal.policies.policy")
                .only("candidates", "laws", "objective", "max-proposals");
        Plugins<Law, LawFactory> lawPlugins = new Plugins<>("law", Law.class, LawFactory.class, loader);
        List<WeightedLaw> laws = new ArrayList<>();
        List<? extends ConfigObject> entries;
        try {
            entries = s.config().getObjectList("laws");
        } catch (ConfigException.WrongType e) {
            throw s.invalid("laws", "expected a list of objects { name = ..., ... }");
        }
        for (int k = 0; k < entries.size(); k++) {
            Settings entry = Settings.of(entries.get(k).toConfig(), s.path("laws") + "[" + k + "]");
            double weight = entry.hasPath("weight") ? entry.getDouble("weight") : 1.0;
            String name = entry.getString("name");
            Config own = entry.config().withoutPath("name").withoutPath("weight");
            laws.add(new WeightedLaw(lawPlugins.create(name, entry.config().origin(), entry.path("name"), own, entry.path()), weight));
        }
        Settings obj = s.sub("objective");
        Objective objective = new Plugins<>("objective", Objective.class, ObjectiveFactory.class, loader).create(obj.getString("name"), obj.config().origin(), obj.path("name"),
                obj.config().withoutPath("name"), obj.path());
        int max = s.getInt("max-proposals");
        if (max < 0) throw s.invalid("max-proposals", "must be >= 0 (0: all), got " + max);
        return new Policy(Candidates.from(s.sub("candidates")), laws, objective, max);
    }

    /** The laws of a policy block that names none: those of {@code conf/laws.conf}, from the reference configuration. */
    public static ConfigValue defaultLaws() {
        return ConfigFactory.defaultReference(Policy.class.getClassLoader()).getValue("mal.policies.policy.laws");
    }

    /** One line: the laws in order (with their weight when it is not 1) and the objective. */
    public String describe() {
        List<String> names = new ArrayList<>();
        for (WeightedLaw wl : laws) names.add(wl.law().name() + (wl.weight() == 1.0 ? "" : " x" + wl.weight()));
        return "laws " + (names.isEmpty() ? "none (candidates in canonical order)" : String.join(", ", names))
                + "; objective " + objective.name() + (maxProposals == 0 ? "" : "; at most " + maxProposals + " proposals");
    }

    static ClassLoader loader() {
        ClassLoader l = Thread.currentThread().getContextClassLoader();
        return l != null ? l : Policy.class.getClassLoader();
    }

    /** A policy from HOCON text holding a {@code policy} block. */
    public static Policy parse(String hocon) { return load(ConfigFactory.parseString(hocon).resolve()); }

    public List<WeightedLaw> laws() { return laws; }

    private Move admittedBy(int k, Move m, PolicyContext ctx) {
        Law law = laws.get(k).law();
        MoveFeatures f = ctx.features(m);
        if (!law.admits(m, f, ctx)) return null;
        Move p = law.parameterise(m, f, ctx);
        if (!p.base().equals(m.base()) || !p.target().equals(m.target())) {
            throw new IllegalStateException("law " + law.name() + " changed the base or target of " + m);
        }
        return p;
    }

    public Objective objective() { return objective; }

    public Candidates candidates() { return candidates; }

    /** The max-proposals setting (0: all). */
    public int maxProposals() { return maxProposals; }

    /**
     * {@code m} as laws {@code 0 .. upTo-1} admit and rewrite it, in order; null when one drops it.
     * The same steps as {@link #propose}, for one move.
     */
    Move admitted(Move m, PolicyContext ctx, int upTo) {
        for (int k = 0; k < upTo && m != null; k++) m = admittedBy(k, m, ctx);
        return m;
    }

    /** The weighted score of law {@code k} for a move, checked to be finite. */
    double weighted(int k, Move m, MoveFeatures f, PolicyContext ctx) {
        WeightedLaw wl = laws.get(k);
        double raw = wl.law().score(m, f, ctx);
        if (!Double.isFinite(raw)) {
            throw new IllegalStateException("law " + wl.law().name() + " scored " + raw + " for move " + m.canonical()
                    + "; scores must be finite");
        }
        return wl.weight() * raw;
    }

    /** Ranked proposals for the base in {@code ctx}; see the class comment. */
    public List<Proposal> propose(PolicyContext ctx) {
        List<Move> moves = new ArrayList<>(candidates.generate(ctx));
        for (int k = 0; k < laws.size(); k++) {
            List<Move> next = new ArrayList<>();
            for (Move m : moves) {
                Move p = admittedBy(k, m, ctx);
                if (p != null) next.add(p);
            }
            moves = next;
        }
        Map<String, Proposal> unique = new LinkedHashMap<>();
        for (Move m : moves) {
            MoveFeatures f = ctx.features(m);
            Map<String, Double> scores = new LinkedHashMap<>();
            double total = 0;
            for (WeightedLaw wl : laws) {
                double raw = wl.law().score(m, f, ctx);
                if (!Double.isFinite(raw)) {
                    throw new IllegalStateException("law " + wl.law().name() + " scored " + raw + " for move " + m.canonical()
                            + "; scores must be finite");
                }
                double v = wl.weight() * raw;
                scores.merge(wl.law().name(), v, Double::sum);
                total += v;
            }
            unique.putIfAbsent(m.canonical(), new Proposal(m, f, total, Map.copyOf(scores)));
        }
        List<Proposal> ranked = new ArrayList<>(unique.values());
        ranked.sort(Comparator.comparingDouble(Proposal::score).reversed().thenComparing(p -> p.move().canonical()));
        return maxProposals == 0 ? List.copyOf(ranked) : List.copyOf(ranked.subList(0, Math.min(maxProposals, ranked.size())));
    }
}
