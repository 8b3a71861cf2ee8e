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

    /** Issue 18: accept only a gain more than chance on the same rows (McNemar's exact test), scored by the accuracy gained. */
    @Test
    void gainAcceptsOnlyAPairedGainBeyondChance() {
        Objective o = policy("", "{ name = gain }").objective();
        assertEquals("gain", o.name());
        Evaluated clear = Evaluated.ok(M, report(0.4, 0.95, Map.of("mnist", 0.96))).withPaired(new Evaluated.Paired(10, 35, 1000));
        Evaluated chance = Evaluated.ok(M, report(0.4, 0.95, Map.of("mnist", 0.96))).withPaired(new Evaluated.Paired(20, 30, 1000));
        Evaluated loses = Evaluated.ok(M, report(0.4, 0.95, Map.of("mnist", 0.96))).withPaired(new Evaluated.Paired(30, 20, 1000));
        Evaluated keepsNothing = Evaluated.ok(M, report(0.0, 0.95, Map.of("mnist", 0.95))).withPaired(new Evaluated.Paired(0, 0, 1000));
        assertEquals(0.025, o.score(clear), 1e-12);
        assertTrue(o.accepts(clear), "25 net rows of 45 discordant: p = " + clear.paired().p());
        assertTrue(chance.paired().p() > 0.05);
        assertFalse(o.accepts(chance));
        assertFalse(o.accepts(loses));
        assertEquals(-0.01, o.score(loses), 1e-12);
        assertFalse(o.accepts(keepsNothing));
        assertFalse(o.accepts(Evaluated.ok(M, report(0.4, 0.95, Map.of("mnist", 0.96)))), "no paired counts (an old journal): never accepted");
        assertEquals(Double.NEGATIVE_INFINITY, o.score(Evaluated.failed(M, "x")));
        Objective rows = policy("", "{ name = gain, test = rows, min-rows = 10 }").objective();
        assertTrue(rows.accepts(chance), "10 more rows right than wrong");
        assertFalse(rows.accepts(clear.withPaired(new Evaluated.Paired(20, 29, 1000))));
        var e = assertThrows(RuntimeException.class, () -> policy("", "{ name = gain, test = bootstrap }"));
        assertTrue(e.getMessage().contains("test"), e.getMessage());
    }

    @Test
    void anEvaluationHasEitherAReportOrAFailure() {
        assertThrows(IllegalArgumentException.class, () -> new Evaluated(M, null, null));
        assertThrows(IllegalArgumentException.class, () -> new Evaluated(M, report(0.5, 0.9, Map.of("mnist", 0.9)), "both"));
    }
}
