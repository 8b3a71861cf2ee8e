package org.mal.policies;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SortedMap;
import org.mal.core.model.ModelCard;
import org.mal.policies.laws.Experience;
import org.mal.policies.laws.ExperienceLearner;

/**
 * Planning that carries its work from step to step (issue 22): the same moves as
 * {@link Policy#propose} followed by the planner's filter (drop excluded moves, keep the first
 * {@code count}), without enumerating and scoring every candidate again at every step.
 *
 * <p>What is kept, and what makes it stale:
 * <ul>
 *   <li>per zoo model, its candidate moves as the laws other than the learning law admit, rewrite
 *       and score them (compact arrays: layer map, method, score, the learning law's feature
 *       pattern). These laws promise ({@link Law#planningKey}) to read nothing of the history and of
 *       the base only its architecture, dataset task and their planning key, so a block is rebuilt
 *       only when its card changes (zoo change), and all of them when the base differs in those;
 *       a new assembly of the same architecture and task keeps them all;</li>
 *   <li>the learning law's {@code ridge} model as sufficient statistics ({@link ExperienceLearner}),
 *       updated one evaluation at a time ({@link #observe}) and re-solved on a small system at each
 *       plan; a candidate's value is then two array reads and an add.</li>
 * </ul>
 * A plan scores every kept candidate (a few nanoseconds each) and keeps the best {@code count} in a
 * bounded heap; ties are broken by the canonical encoding, as {@link Policy#propose} does, computed
 * only for the moves that tie.
 *
 * <p>Supported: laws that all give a planning key, plus at most one learning law ({@code
 * experience}, model {@code ridge}, no seed), last; no soups; {@code max-proposals = 0}.
 * {@link #of} is empty otherwise, and {@link #plan} throws {@link UnsupportedOperationException}
 * when a law gives no planning key for the base: the caller then plans from scratch.
 * {@code IncrementalPlannerTest} checks the moves against a full replan on random histories with
 * base and zoo changes. Not thread-safe.
 */
public final class IncrementalPlanner {
    private final Policy policy;
    /** Laws before the learning law (all of them when there is none). */
    private final int staticLaws;
    private final ExperienceLearner learner;
    private final double learningWeight;

    private Object tableKey;
    private ZooIndex tableZoo;
    private final Map<String, Block> blocks = new HashMap<>();
    private final Interned<String> layerMaps = new Interned<>();
    private final Interned<Method> methods = new Interned<>();
    private final Interned<List<String>> patterns = new Interned<>();

    /** What a candidate is besides its base, target and layer map. */
    private record Method(String aligner, SortedMap<String, Object> alignerSettings, String merger, SortedMap<String, Object> mergerSettings,
                          String lambdaPolicy, SortedMap<String, Object> lambdaSettings) {
        static Method of(Move m) {
            return new Method(m.aligner(), m.alignerSettings(), m.merger(), m.mergerSettings(), m.lambdaPolicy(), m.lambdaSettings());
        }
    }

    /** One target's admitted candidates, in generation order, without duplicates. */
    private static final class Block {
        final String id;
        final ModelCard card;
        final int n;
        final int[] layerMap;
        final int[] method;
        final double[] score;
        final int[] pattern;
        final String wide;
        /** The id is {@link #plain}: see {@link #canonicalOrder}. */
        final boolean plain;

        Block(String id, ModelCard card, int n, int[] layerMap, int[] method, double[] score, int[] pattern, String wide) {
            this.plain = plain(id);
            this.id = id;
            this.card = card;
            this.n = n;
            this.layerMap = layerMap;
            this.method = method;
            this.score = score;
            this.pattern = pattern;
            this.wide = wide;
        }
    }

    private static final class Interned<T> {
        final List<T> values = new ArrayList<>();
        final Map<T, Integer> ids = new HashMap<>();

        int id(T v) {
            Integer i = ids.get(v);
            if (i != null) return i;
            values.add(v);
            ids.put(v, values.size() - 1);
            return values.size() - 1;
        }

        int find(T v) { return ids.getOrDefault(v, -1); }
    }

    private IncrementalPlanner(Policy policy, int staticLaws, ExperienceLearner learner, double learningWeight) {
        this.policy = policy;
        this.staticLaws = staticLaws;
        this.learner = learner;
        this.learningWeight = learningWeight;
    }

    /** An incremental planner for {@code policy}, or empty when its configuration is not supported (see the class comment). */
    public static Optional<IncrementalPlanner> of(Policy policy) {
        if (policy.candidates().soupSize() >= 2 || policy.maxProposals() != 0) return Optional.empty();
        List<Policy.WeightedLaw> laws = policy.laws();
        int learning = -1;
        for (int k = 0; k < laws.size(); k++) if (laws.get(k).law() instanceof Experience) learning = k;
        if (learning < 0) return Optional.of(new IncrementalPlanner(policy, laws.size(), null, 0));
        if (learning != laws.size() - 1) return Optional.empty();
        for (int k = 0; k < learning; k++) if (laws.get(k).law() instanceof Experience) return Optional.empty();
        int at = learning;
        Optional<ExperienceLearner> l = ((Experience) laws.get(at).law()).learner();
        return l.map(x -> new IncrementalPlanner(policy, at, x, laws.get(at).weight()));
    }

    /** Whether every law but the learning law gives a planning key for {@code base} (else {@link #plan} throws). */
    public boolean supports(ModelCard base) {
        for (int k = 0; k < staticLaws; k++) if (policy.laws().get(k).law().planningKey(base).isEmpty()) return false;
        return true;
    }

    /** Takes in one evaluation, in history order; {@code zoo} as it is when the evaluation is taken in. */
    public void observe(Evaluated e, ZooIndex zoo) {
        if (learner != null) learner.observe(e, zoo);
    }

    /** Takes in evaluations, in history order. */
    public void observeAll(Collection<Evaluated> es, ZooIndex zoo) {
        for (Evaluated e : es) observe(e, zoo);
    }

    /** Evaluations taken in so far (0 for a policy without a learning law). */
    public long observed() { return learner == null ? 0 : learner.observed(); }

    /**
     * The first {@code count} moves of {@link Policy#propose} for {@code base} over {@code zoo}, with
     * the history observed so far, leaving out {@code exclude}.
     *
     * @throws UnsupportedOperationException when a law gives no planning key for {@code base}
     */
    public List<Move> plan(ModelCard base, ZooIndex zoo, java.util.Set<Move> exclude, int count) {
        refresh(base, zoo);
        if (count <= 0) return List.of();
        Map<Block, BitSet> excluded = new IdentityHashMap<>();
        List<Move> skip = new ArrayList<>(exclude);
        if (learner != null) skip.addAll(learner.skipped(base.id(), zoo));
        for (Move m : skip) {
            if (!m.base().equals(base.id()) || !m.soup().isEmpty()) continue;
            final Block b = blocks.get(m.target());
            if (b == null) continue;
            int lm = layerMaps.find(m.layerMap());
            int me = methods.find(Method.of(m));
            for (int i = 0; i < b.n; i++) {
                if (b.layerMap[i] == lm && b.method[i] == me) excluded.computeIfAbsent(b, x -> new BitSet(x.n)).set(i);
            }
        }

        // the learning law's value: per feature pattern and per target, then a sum per candidate
        ExperienceLearner.Pattern[] pv = null;
        if (learner != null) {
            learner.prepare(base, zoo);
            pv = new ExperienceLearner.Pattern[patterns.values.size()];
            for (int p = 0; p < pv.length; p++) pv[p] = learner.pattern(patterns.values.get(p));
        }

        PriorityQueue<Ranked> worstFirst = new PriorityQueue<>(count + 1, RANKING.reversed());
        for (ModelCard card : zoo.cards()) {
            if (card.id().equals(base.id())) continue;
            Block b = blocks.get(card.id());
            BitSet ex = excluded.get(b);
            ExperienceLearner.Wide wv = learner == null ? null : learner.wide(b.wide);
            for (int i = 0; i < b.n; i++) {
                if (ex != null && ex.get(i)) continue;
                double s = b.score[i];
                if (learner != null) s += learningWeight * learner.value(pv[b.pattern[i]], wv, b.wide != null);
                if (worstFirst.size() == count) {
                    Ranked worst = worstFirst.peek();
                    int c = Double.compare(s, worst.score);
                    if (c < 0) continue;
                    if (c == 0 && canonicalOrder(b, i, null, worst) >= 0) continue;
                    worstFirst.poll();
                    worstFirst.add(new Ranked(s, b, i, this, base.id()));
                } else {
                    worstFirst.add(new Ranked(s, b, i, this, base.id()));
                }
            }
        }
        List<Ranked> best = new ArrayList<>(worstFirst);
        best.sort(RANKING);
        List<Move> out = new ArrayList<>(best.size());
        for (Ranked r : best) out.add(r.move());
        return out;
    }

    /** Best first: higher score, then smaller canonical encoding (as {@link Policy#propose}). */
    private static final Comparator<Ranked> RANKING = (a, b) -> {
        int c = Double.compare(b.score, a.score);
        return c != 0 ? c : canonicalOrder(a.block, a.i, a, b);
    };

    /**
     * The order of the canonical encodings of candidate {@code i} of {@code block} (also {@code a},
     * when there is one) and {@code b}. Ties of score are common (cross-dataset targets of one
     * shape score alike), so the encodings are not written when they need not be: two moves of
     * one base and one method encode alike up to {@code "layerMap":"…"} and differ after it only in
     * the layer map and in {@code "target":"…"}, the last key; so, when the ids and maps hold only
     * characters JSON writes as they are and that sort after its quote, the encodings compare as
     * the layer maps, then the target ids.
     */
    private static int canonicalOrder(Block block, int i, Ranked a, Ranked b) {
        if (block.method[i] == b.block.method[b.i] && block.plain && b.block.plain) {
            IncrementalPlanner p = b.planner;
            int c = p.layerMaps.values.get(block.layerMap[i]).compareTo(p.layerMaps.values.get(b.block.layerMap[b.i]));
            return c != 0 ? c : block.id.compareTo(b.block.id);
        }
        if (a == null) a = new Ranked(0, block, i, b.planner, b.base);
        return a.canonical().compareTo(b.canonical());
    }

    /** Characters JSON writes unescaped that sort after the closing quote ({@code "}, 0x22). */
    private static boolean plain(String s) {
        for (int k = 0; k < s.length(); k++) {
            char ch = s.charAt(k);
            if (ch <= '"' || ch == '\\' || ch > '~') return false;
        }
        return true;
    }

    private static final class Ranked {
        final double score;
        final Block block;
        final int i;
        final IncrementalPlanner planner;
        final String base;
        private Move move;
        private String canonical;

        Ranked(double score, Block block, int i, IncrementalPlanner planner, String base) {
            this.score = score;
            this.block = block;
            this.i = i;
            this.planner = planner;
            this.base = base;
        }

        Move move() {
            if (move == null) {
                Method m = planner.methods.values.get(block.method[i]);
                move = new Move(base, block.id, planner.layerMaps.values.get(block.layerMap[i]), m.aligner(), m.alignerSettings(), m.merger(),
                        m.mergerSettings(), m.lambdaPolicy(), m.lambdaSettings());
            }
            return move;
        }

        String canonical() {
            if (canonical == null) canonical = move().canonical();
            return canonical;
        }
    }

    /** Brings the candidate blocks up to date with the base's kind and the zoo: only what changed is built again. */
    private void refresh(ModelCard base, ZooIndex zoo) {
        List<Object> key = new ArrayList<>();
        key.add(base.architecture());
        key.add(base.cnn());
        key.add(base.dataset() == null ? null : base.dataset().task());
        for (int k = 0; k < staticLaws; k++) {
            Law law = policy.laws().get(k).law();
            Optional<Object> pk = law.planningKey(base);
            if (pk.isEmpty()) throw new UnsupportedOperationException("law " + law.name() + " gives no planning key: plan from scratch");
            key.add(pk.get());
        }
        if (!key.equals(tableKey)) {
            blocks.clear();
            tableKey = key;
            tableZoo = null;
        }
        if (zoo == tableZoo) return;
        PolicyContext ctx = new PolicyContext(base, zoo);
        java.util.Set<String> present = new java.util.HashSet<>();
        for (ModelCard card : zoo.cards()) {
            present.add(card.id());
            Block b = blocks.get(card.id());
            if (b != null && (b.card == card || b.card.equals(card))) continue;
            blocks.put(card.id(), build(ctx, card));
        }
        blocks.keySet().retainAll(present);
        tableZoo = zoo;
    }

    /** A target's candidates as the static laws leave them (the base's id only names the moves while they are built). */
    private Block build(PolicyContext ctx, ModelCard target) {
        List<Move> raw = policy.candidates().generateFor(ctx, target);
        int n = 0;
        int[] lm = new int[raw.size()];
        int[] me = new int[raw.size()];
        double[] score = new double[raw.size()];
        int[] pattern = new int[raw.size()];
        String wide = null;
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Move r : raw) {
            Move m = policy.admitted(r, ctx, staticLaws);
            if (m == null) continue;
            int l = layerMaps.id(m.layerMap());
            int d = methods.id(Method.of(m));
            if (!seen.add(((long) l << 32) | d)) continue;   // the same move twice: the first counts, as in propose
            MoveFeatures f = ctx.features(m);
            double s = 0;
            for (int k = 0; k < staticLaws; k++) s += policy.weighted(k, m, f, ctx);
            if (learner != null) {
                ExperienceLearner.Keys keys = learner.keys(m, f, target);
                pattern[n] = patterns.id(keys.narrow());
                wide = keys.wide();
            }
            lm[n] = l;
            me[n] = d;
            score[n] = s;
            n++;
        }
        return new Block(target.id(), target, n, java.util.Arrays.copyOf(lm, n), java.util.Arrays.copyOf(me, n),
                java.util.Arrays.copyOf(score, n), java.util.Arrays.copyOf(pattern, n), wide);
    }

    /** Candidates kept (for reports and benchmarks). */
    public int candidates() {
        int n = 0;
        for (Block b : blocks.values()) n += b.n;
        return n;
    }

    /** The learning law's fitted weights (empty without one). */
    public Optional<Experience.Learned> learned() { return Optional.ofNullable(learner).map(ExperienceLearner::learned); }
}
