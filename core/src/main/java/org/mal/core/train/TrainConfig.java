package org.mal.core.train;

import java.util.Objects;

/**
 * How to train one model: optimizer, learning rate, epochs, minibatch size and the seed that fixes
 * the initial weights and the order of minibatches.
 */
public record TrainConfig(Optimizer optimizer, double learningRate, int epochs, int batchSize, long seed) {
    public TrainConfig {
        Objects.requireNonNull(optimizer, "optimizer");
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        if (epochs <= 0) throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }

    public TrainConfig withLearningRate(double lr) { return new TrainConfig(optimizer, lr, epochs, batchSize, seed); }
}
