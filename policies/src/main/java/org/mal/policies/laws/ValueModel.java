package org.mal.policies.laws;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.policies.Move;
import org.mal.policies.MoveFeatures;
import org.mal.policies.PolicyContext;

/**
 * How the learning law ({@link Experience}) values a move from past rewards: each model reads a
 * move as a list of keys, is fitted on the keys and rewards of the evaluations so far, and values a
 * candidate by its keys. The three built-in models are the three records below ({@code model =
 * ridge | arm | additive}); see {@link Experience} for what each does.
 */
sealed interface ValueModel permits ValueModel.RidgeModel, ValueModel.ArmModel, ValueModel.AdditiveModel {

    /** The configuration name. */
    String name();

    /** The keys of a move this model learns over. */
    List<String> keys(Move move, MoveFeatures f, PolicyContext ctx);

    /** Fitted on the keys and rewards of the evaluations (one list of keys per reward). */
    Fit fit(List<List<String>> keys, List<Double> rewards);

    /** A fitted model. */
    interface Fit {
        /** The value of a move with these keys (the model's prior before any evaluation). */
        double value(List<String> keys);

        /** What it learned, for people to read: values and the evaluations behind each, by key. */
        Experience.Learned learned();
    }

    /** By configuration name. */
    static ValueModel of(String name, double exploration, double optimism, double priorWeight, List<String> ridgeFeatures) {
        return switch (name) {
            case "ridge" -> new RidgeModel(exploration, optimism, priorWeight, List.copyOf(ridgeFeatures));
            case "arm" -> new ArmModel(exploration, optimism);
            case "additive" -> new AdditiveModel(exploration, optimism, priorWeight);
            default -> throw new IllegalArgumentException("unknown learning model '" + name + "'; ridge, arm or additive");
        };
    }

    /** A linear model of the reward over one-hot move features, fitted jointly by ridge regression; LinUCB exploration. */
    record RidgeModel(double exploration, double optimism, double priorWeight, List<String> features) implements ValueModel {
        public RidgeModel {
            if (features.isEmpty()) throw new IllegalArgumentException("the ridge model needs at least one feature");
        }

        @Override public String name() { return "ridge"; }

        @Override
        public List<String> keys(Move move, MoveFeatures f, PolicyContext ctx) { return Experience.ridgeFeatures(features, move, f, ctx); }

        @Override
        public Fit fit(List<List<String>> keys, List<Double> rewards) {
            int n = rewards.size();
            Ridge ridge = n > 0 ? Ridge.fit(keys, rewards, priorWeight, exploration > 0) : null;
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (List<String> x : keys) for (String k : x) counts.merge(k, 1, Integer::sum);
            return new Fit() {
                @Override
                public double value(List<String> x) {
                    if (n == 0) return optimism + exploration * Math.sqrt(features.size() / priorWeight);
                    return ridge.predict(x, exploration);
                }

                @Override
                public Experience.Learned learned() {
                    Map<String, Double> values = new LinkedHashMap<>();
                    Map<String, Integer> c = new LinkedHashMap<>();
                    if (n == 0) return new Experience.Learned(name(), values, c);
                    ridge.weights().forEach((k, v) -> values.put(k.isEmpty() ? "(intercept)" : k, v));
                    c.putAll(counts);
                    c.put("(intercept)", n);
                    return new Experience.Learned(name(), values, c);
                }
            };
        }
    }

    /** UCB1 over classes of moves ({@link Experience#arm}). */
    record ArmModel(double exploration, double optimism) implements ValueModel {
        @Override public String name() { return "arm"; }

        @Override public List<String> keys(Move move, MoveFeatures f, PolicyContext ctx) { return List.of(Experience.arm(f)); }

        @Override
        public Fit fit(List<List<String>> keys, List<Double> rewards) {
            Map<String, double[]> byArm = sums(keys, rewards);
            int total = rewards.size();
            return new Fit() {
                @Override
                public double value(List<String> x) {
                    double[] arm = byArm.get(x.get(0));
                    if (arm == null) return optimism + exploration * Math.sqrt(Math.log(total + 1.0));
                    return arm[0] / arm[1] + exploration * Math.sqrt(Math.log(total) / arm[1]);
                }

                @Override
                public Experience.Learned learned() {
                    Map<String, Double> values = new LinkedHashMap<>();
                    Map<String, Integer> counts = new LinkedHashMap<>();
                    byArm.forEach((k, v) -> { values.put(k, v[0] / v[1]); counts.put(k, (int) v[1]); });
                    return new Experience.Learned(name(), values, counts);
                }
            };
        }
    }

    /** The mean reward plus, per feature of the move, the shrunk deviation of the evaluations sharing it. */
    record AdditiveModel(double exploration, double optimism, double priorWeight) implements ValueModel {
        @Override public String name() { return "additive"; }

        @Override public List<String> keys(Move move, MoveFeatures f, PolicyContext ctx) { return Experience.features(move, f); }

        @Override
        public Fit fit(List<List<String>> keys, List<Double> rewards) {
            Map<String, double[]> byFeature = sums(keys, rewards);
            int total = rewards.size();
            double mean = total == 0 ? 0 : rewards.stream().mapToDouble(Double::doubleValue).sum() / total;
            return new Fit() {
                @Override
                public double value(List<String> x) {
                    if (total == 0) return optimism;
                    double value = mean;
                    double fewest = Double.POSITIVE_INFINITY;
                    for (String f : x) {
                        double[] d = byFeature.getOrDefault(f, new double[2]);
                        value += (d[0] - d[1] * mean) / (d[1] + priorWeight);   // shrunk deviation from the mean
                        fewest = Math.min(fewest, d[1]);
                    }
                    return value + exploration * Math.sqrt(Math.log(total + 1.0) / (1.0 + fewest));
                }

                @Override
                public Experience.Learned learned() {
                    Map<String, Double> values = new LinkedHashMap<>();
                    Map<String, Integer> counts = new LinkedHashMap<>();
                    if (total == 0) return new Experience.Learned(name(), values, counts);
                    byFeature.forEach((k, d) -> { values.put(k, (d[0] - d[1] * mean) / (d[1] + priorWeight)); counts.put(k, (int) d[1]); });
                    return new Experience.Learned(name(), values, counts);
                }
            };
        }
    }

    /** Per key: {sum of rewards, count}. */
    private static Map<String, double[]> sums(List<List<String>> keys, List<Double> rewards) {
        Map<String, double[]> out = new HashMap<>();
        for (int i = 0; i < rewards.size(); i++) {
            for (String k : keys.get(i)) {
                double[] d = out.computeIfAbsent(k, x -> new double[2]);
                d[0] += rewards.get(i);
                d[1] += 1;
            }
        }
        return out;
    }
}
