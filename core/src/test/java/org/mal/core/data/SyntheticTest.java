package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticTest {

    @Test
    void sameSeedGivesSameContentHash() {
        TaskData a = Synthetic.gaussianBlobs("g", 200, 50, 8, 3, 17);
        TaskData b = Synthetic.gaussianBlobs("other-name", 200, 50, 8, 3, 17);
        assertEquals(a.train().contentHash(), b.train().contentHash());
        assertEquals(a.test().contentHash(), b.test().contentHash());
    }

    @Test
    void differentSeedGivesDifferentContentHash() {
        TaskData a = Synthetic.gaussianBlobs("g", 200, 50, 8, 3, 17);
        TaskData b = Synthetic.gaussianBlobs("g", 200, 50, 8, 3, 18);
        assertNotEquals(a.train().contentHash(), b.train().contentHash());
        assertNotEquals(a.train().contentHash(), a.test().contentHash());
    }

    @Test
    void blobsHaveRequestedShapeNamesAndBalancedClasses() {
        TaskData t = Synthetic.gaussianBlobs("g", 100, 30, 5, 4, 1);
        assertEquals("g", t.name());
        assertEquals("g/train", t.train().name());
        assertEquals("g/test", t.test().name());
        assertEquals(100, t.train().size());
        assertEquals(30, t.test().size());
        assertEquals(5, t.train().featureCount());
        assertArrayEquals(new int[] {25, 25, 25, 25}, t.train().classCounts());
    }

    @Test
    void blobsAreSeparableByNearestTrainMean() {
        TaskData t = Synthetic.gaussianBlobs("g", 1000, 500, 10, 5, 3);
        Dataset train = t.train();
        int f = train.featureCount();
        double[] means = new double[train.classCount() * f];
        int[] counts = train.classCounts();
        for (int r = 0; r < train.size(); r++) {
            for (int j = 0; j < f; j++) means[train.label(r) * f + j] += train.feature(r, j) / counts[train.label(r)];
        }
        int correct = 0;
        Dataset test = t.test();
        for (int r = 0; r < test.size(); r++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int c = 0; c < test.classCount(); c++) {
                double distance = 0;
                for (int j = 0; j < f; j++) distance += Math.pow(test.feature(r, j) - means[c * f + j], 2);
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
            if (best == test.label(r)) correct++;
        }
        assertTrue(correct >= 0.95 * test.size(), "nearest-mean accuracy " + correct + "/" + test.size());
    }

    @Test
    void xorLabelsFollowTheSignsAndAreDeterministic() {
        TaskData t = Synthetic.xorLike("x", 200, 100, 4);
        Dataset d = t.train();
        for (int r = 0; r < d.size(); r++) {
            boolean same = (d.feature(r, 0) >= 0) == (d.feature(r, 1) >= 0);
            assertEquals(same ? 1 : 0, d.label(r));
        }
        assertEquals(d.contentHash(), Synthetic.xorLike("y", 200, 100, 4).train().contentHash());
        assertNotEquals(d.contentHash(), Synthetic.xorLike("x", 200, 100, 5).train().contentHash());
    }
}
