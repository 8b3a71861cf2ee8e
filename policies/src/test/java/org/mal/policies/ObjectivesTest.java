package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectivesTest {

    private static final Move M = move("f-deep", "0:0");

    @Test
    void retentionScoresLambdaStarAndAcceptsAnyPositiveOne() {
        Objective o = policy("", "{ name = retention }").objective();
        assertEquals("retention", o.name());
        Evaluated good = Evaluated.ok(M, report(0.75, 0.95, Map.of("mnist", 0.94)));
        Evaluated zero = Evaluated.ok(M, report(0.0, 0.95, Map.of("mnist", 0.95)));
        assertEquals(0.75, o.score(good));
        assertTrue(o.accepts(good));
        assertFalse(o.accepts(zero));
        Evaluated failed = Evaluated.failed(M, "alignment diverged");
        assertEquals(Double.NEGATIVE_INFINITY, o.score(failed));
        assertFalse(o.accepts(failed));
        assertFalse(policy("", "{ name = retention, min-lambda = 0.8 }").objective().accepts(good));
    }

    @Test
    void multitaskAveragesAccuraciesUnderABaseRetentionConstraint() {
        Objective o = policy("", "{ name = multitask, max-base-accuracy-drop = 0.02 }").objective();
        Evaluated keeps = Evaluated.ok(M, report(0.5, 0.95, Map.of("mnist", 0.94, "fashion", 0.60)));
        Evaluated forgets = Evaluated.ok(M, report(0.9, 0.95, Map.of("mnist", 0.80, "fashion", 0.85)));
        assertEquals(0.77, o.score(keeps), 1e-12);
        assertTrue(o.accepts(keeps));
        assertEquals(0.825, o.score(forgets), 1e-12);
        assertFalse(o.accepts(forgets), "base accuracy fell by 0.15 > 0.02");
        assertFalse(o.accepts(Evaluated.failed(M, "x")));
    }

    @Test
    void anEvaluationHasEitherAReportOrAFailure() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluated(M, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Evaluated(M, report(0.5, 0.9, Map.of("mnist", 0.9)), "both"));
    }
}
