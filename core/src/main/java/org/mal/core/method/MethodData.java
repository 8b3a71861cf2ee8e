package org.mal.core.method;

import org.mal.core.data.Dataset;

/** What a method may read besides the two models: seeded samples of a task's training data. */
public interface MethodData {
    /** The seed of every random choice a method makes (sweep orders, samples, initialisations). */
    long seed();

    /**
     * {@code rows} rows of {@code task}'s training set, stratified by class with {@link #seed()}
     * (all of them if it has fewer). Never test rows.
     */
    Dataset training(String task, int rows);
}
