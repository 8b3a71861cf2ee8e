package org.mal.core.train;

import org.mal.core.model.Metrics;

/** Hears about training progress; called on the training thread. */
public interface TrainingListener {
    TrainingListener NONE = new TrainingListener() {};

    /** After each minibatch step; {@code step} counts from 1 over the whole run. */
    default void stepDone(long step, long totalSteps) {}

    /**
     * After each epoch (counted from 1), with loss and accuracy on a fixed sample of at most 2,000
     * training rows.
     */
    default void epochDone(int epoch, Metrics trainSample) {}
}
