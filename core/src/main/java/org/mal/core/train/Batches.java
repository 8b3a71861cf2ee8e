package org.mal.core.train;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.mal.core.data.Dataset;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Minibatches of a dataset in an order reshuffled every epoch (Fisher–Yates) from a seeded random
 * source, so that the same seed gives the same batches on every machine. The last batch of an epoch
 * may be smaller. Batches are materialised lazily, one at a time.
 */
final class Batches implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final Dataset data;
    private final int batchSize;
    private final SplittableRandom random;
    private final int[] order;
    private int cursor;

    Batches(Dataset data, int batchSize, long seed) {
        this.data = data;
        this.batchSize = batchSize;
        this.random = new SplittableRandom(seed);
        this.order = new int[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        shuffle();
    }

    int batchesPerEpoch() { return (data.size() + batchSize - 1) / batchSize; }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        cursor = 0;
    }

    @Override public boolean hasNext() { return cursor < order.length; }

    @Override public DataSet next() { return next(batchSize); }

    @Override
    public DataSet next(int num) {
        int[] rows = nextRows(num);
        return new DataSet(data.features(rows), data.oneHot(rows));
    }

    /** The rows of the next batch, as indices into the dataset. */
    int[] nextRows() { return nextRows(batchSize); }

    private int[] nextRows(int num) {
        if (!hasNext()) throw new NoSuchElementException("epoch exhausted");
        int to = Math.min(order.length, cursor + num);
        int[] rows = java.util.Arrays.copyOfRange(order, cursor, to);
        cursor = to;
        return rows;
    }

    /** Starts the next epoch with a fresh shuffle. */
    @Override public void reset() { shuffle(); }

    @Override public int inputColumns() { return data.featureCount(); }
    @Override public int totalOutcomes() { return data.classCount(); }
    @Override public boolean resetSupported() { return true; }
    @Override public boolean asyncSupported() { return false; }
    @Override public int batch() { return batchSize; }
    @Override public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException("Batches takes no preprocessor: transform the Dataset instead");
    }
    @Override public DataSetPreProcessor getPreProcessor() { return null; }
    @Override public List<String> getLabels() { return null; }
}
