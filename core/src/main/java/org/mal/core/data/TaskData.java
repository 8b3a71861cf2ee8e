package org.mal.core.data;

import java.util.Objects;

/** A task's train and test sets, e.g. Fashion-MNIST's 60,000/10,000 split. */
public record TaskData(String name, Dataset train, Dataset test) {
    public TaskData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (train.featureCount() != test.featureCount() || train.classCount() != test.classCount()) {
            throw new IllegalArgumentException("task " + name + ": train " + train + " and test " + test + " differ in shape");
        }
    }
}
