package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.train.Trainer;

class PositionsTest {
    private static ModelCard card(String id, Model m) {
        return new ModelCard(id, m.architecture(), "custom", new ModelCard.DatasetRef("blobs", "tr", "a", "te", "b"), null, null, null, null,
                null, m.contentHash());
    }

    /** Every cell is the mean over the pairs of different depth that have both layers; same-depth pairs are left out. */
    @Test
    void eachCellAveragesTheSingleLayerMergesOfPairsOfDifferentDepth() throws Exception {
        TaskData blobs = Synthetic.gaussianBlobs("blobs", 200, 120, 12, 3, 7);
        Model a = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 6), 3), 1);          // 2 hidden layers
        Model b = Trainer.initialWeights(Architecture.mlp(12, List.of(10, 8, 4), 3), 2);      // 3
        Model c = Trainer.initialWeights(Architecture.mlp(12, List.of(6, 6), 3), 3);          // 2, same depth as a
        Map<String, Model> models = new HashMap<>(Map.of("a", a, "b", b, "c", c));
        List<ModelCard> cards = List.of(card("a", a), card("b", b), card("c", c));
        double[] lambdas = Lmc.grid(5);
        Dataset test = blobs.test();
        Positions.Grid g = Positions.of("blobs", "blobs", cards, models, t -> test, lambdas, 10, 1, 2);
        assertEquals(4, g.pairs(), "a<-b, b<-a, b<-c, c<-b; never a<->c (same depth)");
        assertEquals(3, g.maxDepth());
        // cell (0, 2): only the pairs whose target has a layer 2 and base a layer 0: a<-b and c<-b
        Positions.Cell cell = g.cell(0, 2);
        assertEquals(2, cell.pairs());
        double expected = (ZooExperiment.evaluate(a, b, LayerMap.parse("0:2"), test, lambdas, 0.05).aucRatio()
                + ZooExperiment.evaluate(c, b, LayerMap.parse("0:2"), test, lambdas, 0.05).aucRatio()) / 2;
        assertEquals(expected, cell.meanAucRatio(), 1e-12);
        assertEquals(4, g.cell(1, 1).pairs(), "every pair has hidden layer 1 on both sides");
        assertNull(g.cell(2, 2), "no base of depth 3 has a target of depth 3 here");
        assertEquals(lambdas.length, cell.meanAlignedLoss().length);
        assertEquals(cell.meanAlignedLoss()[0], cell.meanNaiveLoss()[0], 1e-9, "λ = 0 is the base for both");

        Positions.Grid sampled = Positions.of("blobs", "blobs", cards, models, t -> test, lambdas, 2, 1, 1);
        assertEquals(2, sampled.pairs(), "at most maxPairs pairs");
        assertTrue(Positions.of("blobs", "other", cards, models, t -> test, lambdas, 10, 1, 1).cells().isEmpty());
        Positions.Grid oneThread = Positions.of("blobs", "blobs", cards, models, t -> test, lambdas, 10, 1, 1);
        for (Positions.Cell c1 : oneThread.cells()) {
            assertEquals(c1.meanAucRatio(), g.cell(c1.baseLayer(), c1.targetLayer()).meanAucRatio(), 0.0, "the same sums whatever the threads");
        }
    }
}
