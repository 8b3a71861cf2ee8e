package org.mal.actors;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.mal.core.model.ModelCard;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchSettings;
import org.mal.policies.Move;

/**
 * One move for a worker: everything it needs to run it without asking back (the base and target
 * cards, where the base's weights are, the loss limit, the evaluation settings), and where to send
 * the result. A worker on another node reads the zoo and the assemblies from the same paths
 * (a shared folder).
 *
 * @param move the move, as the planner made it: a typed value in this JVM; to a worker node, its canonical
 *     string (SearchJson.MoveWriter), decoded once on arrival
 * @param key the hex of its evaluation cache key, computed once by the coordinator
 * @param baseBlob the store blob of the base's weights; null when the base is a zoo model
 * @param targets the cards of the move's targets ({@link Move#targets()}: one, or a soup's)
 * @param attempt 1 for the first try; a result is only taken for the attempt the coordinator expects
 * @param zoo the zoo folder (absolute)
 * @param assemblies the search's assemblies folder (absolute)
 */
public record WorkItem(int run, int step,
                       @JsonSerialize(using = SearchJson.MoveWriter.class) @JsonDeserialize(using = SearchJson.MoveReader.class) Move move,
                       String key, ModelCard base, String baseBlob, List<ModelCard> targets, double lossLimit,
                       int attempt, ActorRef<Worker.Reply> replyTo, String zoo, String assemblies,
                       SearchSettings.Evaluation evaluation, long seed) implements WireMessage {}
