package org.mal.core.method;

import org.mal.core.config.Settings;

/** λ = {@code value} (in [0, 1], required) if the base-task loss there is within the limit, else 0 (the move keeps nothing). */
public record FixedRule(double value) implements LambdaRule {
    public static final String NAME = "fixed";

    public static FixedRule from(Settings s) {
        s.only("value");
        double v = s.getDouble("value");
        if (!(v >= 0 && v <= 1)) throw s.invalid("value", "must be in [0, 1], got " + v);
        return new FixedRule(v);
    }

    @Override public String name() { return NAME; }

    @Override
    public double choose(Curve c) {
        return c.lossAt(value) <= c.lossLimit() ? value : 0.0;
    }

    public static final class Factory implements LambdaRuleFactory {
        @Override public String name() { return NAME; }
        @Override public LambdaRule create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
