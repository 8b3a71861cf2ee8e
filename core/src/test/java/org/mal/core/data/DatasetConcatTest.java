package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetConcatTest {
    @Test
    void rowsOfTheFirstThenOfTheSecond() {
        Dataset a = new Dataset("a", 2, 3, new float[] {1, 2, 3, 4}, new int[] {0, 1});
        Dataset b = new Dataset("b", 2, 3, new float[] {5, 6}, new int[] {2});
        Dataset c = Dataset.concat("ab", a, b);
        assertEquals(3, c.size());
        assertEquals(2, c.label(2));
        assertEquals(6f, c.feature(2, 1));
        assertEquals(3f, c.feature(1, 0));
        assertEquals(4, a.features(0, 2).length(), "the parts are not changed");
        assertThrows(IllegalArgumentException.class, () -> Dataset.concat("x", a, new Dataset("w", 3, 3, new float[3], new int[1])));
    }
}
