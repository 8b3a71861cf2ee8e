package org.mal.core.train;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** The optimizers a recipe can name. */
public enum Optimizer {
    /** Adam with ND4J's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8). */
    ADAM,
    /** Plain stochastic gradient descent. */
    SGD,
    /** SGD with Nesterov momentum 0.9. */
    MOMENTUM;

    IUpdater updater(double learningRate) {
        return switch (this) {
            case ADAM -> new Adam(learningRate);
            case SGD -> new Sgd(learningRate);
            case MOMENTUM -> new Nesterovs(learningRate, 0.9);
        };
    }

    /** Parses a name such as {@code adam}, naming the choices when it is none of them. */
    public static Optimizer parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT));
        }
    }

    public String label() { return name().toLowerCase(Locale.ROOT); }
}
