package org.mal.core.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeFamilyTest {
    private static final List<Integer> WIDTHS = List.of(16, 32, 64, 128);

    @Test
    void familiesFollowTheirShape() {
        assertEquals(List.of(List.of(16, 16, 16), List.of(32, 32, 32), List.of(64, 64, 64), List.of(128, 128, 128)),
                ShapeFamily.EQUAL.shapes(3, WIDTHS));
        assertEquals(List.of(List.of(128, 16)), ShapeFamily.WIDE_TO_NARROW.shapes(2, WIDTHS));
        assertEquals(List.of(List.of(16, 32, 64, 128)), ShapeFamily.NARROW_TO_WIDE.shapes(4, WIDTHS));
        assertEquals(List.of(List.of(16, 128, 16)), ShapeFamily.PYRAMID.shapes(3, WIDTHS));
        assertEquals(List.of(List.of(16, 32, 64, 64, 32, 16)), ShapeFamily.PYRAMID.shapes(6, WIDTHS));
        assertEquals(List.of(List.of(128, 64, 32, 32, 64, 128)), ShapeFamily.INVERSE_PYRAMID.shapes(6, WIDTHS));
        assertTrue(ShapeFamily.PYRAMID.shapes(2, WIDTHS).isEmpty(), "a pyramid needs three layers");
    }

    @Test
    void everyWidthComesFromTheAllowedSet() {
        for (ShapeFamily f : ShapeFamily.values()) {
            for (int depth = 1; depth <= 8; depth++) {
                for (List<Integer> shape : f.shapes(depth, WIDTHS)) {
                    assertEquals(depth, shape.size());
                    assertTrue(WIDTHS.containsAll(shape), f + " " + shape);
                }
            }
        }
    }

    @Test
    void parsesLabelsAndNamesTheChoices() {
        assertEquals(ShapeFamily.INVERSE_PYRAMID, ShapeFamily.parse("inverse-pyramid"));
        var e = assertThrows(IllegalArgumentException.class, () -> ShapeFamily.parse("diamond"));
        assertTrue(e.getMessage().contains("wide-to-narrow"), e.getMessage());
    }
}
