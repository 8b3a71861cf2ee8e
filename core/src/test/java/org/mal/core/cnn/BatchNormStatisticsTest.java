package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class BatchNormStatisticsTest {

    @Test
    void oneBatchGivesTheChannelMeanAndUnbiasedVarianceOfTheBatchNormsInput() {
        CnnModel model = CnnTestNets.random(CnnTestNets.plain(3, 4, 5, 6), 1, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(5, 2, DataType.DOUBLE);
        CnnModel reset = BatchNormStatistics.reset(model, x, 100);
        INDArray conv = model.layerOutput(0, x.reshape('c', 5, 1, 28, 28));     // the first batch norm's input
        double[] v = conv.dup('c').data().asDouble();
        int per = 28 * 28;
        for (int c = 0; c < 3; c++) {
            double sum = 0, sq = 0;
            int n = 0;
            for (int r = 0; r < 5; r++) for (int k = 0; k < per; k++) { double e = v[(r * 3 + c) * per + k]; sum += e; sq += e * e; n++; }
            double mean = sum / n;
            assertEquals(mean, reset.params().get("1.running_mean").getDouble(c), 1e-12);
            assertEquals((sq - n * mean * mean) / (n - 1), reset.params().get("1.running_var").getDouble(c), 1e-10);
        }
        assertSame(model.params().get("0.weight"), reset.params().get("0.weight"));
        assertSame(model.params().get("1.num_batches_tracked"), reset.params().get("1.num_batches_tracked"));
    }

    @Test
    void batchesAreAveragedAndTheLaterBatchNormSeesTrainModeActivations() {
        CnnModel model = CnnTestNets.random(CnnTestNets.plain(3, 4, 5, 6), 1, DataType.DOUBLE);
        INDArray x = CnnTestNets.images(6, 3, DataType.DOUBLE);
        CnnModel whole = BatchNormStatistics.reset(model, x, 6);
        CnnModel halves = BatchNormStatistics.reset(model, x, 3);
        CnnModel first = BatchNormStatistics.reset(model, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)), 3);
        CnnModel second = BatchNormStatistics.reset(model, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 6)), 3);
        for (String t : new String[] {"1.running_mean", "5.running_mean", "5.running_var"}) {
            INDArray avg = first.params().get(t).add(second.params().get(t)).muli(0.5);
            assertTrue(CnnTestNets.maxAbsDiff(avg, halves.params().get(t)) <= 1e-12, t);
        }
        // for the first batch norm (its input does not depend on earlier statistics) two equal batches average to the whole
        assertTrue(CnnTestNets.maxAbsDiff(whole.params().get("1.running_mean"), halves.params().get("1.running_mean")) <= 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchNormStatistics.reset(model, x, 1));
        assertEquals("batch size must be at least 2 to measure a variance, got 1", e.getMessage());
    }
}
