package org.mal.core.zoo;

import java.util.Arrays;
import org.mal.core.data.Dataset;
import org.mal.core.data.Shards;
import org.mal.core.data.Splits;
import org.mal.core.model.ModelCard;

/**
 * The rows of a task's training set that a zoo holds out from all its models
 * ({@code zoo.training.holdout-rows}): no model of the zoo trains or validates on them, so a search
 * can choose moves on them without any zoo model having seen them. Stratified by class and seeded
 * by the zoo seed ({@link Splits#stratified}), hence the same for every model of the zoo on that task.
 */
public final class ZooHoldout {
    private final long seed;
    private final int[] rows;

    /** @param rows indices into the training set; copied and sorted */
    public ZooHoldout(long seed, int[] rows) {
        this.seed = seed;
        this.rows = rows.clone();
        Arrays.sort(this.rows);
    }

    /** The {@code count} held-out rows of {@code train} for zoo seed {@code seed}. {@code train} is not modified. */
    public static ZooHoldout of(Dataset train, int count, long seed) {
        int[] rows = Splits.stratified(train.labels(), train.classCount(), count, seed).selected();
        return new ZooHoldout(seed, rows);
    }

    /**
     * The holdout a card names, drawn again from {@code train} and checked against the card: the
     * training set's hash and the rows' hash must match.
     *
     * @throws IllegalArgumentException when {@code train} is not the card's training set or the draw differs
     */
    public static ZooHoldout of(Dataset train, ModelCard.Holdout card) {
        if (!train.contentHash().equals(card.trainHash())) {
            throw new IllegalArgumentException("the zoo holdout was drawn from training set " + card.trainHash() + ", not from "
                    + train + " (" + train.contentHash() + ")");
        }
        ZooHoldout h = of(train, card.rows(), card.seed());
        if (!Shards.rowsHash(h.rows).equals(card.rowsHash())) {
            throw new IllegalArgumentException("the zoo holdout drawn again (" + card.rows() + " rows, seed " + card.seed()
                    + ") differs from the card's (rows hash " + card.rowsHash() + ")");
        }
        return h;
    }

    /** The rows of a training set of {@code size} rows that the zoo's models may use, ascending. */
    public int[] available(int size) { return Shards.complement(size, rows); }

    /** The held-out rows of {@code train} as a dataset, in ascending row order. */
    public Dataset dataset(Dataset train) { return train.subset(train.name() + "-zoo-holdout", rows); }

    /** What a card says about this holdout of {@code train}. */
    public ModelCard.Holdout card(Dataset train) {
        return new ModelCard.Holdout(seed, rows.length, Shards.rowsHash(rows), dataset(train).contentHash(), train.contentHash());
    }

    /** The zoo seed the rows were drawn with. */
    public long seed() { return seed; }

    /** The held-out rows' indices, ascending (a copy). */
    public int[] rows() { return rows.clone(); }

    public int size() { return rows.length; }
}
