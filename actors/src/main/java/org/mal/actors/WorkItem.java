package org.mal.actors;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.mal.core.model.ModelCard;
import org.mal.engine.MoveRunner;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.policies.Move;

/**
 * One move for a worker: everything it needs to run it without asking back (the base and target
 * cards, where the base's weights are, the loss limit, the evaluation settings), and where to send
 * the result. A worker on another node gets the models' files either as blobs from {@code blobSource}
 * ({@code files} names them by SHA-256; {@code zoo} and {@code assemblies} are then null: nothing is
 * read from a shared path) or, with {@code search.cluster.files = shared}, from the zoo and assemblies
 * folders at the same paths (a shared folder).
 *
 * @param move the move, as the planner made it: a typed value in this JVM; to a worker node, its canonical
 *     string (SearchJson.MoveWriter), decoded once on arrival
 * @param key the hex of its evaluation cache key, computed once by the coordinator
 * @param baseBlob the store blob of the base's weights; null when the base is a zoo model
 * @param targets the cards of the move's targets ({@link Move#targets()}: one, or a soup's)
 * @param attempt 1 for the first try; a result is only taken for the attempt the coordinator expects
 * @param zoo the zoo folder (absolute)
 * @param assemblies the search's assemblies folder (absolute)
 * @param files the SHA-256 of the base's and the targets' files, when worker nodes fetch them as blobs; else null
 * @param blobSource the search node's {@link BlobServer}, when worker nodes fetch blobs; else null
 */
public record WorkItem(int run, int step,
                       @JsonSerialize(using = SearchJson.MoveWriter.class) @JsonDeserialize(using = SearchJson.MoveReader.class) Move move,
                       String key, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit,
                       int attempt, ActorRef<Worker.Reply> replyTo, String zoo, String assemblies,
                       SearchSettings.Evaluation evaluation, long seed, MoveRunner.Files files, ActorRef<BlobServer.Command> blobSource)
        implements WireMessage {
    /** An item whose models are read from the zoo and assemblies folders (no blobs). */
    public WorkItem(int run, int step, Move move, String key, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit,
                    int attempt, ActorRef<Worker.Reply> replyTo, String zoo, String assemblies, SearchSettings.Evaluation evaluation, long seed) {
        this(run, step, move, key, base, baseBlob, targets, lossLimit, attempt, replyTo, zoo, assemblies, evaluation, seed, null, null);
    }
}
