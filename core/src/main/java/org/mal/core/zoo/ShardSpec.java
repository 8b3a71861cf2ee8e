package org.mal.core.zoo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Locale;
import java.util.Set;
import org.mal.core.ConfigKeys;
import org.mal.core.data.Shards;

/**
 * How an architecture group's training rows are cut into shards, one model per shard (see
 * {@link Shards}). Read from a {@code shards { … }} block:
 *
 * <pre>
 * shards { count = 4, iid = false, alpha = 0.5, seed = 7, min-rows = 100, shared-init = true }
 * </pre>
 *
 * @param count number of shards, hence of models of the group (≥ 2)
 * @param iid IID shards; otherwise label skew drawn from a symmetric Dirichlet with {@code alpha}
 * @param alpha Dirichlet concentration (non-IID only; {@code null} for IID): small α, skewed shards
 * @param seed seed of the partition; {@code null} for the zoo seed. Groups with equal
 *     {@code (count, iid, alpha, seed, minRows)} share one partition of a task's rows.
 * @param minRows the least number of rows a non-IID shard may get (draws are repeated until every shard has them)
 * @param sharedInit every model of the group starts from the same initial weights, as the clients of
 *     federated learning start from the server's model (then average well); otherwise each model has
 *     its own initialisation. Does not change the partition.
 */
public record ShardSpec(int count, boolean iid, Double alpha, Long seed, int minRows, boolean sharedInit) {
    /** Default {@code min-rows}. */
    public static final int DEFAULT_MIN_ROWS = 100;

    private static final Set<String> KEYS = Set.of("count", "iid", "alpha", "seed", "min-rows", "shared-init");

    public ShardSpec {
        if (count < 2) throw new IllegalArgumentException("shards.count must be at least 2, got " + count);
        if (iid && alpha != null) throw new IllegalArgumentException("shards.alpha is for non-IID shards (iid = false) only");
        if (!iid && (alpha == null || !(alpha > 0) || alpha.isInfinite())) {
            throw new IllegalArgumentException("non-IID shards need a positive, finite shards.alpha, got " + alpha);
        }
        if (minRows < 0) throw new IllegalArgumentException("shards.min-rows must be >= 0, got " + minRows);
    }

    /** Shards whose models each have their own initialisation. */
    public ShardSpec(int count, boolean iid, Double alpha, Long seed, int minRows) { this(count, iid, alpha, seed, minRows, false); }

    /** IID shards with the zoo seed. */
    public static ShardSpec iid(int count) { return new ShardSpec(count, true, null, null, DEFAULT_MIN_ROWS); }

    /** Dirichlet(α) shards with the zoo seed. */
    public static ShardSpec dirichlet(int count, double alpha) { return new ShardSpec(count, false, alpha, null, DEFAULT_MIN_ROWS); }

    /** The same shards, every model starting from one initialisation. */
    public ShardSpec withSharedInit() { return new ShardSpec(count, iid, alpha, seed, minRows, true); }

    /**
     * Reads a {@code shards} block found at {@code path} (full paths in errors, e.g.
     * {@code zoo.architectures[2].shards.alpha}).
     */
    public static ShardSpec from(Config block, String path) {
        ConfigKeys.requireOnly(block, path, KEYS);
        try {
            int count = block.getInt("count");
            boolean iid = block.getBoolean("iid");
            Double alpha = block.hasPath("alpha") ? block.getDouble("alpha") : null;
            Long seed = block.hasPath("seed") ? block.getLong("seed") : null;
            int minRows = block.hasPath("min-rows") ? block.getInt("min-rows") : DEFAULT_MIN_ROWS;
            boolean shared = block.hasPath("shared-init") && block.getBoolean("shared-init");
            return new ShardSpec(count, iid, alpha, seed, minRows, shared);
        } catch (ConfigException e) {
            throw new ConfigException.BadValue(block.origin(), path, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(block.origin(), path, e.getMessage());
        }
    }

    /** The partition seed: {@link #seed} or else the zoo's. */
    public long seedOr(long zooSeed) { return seed != null ? seed : zooSeed; }

    /**
     * The scheme, as in ids: {@code iid}, {@code dir0.5}, with {@code -s<seed>} when the seed is set
     * and {@code -shared} when the models share their initialisation.
     */
    public String label() {
        String scheme = iid ? "iid" : "dir" + number(alpha);
        if (seed != null) scheme += "-s" + seed;
        return sharedInit ? scheme + "-shared" : scheme;
    }

    /** For tables: {@code iid 1/4}, {@code dir α=0.5 2/4}; {@code index} counts from 1. */
    public static String describe(boolean iid, Double alpha, int index, int count) {
        return (iid ? "iid " : "dir α=" + number(alpha) + " ") + index + "/" + count;
    }

    /**
     * Cuts {@code rows} (indices into a dataset whose labels are {@code labels}) into this many shards,
     * each sorted ascending. Nothing is modified.
     */
    public int[][] partition(int[] rows, int[] labels, int classCount, long zooSeed) {
        long s = seedOr(zooSeed);
        return iid ? Shards.iid(rows, count, s) : Shards.dirichlet(rows, labels, classCount, count, alpha, minRows, s);
    }

    private static String number(double x) {
        String s = String.format(Locale.ROOT, "%s", x);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }
}
