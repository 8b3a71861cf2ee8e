package org.mal.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.train.Trainer;

class EvaluatorTest {
    @Test
    void theRowsMarkedCorrectAreTheAccuracy() {
        TaskData blobs = Synthetic.gaussianBlobs("blobs", 300, 2500, 12, 3, 4);   // more rows than one batch
        Model m = Trainer.initialWeights(Architecture.mlp(12, List.of(8), 3), 5);
        boolean[] correct = Evaluator.correct(m, blobs.test());
        int n = 0;
        for (boolean c : correct) if (c) n++;
        assertEquals(blobs.test().size(), correct.length);
        assertEquals(Evaluator.evaluate(m, blobs.test()).accuracy(), (double) n / correct.length, 1e-12);
    }

    @Test
    void theRowLossesAverageToTheLoss() {
        TaskData blobs = Synthetic.gaussianBlobs("blobs", 300, 2500, 12, 3, 4);
        Model m = Trainer.initialWeights(Architecture.mlp(12, List.of(8), 3), 5);
        double[] losses = Evaluator.rowLosses(m, blobs.test());
        assertEquals(blobs.test().size(), losses.length);
        double sum = 0;
        for (double l : losses) sum += l;
        assertEquals(Evaluator.evaluate(m, blobs.test()).loss(), sum / losses.length, 1e-12);
    }
}
