package org.mal.core.method;

import java.util.Objects;
import org.mal.core.model.Model;

/**
 * The two models of a merge and the tasks they were trained on.
 *
 * @param baseTask the base's task (null if unknown: methods that need its data then fail saying so)
 * @param targetTask the target's task, or null
 */
public record Pair(Model base, Model target, String baseTask, String targetTask) {
    public Pair {
        Objects.requireNonNull(base, "a merge needs a base");
        Objects.requireNonNull(target, "a merge needs a target");
    }

    /** The base's task, or a clear error naming what needs it. */
    public String requireBaseTask(String who) {
        if (baseTask == null) throw new IllegalArgumentException(who + " needs the base's training data, and the base's task is unknown");
        return baseTask;
    }
}
