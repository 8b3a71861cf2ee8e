package org.mal.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MedianAndSha256Test {
    @Test
    void theMedianIsTheMiddleOrTheMeanOfTheTwoMiddleValues() {
        assertEquals(2.0, Median.of(3, 1, 2));
        assertEquals(2.5, Median.of(List.of(4, 1, 3, 2)));
        assertEquals(7.0, Median.of(7));
        assertThrows(IllegalArgumentException.class, Median::of);
    }

    @Test
    void sha256MatchesTheStandardsTestVector() {
        // FIPS 180-2, appendix B.1
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.hex("abc"));
    }
}
