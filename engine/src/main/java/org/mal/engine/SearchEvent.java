package org.mal.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mal.core.model.ModelCard;
import org.mal.policies.Move;

/**
 * What the coordinator journals, one JSON object per journal entry ({@code type} names the kind).
 * The coordinator writes an event before it acts on it; {@link SearchState#apply} folds them.
 * A store may hold several runs: each begins with {@link Started}, and a run's state is the fold of
 * the events from its {@code Started} on.
 *
 * <p>Moves are {@link Move} values here; in the journal each is its canonical JSON string
 * ({@link SearchJson} encodes them), as it always was, so journals of every version read alike.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = SearchEvent.Started.class, name = "started"),
        @JsonSubTypes.Type(value = SearchEvent.ZooChanged.class, name = "zoo-changed"),
        @JsonSubTypes.Type(value = SearchEvent.ModelUnusable.class, name = "model-unusable"),
        @JsonSubTypes.Type(value = SearchEvent.StepPlanned.class, name = "step-planned"),
        @JsonSubTypes.Type(value = SearchEvent.MoveEvaluated.class, name = "move-evaluated"),
        @JsonSubTypes.Type(value = SearchEvent.MoveFailed.class, name = "move-failed"),
        @JsonSubTypes.Type(value = SearchEvent.StepClosed.class, name = "step-closed"),
        @JsonSubTypes.Type(value = SearchEvent.Paused.class, name = "paused"),
        @JsonSubTypes.Type(value = SearchEvent.Resumed.class, name = "resumed"),
        @JsonSubTypes.Type(value = SearchEvent.Stopped.class, name = "stopped"),
})
public sealed interface SearchEvent {

    /**
     * A run begins.
     *
     * @param settings the resolved configuration ({@link SearchSettings#render()})
     * @param origin the zoo model the search starts from (its card)
     * @param lossLimit the base-task loss no assembly may exceed: (1 + tolerance) × the origin's loss
     * @param evaluationData task → content hash of the rows moves are evaluated on
     */
    record Started(int run, String settings, ModelCard origin, double lossLimit, Map<String, String> evaluationData, String at)
            implements SearchEvent {
        public Started {
            Objects.requireNonNull(origin);
            evaluationData = Map.copyOf(evaluationData);
        }
    }

    /**
     * The zoo folder changed while the search ran: these ids became targets (new models, or files
     * whose content changed) or went away. {@code skipped}: every zoo entry that is not a target now,
     * by file name, with the reason (null in journals written before it was recorded: no news).
     */
    record ZooChanged(List<String> added, List<String> removed, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> skipped,
                      String at) implements SearchEvent {
        public ZooChanged(List<String> added, List<String> removed, String at) { this(added, removed, null, at); }
    }

    /**
     * A target's file failed to load in a way that repeats on the same bytes (a damaged file, weights
     * that are not the ones its card names): it is not proposed, and moves into it fail at once, until
     * the file's content changes. {@code file}: the content's {@code Zoo.fingerprint} when it failed.
     */
    record ModelUnusable(String id, String file, String reason, String at) implements SearchEvent {}

    /** The moves of a step, in the policy's ranking order; the base is the assembly of the step before. */
    record StepPlanned(int step, String baseHash, List<Move> moves) implements SearchEvent {
        public StepPlanned { moves = List.copyOf(moves); }
    }

    /**
     * A move's outcome; {@code cached}: found in the evaluation cache, nothing computed;
     * {@code targetWeights}: the weights hash of the target it used (absent in older journals).
     */
    record MoveEvaluated(int step, Move move, String cacheKey, Outcome outcome, boolean cached, String worker, String targetWeights)
            implements SearchEvent {
        public MoveEvaluated(int step, Move move, String cacheKey, Outcome outcome, boolean cached, String worker) {
            this(step, move, cacheKey, outcome, cached, worker, null);
        }
    }

    /**
     * A move's evaluation threw; {@code giveUp}: the retries are used up, the move counts as failed;
     * {@code targetWeights} as for {@link MoveEvaluated} (null when the target was not read).
     */
    record MoveFailed(int step, Move move, int attempt, String reason, boolean giveUp, String targetWeights) implements SearchEvent {
        public MoveFailed(int step, Move move, int attempt, String reason, boolean giveUp) {
            this(step, move, attempt, reason, giveUp, null);
        }
    }

    /**
     * Every move of the step has a result. {@code accepted} is the chosen move (null: none was
     * accepted) with its score, and {@code assembly} the card of the new base (its weights are in
     * the store's blobs under {@code assemblyBlob}). {@code failure}: why the step failed and accepted
     * nothing (the coordinator's assembly of the best move did not have the weights its evaluation
     * measured); null otherwise, and in journals written before it was recorded.
     */
    record StepClosed(int step, Move accepted, double score, ModelCard assembly, String assemblyBlob, String failure) implements SearchEvent {
        public StepClosed(int step, Move accepted, double score, ModelCard assembly, String assemblyBlob) {
            this(step, accepted, score, assembly, assemblyBlob, null);
        }
    }

    /** The process stopped on request (SIGTERM); moves without a result are evaluated again on resume. */
    record Paused(String reason, String at) implements SearchEvent {}

    record Resumed(String at) implements SearchEvent {}

    /** The run is over: budget used up, nothing left to try, or stopped by the user. */
    record Stopped(String reason, String at) implements SearchEvent {}
}
