package org.mal.core.zoo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mal.core.ConfigKeys;
import org.mal.core.Sha256;
import org.mal.core.train.Optimizer;
import org.mal.core.train.TrainConfig;

/**
 * What a zoo holds: architectures (from shape families and explicit width lists) times datasets,
 * and how each entry is trained. Read from the {@code zoo} block of a HOCON file; see
 * {@code conf/zoo-default.conf} for every key with a comment.
 */
public record ZooSpec(String name, List<String> datasets, List<Architectures> architectures, Training training) {

    /** One architecture to train: its family label and hidden widths. */
    public record Architectures(String family, List<Integer> hiddenWidths) {}

    /**
     * @param learningRates every rate is trained; the one with the best validation accuracy is kept
     * @param validationFraction share of the training set held out (stratified) for that choice
     */
    public record Training(Optimizer optimizer, List<Double> learningRates, int epochs, int batchSize, long seed,
                           double validationFraction) {
        public Training {
            if (learningRates.isEmpty()) throw new IllegalArgumentException("zoo.training.learning-rates is empty");
            learningRates = List.copyOf(learningRates);
            if (!(validationFraction > 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("zoo.training.validation-fraction must be in (0, 1), got " + validationFraction);
            }
            for (double rate : learningRates) new TrainConfig(optimizer, rate, epochs, batchSize, seed); // validates every rate and the rest
        }
    }

    /** One model of the zoo: its id, task, family and widths. */
    public record Entry(String id, String dataset, String family, List<Integer> hiddenWidths) {
        /**
         * The training seed of this entry: the zoo seed mixed with the id, so that entries do not share
         * an initialisation (shared initialisations are more linearly connected than independent ones).
         */
        public long seed(long zooSeed) {
            byte[] h = Sha256.digest().digest(id.getBytes(StandardCharsets.UTF_8));
            long mix = 0;
            for (int i = 0; i < 8; i++) mix = (mix << 8) | (h[i] & 0xFF);
            return zooSeed ^ mix;
        }
    }

    private static final Set<String> ZOO_KEYS = Set.of("name", "datasets", "families", "depths", "widths", "architectures", "training");
    private static final Set<String> TRAINING_KEYS = Set.of("optimizer", "learning-rates", "epochs", "batch-size", "seed", "validation-fraction");
    private static final Set<String> ARCH_KEYS = Set.of("family", "widths");

    /** Reads the {@code zoo} block. Missing, mistyped or unknown keys fail with their path. */
    public static ZooSpec from(Config root) {
        // Keys are read by their full path from the root so that errors name e.g. "zoo.training.epochs".
        Config zoo = root.getConfig("zoo").atPath("zoo");
        ConfigKeys.requireOnly(zoo.getConfig("zoo"), "zoo", ZOO_KEYS);
        List<Architectures> archs = new ArrayList<>();
        List<String> familyNames = zoo.getStringList("zoo.families");
        List<Integer> depths = zoo.getIntList("zoo.depths");
        List<Integer> widths = zoo.getIntList("zoo.widths");
        if (!familyNames.isEmpty() && (depths.isEmpty() || widths.isEmpty())) {
            throw new ConfigException.BadValue(zoo.origin(), "zoo.depths", "families need at least one depth and one width");
        }
        for (String familyName : familyNames) {
            ShapeFamily family;
            try {
                family = ShapeFamily.parse(familyName);
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(zoo.getValue("zoo.families").origin(), "zoo.families", e.getMessage());
            }
            for (int depth : depths) {
                for (List<Integer> shape : family.shapes(depth, widths)) archs.add(new Architectures(family.label(), shape));
            }
        }
        List<? extends Config> explicit = zoo.getConfigList("zoo.architectures");
        for (int i = 0; i < explicit.size(); i++) {
            Config a = explicit.get(i);
            String path = "zoo.architectures[" + i + "]";
            ConfigKeys.requireOnly(a, path, ARCH_KEYS);
            List<Integer> w;
            try {
                w = a.getIntList("widths");
            } catch (ConfigException e) {
                throw new ConfigException.BadValue(a.origin(), path + ".widths", e.getMessage());
            }
            if (w.isEmpty() || w.stream().anyMatch(x -> x <= 0)) {
                throw new ConfigException.BadValue(a.origin(), path + ".widths", "needs one or more positive widths");
            }
            archs.add(new Architectures(a.hasPath("family") ? a.getString("family") : "custom", w));
        }
        // A width list reached from two families is trained once, under the first family that made it.
        Map<List<Integer>, Architectures> unique = new LinkedHashMap<>();
        for (Architectures a : archs) unique.putIfAbsent(a.hiddenWidths(), a);

        Config t = zoo.getConfig("zoo.training").atPath("zoo.training");
        ConfigKeys.requireOnly(t.getConfig("zoo.training"), "zoo.training", TRAINING_KEYS);
        Optimizer optimizer;
        try {
            optimizer = Optimizer.parse(t.getString("zoo.training.optimizer"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(t.getValue("zoo.training.optimizer").origin(), "zoo.training.optimizer", e.getMessage());
        }
        Training training = new Training(optimizer, t.getDoubleList("zoo.training.learning-rates"),
                t.getInt("zoo.training.epochs"), t.getInt("zoo.training.batch-size"), t.getLong("zoo.training.seed"),
                t.getDouble("zoo.training.validation-fraction"));
        List<String> datasets = zoo.getStringList("zoo.datasets");
        if (datasets.isEmpty()) throw new ConfigException.BadValue(zoo.origin(), "zoo.datasets", "needs at least one dataset");
        if (unique.isEmpty()) throw new ConfigException.BadValue(zoo.origin(), "zoo", "defines no architectures (families or architectures)");
        return new ZooSpec(zoo.getString("zoo.name"), datasets, List.copyOf(unique.values()), training);
    }

    /** Every (dataset, architecture) pair, datasets outermost, with deterministic ids. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (String dataset : datasets) {
            for (Architectures a : architectures) {
                String widths = String.join("x", a.hiddenWidths().stream().map(String::valueOf).toList());
                out.add(new Entry(dataset + "-" + a.family() + "-" + widths, dataset, a.family(), a.hiddenWidths()));
            }
        }
        return out;
    }
}
