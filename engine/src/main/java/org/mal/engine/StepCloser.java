package org.mal.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.mal.core.Platform;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.policies.Evaluated;
import org.mal.policies.Move;
import org.mal.policies.Objective;
import org.mal.policies.ZooIndex;
import org.mal.store.MalStore;

/**
 * How a step closes, without actors: rank the step's results the objective accepts (score, then
 * canonical move), and build the assembly of the first that gives a new base. The choice depends
 * only on the set of results, never on the order workers finished in, so a resumed run makes the
 * same choices as an uninterrupted one.
 */
public final class StepCloser {
    private StepCloser() {}

    /**
     * What closing gave: an accepted {@code move} with its assembly's {@code card} and store
     * {@code blob}; or {@code failure}, the reason the step fails (its best move's assembly is not
     * the model its worker evaluated); or nothing (every accepted move was passed over).
     */
    public record Closed(Move move, double score, ModelCard card, String blob, String failure) {
        static final Closed NOTHING = new Closed(null, Double.NaN, null, null, null);
    }

    /** The accepted moves of the step, best first; empty when the objective accepts none. */
    public static List<Map.Entry<Move, Double>> ranked(SearchState s, Objective objective) {
        // the canonical order breaks ties between equal scores (a stable sort keeps it)
        List<Map.Entry<Move, Double>> ranked = new ArrayList<>();
        for (Move m : SearchState.inCanonicalOrder(s.results().keySet())) {
            Evaluated e = s.results().get(m).evaluated(m);
            if (objective.accepts(e)) ranked.add(Map.entry(m, objective.score(e)));
        }
        ranked.sort(Comparator.comparing((Map.Entry<Move, Double> x) -> -x.getValue()));
        return ranked;
    }

    /**
     * Builds the assembly of the first of {@code ranked} that gives a base the search has not had
     * (the origin or an earlier assembly: the search never goes round in a circle), kept as a store
     * blob ({@link Workbench#keep}). First lets go of the weights of the lineage's assemblies that
     * {@code kept} no longer keeps ({@link AssemblyRetention#prune}): the journal, written before
     * this is called, has closed their steps. Blocking work: call it off an actor's thread, one
     * close at a time.
     */
    public static Closed close(SearchState s, ZooIndex index, List<Map.Entry<Move, Double>> ranked, Workbench bench, MalStore store,
                               SearchSettings.Assemblies kept) {
        AssemblyRetention.prune(s, kept, store);
        Set<String> visited = new HashSet<>();
        visited.add(s.origin().weightsHash());
        for (SearchEvent.StepClosed c : s.lineage()) visited.add(c.assembly().weightsHash());
        for (Map.Entry<Move, Double> r : ranked) {
            Closed c = assemble(s, index, r.getKey(), r.getValue(), visited, bench);
            if (c != null) return c;
        }
        return Closed.NOTHING;
    }

    /**
     * The merge of an accepted move with its card; null to pass it over. When its weights are not
     * the ones the worker evaluated (the outcome's {@code mergedWeights}), the step fails: an
     * assembly is never accepted on another model's results.
     */
    private static Closed assemble(SearchState s, ZooIndex index, Move move, double score, Set<String> visited, Workbench bench) {
        Outcome o = s.results().get(move);
        Optional<List<ModelCard>> t = MoveRunner.targetCards(index, move);
        if (t.isEmpty()) return null;   // a target left the zoo after its evaluation: the next best move
        List<ModelCard> targets = t.get();
        String targetWeights = MoveRunner.targetWeightsOf(targets);
        String used = s.targetWeights().get(move);
        // a target was replaced after its evaluation: the result says nothing about the new weights
        // (the move is planned again next step, its evaluation being out of date)
        if (used != null && !used.equals(targetWeights)) return null;
        Model merged = null;
        org.mal.core.cnn.CnnModel mergedCnn = null;
        try {
            if (s.base().convolutional()) mergedCnn = MoveRunner.materialiseCnn(bench, move, s.base(), s.baseBlob(), targets, o.lambda());
            else merged = MoveRunner.materialise(bench, move, s.base(), s.baseBlob(), targets, o.lambda());
        } catch (MoveRunner.TargetChanged | Workbench.UnusableModel replacedOrDamagedSinceItsEvaluation) {
            return null;
        }
        String hash = merged != null ? merged.contentHash() : Model.hashParams(mergedCnn.params());
        if (o.mergedWeights() != null && !o.mergedWeights().equals(hash)) {
            return new Closed(move, score, null, null, "the assembly of move " + move.canonical() + " built here has weights " + hash
                    + ", but its evaluation measured weights " + o.mergedWeights() + " (a worker and the coordinator merged"
                    + " differently: other code, libraries or hardware?); the step accepts nothing");
        }
        if (visited.contains(hash)) return null;
        ModelCard base = s.base();
        ModelCard card = new ModelCard(s.origin().id() + "~" + hash.substring(0, 12), merged != null ? merged.architecture() : null, "assembly",
                base.dataset(), null, null, new Metrics(o.loss(), o.orderedAccuracy().values().iterator().next(),
                        bench.selection(MoveRunner.task(base)).size()),
                null,
                new ModelCard.Provenance(parents(base, targets), Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                hash,
                new ModelCard.MergeRecipe(base.weightsHash(), targetWeights, move.layerMap(), o.aligner(),
                        Map.of("move", move.canonical()), o.lambda()), null, null, null, mergedCnn != null ? mergedCnn.architecture() : null);
        return new Closed(move, score, card, merged != null ? bench.keep(merged, card) : bench.keepCnn(mergedCnn, card), null);
    }

    /** The weights hashes of the base and of every target. */
    private static List<String> parents(ModelCard base, List<ModelCard> targets) {
        List<String> out = new java.util.ArrayList<>(List.of(base.weightsHash()));
        for (ModelCard t : targets) out.add(t.weightsHash());
        return out;
    }
}
