package org.mal.core.zoo;

import java.util.Arrays;
import org.mal.core.data.Dataset;
import org.mal.core.data.Shards;
import org.mal.core.data.Splits;
import org.mal.core.model.ModelCard;

/**
 * The rows of a task's training set that a {@link ZooBuilder}-trained model's card says it used,
 * drawn again from the card and checked against its hashes: its pool (the training set, minus the
 * zoo holdout, cut to its shard) and the validation part of that pool it chose its learning rate on.
 * A search that must not select on rows a model saw reads them here rather than re-deriving the
 * zoo's scheme. Row numbers are indices into the task's training set.
 */
public final class CardRows {
    private CardRows() {}

    /**
     * The rows the model trained and validated on, ascending. {@code train} is the task's whole
     * training set and is not modified.
     *
     * @throws IllegalArgumentException when {@code train} or the rows drawn again do not match the card
     */
    public static int[] pool(Dataset train, ModelCard card) {
        ModelCard.Holdout h = card.holdout();
        int[] available = h == null ? Shards.complement(train.size(), new int[0]) : ZooHoldout.of(train, h).available(train.size());
        ModelCard.Shard s = card.shard();
        if (s == null) return available;
        ShardSpec spec = new ShardSpec(s.count(), s.iid(), s.alpha(), s.seed(), s.minRows());
        int[] rows = spec.partition(available, train.labels(), train.classCount(), s.seed())[s.index() - 1];
        if (!Shards.rowsHash(rows).equals(s.rowsHash())) {
            throw new IllegalArgumentException("card " + card.id() + ": shard " + s.index() + "/" + s.count() + " drawn again from " + train
                    + " is not the card's (rows hash " + s.rowsHash() + ")");
        }
        return rows;
    }

    /**
     * The model's validation rows (in the order of its split), after checking that the rest of its
     * pool is the set it was fitted on ({@code card.dataset().trainHash()}). {@code train} is not modified.
     *
     * @throws IllegalArgumentException when the card lacks the recipe's validation fraction or seed,
     *     or the rows drawn again do not match the card
     */
    public static int[] validation(Dataset train, ModelCard card) { return validation(train, card, null); }

    /**
     * The same for a model of a zoo that trained every model of a task on a stratified sample of
     * {@code N} rows of its pool ({@code zoo.training.rows}; the card's fit set is then named
     * {@code <train>-<N>-fit}): that sample is drawn again with {@code sampleSeed} (the zoo's
     * {@code training.seed}, which such cards do not record) before the validation split. A wrong
     * seed fails the fit-set hash check like any other mismatch.
     *
     * @param sampleSeed null: the card's pool is used as it is, and a sampled card is an error saying the seed is needed
     */
    public static int[] validation(Dataset train, ModelCard card, Long sampleSeed) {
        if (card.recipe() == null || card.recipe().validationFraction() == null || card.dataset() == null) {
            throw new IllegalArgumentException("card " + card.id() + " does not say how its validation rows were drawn");
        }
        int[] pool = pool(train, card);
        int sampled = sampleSize(train, card);
        if (sampled > 0 && sampled < pool.length) {
            if (sampleSeed == null) {
                throw new IllegalArgumentException("card " + card.id() + " was fitted on a " + sampled + "-row sample of " + train.name()
                        + " (zoo.training.rows) whose seed the card does not record; set search.evaluation.sample-seed to the zoo's training.seed");
            }
            Dataset p = train.subset(train.name() + "-pool", pool);
            int[] chosen = Splits.stratified(p.labels(), p.classCount(), sampled, sampleSeed).selected();
            int[] rows = new int[chosen.length];
            for (int i = 0; i < rows.length; i++) rows[i] = pool[chosen[i]];
            pool = rows;
        }
        Dataset d = train.subset(train.name() + "-pool", pool);
        int held = (int) Math.round(card.recipe().validationFraction() * d.size());
        Splits.Partition p = Splits.stratified(d.labels(), d.classCount(), held, card.recipe().seed());
        // Splits.split names the rest the fit part; its content hash is what the card recorded
        if (!d.subset("fit", p.rest()).contentHash().equals(card.dataset().trainHash())) {
            throw new IllegalArgumentException("card " + card.id() + ": the fit rows drawn again from " + train
                    + " do not hash to the card's " + card.dataset().trainHash());
        }
        int[] out = new int[p.selected().length];
        for (int i = 0; i < out.length; i++) out[i] = pool[p.selected()[i]];
        return out;
    }

    /** {@code N} when the card's fit set is named {@code <train>-<N>-fit} (a sampled pool of the whole training set), else 0. */
    static int sampleSize(Dataset train, ModelCard card) {
        String name = card.dataset().trainName();
        String prefix = train.name() + "-";
        if (name == null || card.shard() != null || card.holdout() != null || !name.startsWith(prefix) || !name.endsWith("-fit")
                || name.length() <= prefix.length() + "-fit".length()) return 0;
        String n = name.substring(prefix.length(), name.length() - "-fit".length());
        return n.matches("[1-9][0-9]{0,8}") ? Integer.parseInt(n) : 0;
    }

    /** Whether the two sets of rows share none. Neither is modified. */
    public static boolean disjoint(int[] a, int[] b) {
        int[] sorted = b.clone();
        Arrays.sort(sorted);
        for (int r : a) if (Arrays.binarySearch(sorted, r) >= 0) return false;
        return true;
    }
}
