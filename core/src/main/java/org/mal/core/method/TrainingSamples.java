package org.mal.core.method;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.data.TaskData;

/**
 * The {@link MethodData} of the command line and the search: stratified, seeded samples of a task's
 * training set, each drawn once and kept (a sample is the same whichever method asks for it).
 */
public final class TrainingSamples implements MethodData {
    private final Function<String, TaskData> tasks;
    private final long seed;
    private final Map<String, Dataset> samples = new ConcurrentHashMap<>();

    /** @param tasks a task's data by name (it may throw, naming what is missing) */
    public TrainingSamples(Function<String, TaskData> tasks, long seed) {
        this.tasks = Objects.requireNonNull(tasks);
        this.seed = seed;
    }

    @Override public long seed() { return seed; }

    @Override
    public Dataset training(String task, int rows) {
        Objects.requireNonNull(task, "a task name is needed");
        if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        return samples.computeIfAbsent(task + "#" + rows, k -> {
            Dataset train = tasks.apply(task).train();
            int n = Math.min(rows, train.size());
            return train.subset(task + "-train" + n, Splits.stratified(train.labels(), train.classCount(), n, seed).selected());
        });
    }
}
