package org.mal.core.cnn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Recomputes every batch norm's running statistics from data, as PyTorch does with
 * {@code momentum=None} after {@code reset_running_stats()} and one pass in train mode (REPAIR's and
 * ZipIt's {@code reset_bn_stats}): the rows go through the network in batches; each batch norm
 * normalises with the batch's own per-channel mean and biased variance (train mode), and its new
 * running mean and running variance are the plain averages over batches of the batch means and of
 * the unbiased batch variances ({@code n/(n−1)} times the biased one, {@code n} = batch × h × w).
 *
 * <p>This is how MAL gives a CNN eval-mode statistics after training (the training graph does not
 * update buffers) and is the statistics reset that a merge of batch-norm networks needs (the
 * interpolated running statistics do not describe the merged network's activations).
 */
public final class BatchNormStatistics {
    private BatchNormStatistics() {}

    /**
     * The model with each batch norm's {@code running_mean} and {@code running_var} measured on
     * {@code images} ({@code [rows, c·h·w]} or NCHW) in batches of {@code batchSize} in row order
     * (the last batch may be smaller; a batch of one row is left out when there are others, as its
     * unbiased variance is undefined). Other tensors, and {@code num_batches_tracked}, are the
     * model's. Neither argument is modified.
     */
    public static CnnModel reset(CnnModel model, INDArray images, int batchSize) {
        if (batchSize < 2) throw new IllegalArgumentException("batch size must be at least 2 to measure a variance, got " + batchSize);
        long rows = images.size(0);
        if (rows < 2) throw new IllegalArgumentException("statistics need at least 2 rows, got " + rows);
        DataType type = model.floatType();
        Map<String, INDArray> meanSums = new LinkedHashMap<>();
        Map<String, INDArray> varSums = new LinkedHashMap<>();
        int batches = 0;
        for (long from = 0; from < rows; from += batchSize) {
            long to = Math.min(rows, from + batchSize);
            if (to - from < 2) continue;
            batches++;
            model.logitsTrainMode(images.get(NDArrayIndex.interval(from, to)), (prefix, mean, variance) -> {
                meanSums.merge(prefix, mean.castTo(DataType.DOUBLE), INDArray::addi);
                varSums.merge(prefix, variance.castTo(DataType.DOUBLE), INDArray::addi);
            });
        }
        Map<String, INDArray> params = new LinkedHashMap<>(model.params());
        for (String prefix : meanSums.keySet()) {
            params.put(prefix + "running_mean", meanSums.get(prefix).divi(batches).castTo(type));
            params.put(prefix + "running_var", varSums.get(prefix).divi(batches).castTo(type));
        }
        return new CnnModel(model.architecture(), params);
    }
}
