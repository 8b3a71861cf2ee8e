package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;
import static org.mal.policies.MoveFeatures.ShapeRelation.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LayerMap;
import org.mal.core.model.ModelCard;

class MoveFeaturesTest {

    private static MoveFeatures f(ModelCard target, String map) { return MoveFeatures.of(BASE, target, LayerMap.parse(map)); }

    @Test
    void classifiesEveryShapeRelationInThePartialOrder() {
        assertEquals(EQUAL, f(M_WEAK, "1:1").layers().get(0).shape());
        assertEquals(WIDER, f(M_STRONG, "1:1").layers().get(0).shape());      // [64,128] vs [32,64]
        assertEquals(NARROWER, f(F_NARROW, "0:0").layers().get(0).shape());   // [16,784] vs [64,784]
        ModelCard swapped = card("swapped", "mnist", 0.9, 32, 64);
        assertEquals(INCOMPATIBLE, f(swapped, "1:1").layers().get(0).shape()); // [64,32] vs [32,64]
    }

    @Test
    void relativeDepthsWidthRatioAndDatasetFlag() {
        MoveFeatures x = f(F_DEEP, "1:2");
        MoveFeatures.LayerFeature l = x.layers().get(0);
        assertEquals(0.5, l.baseDepth(), 1e-12);
        assertEquals(2.0 / 3, l.targetDepth(), 1e-12);
        assertEquals(2.0 / 3 - 0.5, l.deepToShallow(), 1e-12);
        assertEquals(64.0 / 32, l.widthRatio(), 1e-12);
        assertFalse(x.sameDataset());
        assertTrue(f(M_STRONG, "0:0").sameDataset());
    }

    @Test
    void orderPreservationLooksAtTargetLayersInBaseOrder() {
        assertTrue(f(F_DEEP, "2:3,0:0,1:2").preservesOrder());
        assertFalse(f(F_DEEP, "0:1,1:0").preservesOrder());
        assertEquals(List.of(0, 1, 2), f(F_DEEP, "2:3,0:0,1:2").layers().stream().map(MoveFeatures.LayerFeature::base).toList());
    }

    @Test
    void rejectsLayersTheModelsDoNotHave() {
        assertThrows(IllegalArgumentException.class, () -> f(F_NARROW, "0:2"));
    }
}
