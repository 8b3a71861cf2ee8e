package org.mal.core.train;

/** Hears about training progress; called on the training thread. */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {};

    /** After each minibatch step; {@code step} counts from 1 over the whole run. */
    default void stepDone(long step, long totalSteps, double loss) {}

    /** After each epoch, with the mean minibatch loss of that epoch; epochs count from 1. */
    default void epochDone(int epoch, double meanLoss) {}
}
