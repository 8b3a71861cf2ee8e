package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The memoised feature products against plain products: same values (up to rounding), rows reused by content. */
class FeatureProductsTest {
    private static Dataset data() {
        return Synthetic.gaussianBlobs("fp", 10, 300, 40, 5, 3).test();
    }

    private static INDArray weights(int out, int in, long seed) {
        Random r = new Random(seed);
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return Nd4j.create(w, new long[] {out, in}, DataType.FLOAT);
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] e = expected.dup('c').data().asFloat();
        float[] a = actual.dup('c').data().asFloat();
        for (int i = 0; i < e.length; i++) assertEquals(e[i], a[i], 1e-5 * Math.max(1, Math.abs(e[i])), "entry " + i);
    }

    @Test
    void equalsThePlainProductAndReusesRowsByContent() {
        Dataset d = data();
        FeatureProducts p = d.featureProducts();
        INDArray x = d.sharedFeatures();
        INDArray w = weights(12, d.featureCount(), 1);
        assertClose(Nd4j.gemm(x, w, false, true), p.times(w));
        assertArrayEquals(new long[] {12, 0}, p.counts());

        // the same rows permuted, one duplicated, one zero (padding) and two new ones
        INDArray v = Nd4j.create(DataType.FLOAT, 6, d.featureCount());
        v.putRow(0, w.getRow(7));
        v.putRow(1, w.getRow(2));
        v.putRow(2, w.getRow(7));
        v.putRow(4, weights(1, d.featureCount(), 2).getRow(0));
        v.putRow(5, weights(1, d.featureCount(), 3).getRow(0));
        INDArray pv = p.times(v);
        assertClose(Nd4j.gemm(x, v, false, true), pv);
        assertArrayEquals(new long[] {12 + 3, 3}, p.counts(), "7 and 2 (twice) reused; zero row and two new rows multiplied once each");
        // a column read from memory is the very column of the first product
        INDArray pw = p.times(w);
        assertArrayEquals(column(pw, 7), column(pv, 0));
        assertArrayEquals(column(pw, 2), column(pv, 1));
        for (int r = 0; r < d.size(); r++) assertEquals(0f, pv.getFloat(r, 3));
    }

    private static float[] column(INDArray m, int c) {
        return m.getColumn(c).dup().data().asFloat();
    }

    @Test
    void theResultIsTheCallersOwn() {
        Dataset d = data();
        INDArray w = weights(4, d.featureCount(), 4);
        INDArray first = d.featureProducts().times(w);
        first.addi(100);
        assertClose(Nd4j.gemm(d.sharedFeatures(), w, false, true), d.featureProducts().times(w));
        assertTrue(d.featureProducts() == d.featureProducts(), "one cache per dataset");
    }

    @Test
    void refusesOtherShapesAndTypes() {
        Dataset d = data();
        assertThrows(IllegalArgumentException.class, () -> d.featureProducts().times(weights(3, d.featureCount() + 1, 5)));
        assertThrows(IllegalArgumentException.class, () -> d.featureProducts().times(weights(3, d.featureCount(), 5).castTo(DataType.DOUBLE)));
    }
}
