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
 * times shards where an architecture has them, and how each entry is trained. Read from the
 * {@code zoo} block of a HOCON file; see {@code conf/zoo-default.conf} for every key with a comment,
 * and {@code conf/zoo-gain.conf} for the optional shards, zoo holdout and per-dataset epochs.
 */
public record ZooSpec(String name, List<String> datasets, List<Architectures> architectures, Training training, int seeds) {

    /** One model per architecture, dataset and shard. */
    public ZooSpec(String name, List<String> datasets, List<Architectures> architectures, Training training) {
        this(name, datasets, architectures, training, 1);
    }

    /**
     * One architecture to train: its family label and hidden widths, and how the training rows are
     * sharded ({@code null}: one model on all of them).
     */
    public record Architectures(String family, List<Integer> hiddenWidths, ShardSpec shards, Network network) {
        public Architectures(String family, List<Integer> hiddenWidths, ShardSpec shards) { this(family, hiddenWidths, shards, Network.MLP); }

        public Architectures(String family, List<Integer> hiddenWidths) { this(family, hiddenWidths, null); }
    }

    /**
     * The kind of network an architecture's widths describe: an MLP (widths = hidden units), a plain CNN
     * or a residual CNN (widths = conv channels, see {@link CnnZooArchitectures}).
     */
    public enum Network {
        MLP("mlp"), CNN("cnn"), RESNET("resnet");

        private final String label;

        Network(String label) { this.label = label; }

        public String label() { return label; }

        /** Whether the widths are conv channels. */
        public boolean convolutional() { return this != MLP; }

        public static Network parse(String name) {
            for (Network n : values()) if (n.label.equals(name.trim().toLowerCase(java.util.Locale.ROOT))) return n;
            throw new IllegalArgumentException("unknown network '" + name + "'; choose one of " + java.util.Arrays.stream(values()).map(Network::label).toList());
        }
    }

    /**
     * @param learningRates every rate is trained; the one with the best validation accuracy is kept
     * @param validationFraction share of the model's training rows (its shard, if any) held out (stratified) for that choice
     * @param holdoutRows rows of each task's training set held out for the whole zoo (stratified, seeded
     *     by {@code seed}): no model trains or validates on them; 0 for none
     * @param datasetEpochs epochs for some datasets instead of {@code epochs} (e.g. more for a small task)
     * @param rows at most this many of the rows an entry may use are used (fit and validation together: a stratified
     *     sample, seeded by {@code seed}, the same for every entry of a task); 0 for all of them
     */
    public record Training(Optimizer optimizer, List<Double> learningRates, int epochs, int batchSize, long seed,
                           double validationFraction, int holdoutRows, Map<String, Integer> datasetEpochs, int rows) {
        /** Without a cap on the training rows. */
        public Training(Optimizer optimizer, List<Double> learningRates, int epochs, int batchSize, long seed,
                        double validationFraction, int holdoutRows, Map<String, Integer> datasetEpochs) {
            this(optimizer, learningRates, epochs, batchSize, seed, validationFraction, holdoutRows, datasetEpochs, 0);
        }

        public Training {
            if (rows < 0) throw new IllegalArgumentException("zoo.training.rows must be >= 0 (0: every row), got " + rows);
            if (learningRates.isEmpty()) throw new IllegalArgumentException("zoo.training.learning-rates is empty");
            learningRates = List.copyOf(learningRates);
            if (!(validationFraction > 0 && validationFraction < 1)) {
                throw new IllegalArgumentException("zoo.training.validation-fraction must be in (0, 1), got " + validationFraction);
            }
            if (holdoutRows < 0) throw new IllegalArgumentException("zoo.training.holdout-rows must be >= 0, got " + holdoutRows);
            datasetEpochs = Map.copyOf(datasetEpochs);
            for (double rate : learningRates) new TrainConfig(optimizer, rate, epochs, batchSize, seed); // validates every rate and the rest
            for (int e : datasetEpochs.values()) new TrainConfig(optimizer, learningRates.get(0), e, batchSize, seed);
        }

        /** A recipe without a zoo holdout or per-dataset epochs (e.g. {@code ./mal train}). */
        public Training(Optimizer optimizer, List<Double> learningRates, int epochs, int batchSize, long seed, double validationFraction) {
            this(optimizer, learningRates, epochs, batchSize, seed, validationFraction, 0, Map.of());
        }

        /** The epochs of models of {@code dataset}. */
        public int epochsFor(String dataset) { return datasetEpochs.getOrDefault(dataset, epochs); }

        /** This recipe with the epochs of {@code dataset}. */
        public Training forDataset(String dataset) {
            return new Training(optimizer, learningRates, epochsFor(dataset), batchSize, seed, validationFraction, holdoutRows, datasetEpochs, rows);
        }
    }

    /**
     * One model of the zoo: its id, task, family and widths, and its shard: {@code shards} (null if the
     * model trains on all the task's rows that the zoo does not hold out) and the shard's index from 0.
     */
    public record Entry(String id, String dataset, String family, List<Integer> hiddenWidths, ShardSpec shards, int shard, Network network) {
        public Entry {
            java.util.Objects.requireNonNull(network, "network");
            if (shards == null ? shard != 0 : shard < 0 || shard >= shards.count()) {
                throw new IllegalArgumentException("entry " + id + ": shard " + shard + " of " + (shards == null ? "no shards" : shards.count()));
            }
        }

        /** An MLP entry. */
        public Entry(String id, String dataset, String family, List<Integer> hiddenWidths, ShardSpec shards, int shard) {
            this(id, dataset, family, hiddenWidths, shards, shard, Network.MLP);
        }

        /** An MLP entry trained on all rows. */
        public Entry(String id, String dataset, String family, List<Integer> hiddenWidths) {
            this(id, dataset, family, hiddenWidths, null, 0);
        }

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

        /**
         * The seed of this entry's initial weights: its training {@link #seed}, except in a group whose
         * shards share their initialisation ({@link ShardSpec#sharedInit}), where it is the seed of the
         * group's id (the id without {@code -<k>of<count>}): the same for every shard of the group.
         */
        public long initSeed(long zooSeed) {
            if (shards == null || !shards.sharedInit()) return seed(zooSeed);
            String group = id.replaceFirst("-\\d+of\\d+(?=(-s\\d+)?$)", "");    // without "-<k>of<count>" (a seed suffix stays)
            return new Entry(group, dataset, family, hiddenWidths, null, 0, network).seed(zooSeed);
        }
    }

    private static final Set<String> ZOO_KEYS = Set.of("name", "datasets", "families", "depths", "widths", "architectures", "shards", "training",
            "networks", "seeds");
    private static final Set<String> TRAINING_KEYS = Set.of("optimizer", "learning-rates", "epochs", "batch-size", "seed", "validation-fraction",
            "holdout-rows", "dataset-epochs", "rows");
    private static final Set<String> ARCH_KEYS = Set.of("family", "widths", "shards", "network");

    /** Reads the {@code zoo} block. Missing, mistyped or unknown keys fail with their path. */
    public static ZooSpec from(Config root) {
        // Keys are read by their full path from the root so that errors name e.g. "zoo.training.epochs".
        Config zoo = root.getConfig("zoo").atPath("zoo");
        ConfigKeys.requireOnly(zoo.getConfig("zoo"), "zoo", ZOO_KEYS);
        List<Architectures> archs = new ArrayList<>();
        ShardSpec zooShards = zoo.hasPath("zoo.shards") ? ShardSpec.from(zoo.getConfig("zoo.shards"), "zoo.shards") : null;
        List<String> familyNames = zoo.getStringList("zoo.families");
        List<Integer> depths = zoo.getIntList("zoo.depths");
        List<Integer> widths = zoo.getIntList("zoo.widths");
        List<Network> networks = new ArrayList<>();
        for (String n : zoo.hasPath("zoo.networks") ? zoo.getStringList("zoo.networks") : List.of("mlp")) {
            try {
                networks.add(Network.parse(n));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(zoo.getValue("zoo.networks").origin(), "zoo.networks", e.getMessage());
            }
        }
        if (networks.isEmpty()) throw new ConfigException.BadValue(zoo.origin(), "zoo.networks", "needs at least one network (mlp, cnn, resnet)");
        int seeds = zoo.hasPath("zoo.seeds") ? zoo.getInt("zoo.seeds") : 1;
        if (seeds < 1) throw new ConfigException.BadValue(zoo.origin(), "zoo.seeds", "must be >= 1, got " + seeds);
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
                for (List<Integer> shape : family.shapes(depth, widths)) {
                    for (Network n : networks) archs.add(new Architectures(family.label(), shape, zooShards, n));
                }
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
            // an architecture's own shards replace the zoo's; "shards = null" trains one model on all rows
            ShardSpec shards = !a.hasPathOrNull("shards") ? zooShards
                    : a.getIsNull("shards") ? null : ShardSpec.from(a.getConfig("shards"), path + ".shards");
            Network network;
            try {
                network = a.hasPath("network") ? Network.parse(a.getString("network")) : Network.MLP;
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(a.origin(), path + ".network", e.getMessage());
            }
            archs.add(new Architectures(a.hasPath("family") ? a.getString("family") : "custom", w, shards, network));
        }
        // A width list reached from two families is trained once (per sharding), under the first family that made it.
        Map<List<Object>, Architectures> unique = new LinkedHashMap<>();
        for (Architectures a : archs) unique.putIfAbsent(java.util.Arrays.asList(a.hiddenWidths(), a.shards(), a.network()), a);

        Config t = zoo.getConfig("zoo.training").atPath("zoo.training");
        ConfigKeys.requireOnly(t.getConfig("zoo.training"), "zoo.training", TRAINING_KEYS);
        Optimizer optimizer;
        try {
            optimizer = Optimizer.parse(t.getString("zoo.training.optimizer"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(t.getValue("zoo.training.optimizer").origin(), "zoo.training.optimizer", e.getMessage());
        }
        List<String> datasets = zoo.getStringList("zoo.datasets");
        if (datasets.isEmpty()) throw new ConfigException.BadValue(zoo.origin(), "zoo.datasets", "needs at least one dataset");
        int holdoutRows = t.hasPath("zoo.training.holdout-rows") ? t.getInt("zoo.training.holdout-rows") : 0;
        int rows = t.hasPath("zoo.training.rows") ? t.getInt("zoo.training.rows") : 0;
        if (rows < 0) throw new ConfigException.BadValue(t.origin(), "zoo.training.rows", "must be >= 0 (0: every row), got " + rows);
        if (holdoutRows < 0) throw new ConfigException.BadValue(t.origin(), "zoo.training.holdout-rows", "must be >= 0, got " + holdoutRows);
        Map<String, Integer> datasetEpochs = new LinkedHashMap<>();
        if (t.hasPath("zoo.training.dataset-epochs")) {
            Config de = t.getConfig("zoo.training.dataset-epochs");
            for (String dataset : de.root().keySet()) {
                String path = "zoo.training.dataset-epochs." + dataset;
                if (!datasets.contains(dataset)) {
                    throw new ConfigException.BadPath(de.root().get(dataset).origin(), path, "not one of zoo.datasets " + datasets);
                }
                datasetEpochs.put(dataset, t.getInt(com.typesafe.config.ConfigUtil.joinPath("zoo", "training", "dataset-epochs", dataset)));
            }
        }
        Training training;
        try {
            training = new Training(optimizer, t.getDoubleList("zoo.training.learning-rates"),
                    t.getInt("zoo.training.epochs"), t.getInt("zoo.training.batch-size"), t.getLong("zoo.training.seed"),
                    t.getDouble("zoo.training.validation-fraction"), holdoutRows, datasetEpochs, rows);
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(t.origin(), "zoo.training", e.getMessage());
        }
        if (unique.isEmpty()) throw new ConfigException.BadValue(zoo.origin(), "zoo", "defines no architectures (families or architectures)");
        ZooSpec spec = new ZooSpec(zoo.getString("zoo.name"), datasets, List.copyOf(unique.values()), training, seeds);
        Set<String> ids = new java.util.HashSet<>();
        for (Entry e : spec.entries()) {
            if (!ids.add(e.id())) {
                throw new ConfigException.BadValue(zoo.origin(), "zoo.architectures", "two entries have the id " + e.id()
                        + " (same family, widths and shards); give one another family label or shard seed");
            }
        }
        return spec;
    }

    /**
     * Every (dataset, architecture, shard, seed) entry, datasets outermost, then architectures, then shards, then
     * seeds, with deterministic ids: {@code <dataset>-<family>-<widths>} for MLPs (as before CNNs existed),
     * {@code <dataset>-<network>-<family>-<widths>} for CNNs, then the shard and, with {@code seeds > 1},
     * {@code -s<k>} (k from 1; each seed is its own id, hence its own initialisation and batch order).
     */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (String dataset : datasets) {
            for (Architectures a : architectures) {
                String widths = String.join("x", a.hiddenWidths().stream().map(String::valueOf).toList());
                String base = dataset + "-" + (a.network().convolutional() ? a.network().label() + "-" : "") + a.family() + "-" + widths;
                List<String> ids = new ArrayList<>();
                List<Integer> shardOf = new ArrayList<>();
                if (a.shards() == null) {
                    ids.add(base);
                    shardOf.add(0);
                } else {
                    // e.g. mnist-equal-256x256-dir0.5-2of4: shards count from 1 in ids and tables
                    for (int k = 0; k < a.shards().count(); k++) {
                        ids.add(base + "-" + a.shards().label() + "-" + (k + 1) + "of" + a.shards().count());
                        shardOf.add(k);
                    }
                }
                for (int i = 0; i < ids.size(); i++) {
                    for (int s = 1; s <= seeds; s++) {
                        out.add(new Entry(seeds == 1 ? ids.get(i) : ids.get(i) + "-s" + s, dataset, a.family(), a.hiddenWidths(), a.shards(), shardOf.get(i),
                                a.network()));
                    }
                }
            }
        }
        return out;
    }
}
