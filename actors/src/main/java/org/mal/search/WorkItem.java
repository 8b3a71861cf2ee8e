package org.mal.search;

import org.apache.pekko.actor.typed.ActorRef;
import org.mal.core.model.ModelCard;

/**
 * One move for a worker: everything it needs to run it without asking back (the base and target
 * cards, where the base's weights are, the loss limit), and where to send the result.
 *
 * @param baseBlob the store blob of the base's weights; null when the base is a zoo model
 * @param attempt 1 for the first try; a result is only taken for the attempt the coordinator expects
 */
public record WorkItem(int run, int step, String move, ModelCard base, String baseBlob, ModelCard target, double lossLimit,
                       int attempt, ActorRef<Coordinator.Command> replyTo) implements WireMessage {}
