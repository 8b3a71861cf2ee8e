package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.policies.laws.Experience;

class ExperienceLawTest {

    private static Evaluated done(String target, String map, double lambdaStar) {
        return Evaluated.ok(move(target, map), report(lambdaStar, 0.95, Map.of("mnist", 0.9)));
    }

    /** f-same 2:2 (equal shapes, depth-matched, one layer) went well; f-deep 0:3 (deepest into shallowest) went badly. */
    private static PolicyContext withHistory() {
        return new PolicyContext(BASE, zoo(), List.of(done("f-same", "2:2", 0.9), done("f-deep", "0:3", 0.1),
                Evaluated.failed(move("f-deep", "1:3"), "diverged")));
    }

    @Test
    void withoutHistoryItChangesNothing() {
        List<Policy.Proposal> plain = policy("").propose(ctx());
        List<Policy.Proposal> learnt = policy("{ name = experience }").propose(ctx());
        assertEquals(plain.stream().map(Policy.Proposal::move).toList(), learnt.stream().map(Policy.Proposal::move).toList());
    }

    @Test
    void movesLikeTheOnesThatWorkedComeFirstAndEvaluatedOnesAreNotRepeated() {
        List<Policy.Proposal> ps = policy("{ name = experience, exploration = 0, optimism = 0 }").propose(withHistory());
        assertNull(find(ps, "f-same", "2:2"), "already evaluated");
        assertNull(find(ps, "f-deep", "0:3"), "already evaluated");
        assertEquals(Experience.arm(ctx().features(move("f-same", "2:2"))), Experience.arm(ps.get(0).features()));
        assertEquals(0.9, find(ps, "f-same", "1:1").score(), 1e-12);   // same arm as the good move
        assertEquals(0.1, find(ps, "f-narrow", "0:1").score(), 1e-12); // same arm as the bad one: deepest into shallowest
        assertEquals(0.0, find(ps, "f-deep", "0:0").score(), 1e-12);   // an arm never tried, no optimism
    }

    @Test
    void untriedArmsAreExploredBeforeKnownPoorOnes() {
        List<Policy.Proposal> ps = policy("{ name = experience }").propose(withHistory());
        assertTrue(find(ps, "m-strong", "0:0").score() > find(ps, "f-narrow", "0:1").score());
        assertTrue(find(ps, "f-deep", "1:3") == null, "a failed evaluation is history too");
    }

    @Test
    void theAdditiveModelCarriesWhatItLearnedAboutATargetToItsOtherMaps() {
        Policy additive = policy("{ name = experience, model = additive, exploration = 0 }");
        List<Policy.Proposal> before = additive.propose(withHistory());
        List<Evaluated> more = new java.util.ArrayList<>(withHistory().history());
        more.add(done("f-same", "1:1", 1.0));
        more.add(done("f-same", "1:0", 1.0));
        List<Policy.Proposal> after = additive.propose(new PolicyContext(BASE, zoo(), more));
        // two more good results with f-same raise an untried map of f-same, and lower one of another target
        assertTrue(find(after, "f-same", "0:0").score() > find(before, "f-same", "0:0").score());
        assertTrue(find(after, "f-narrow", "0:0").score() < find(after, "f-same", "0:0").score());
        var bad = org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
                () -> policy("{ name = experience, model = forest }"));
        assertTrue(bad.getMessage().contains("model"), bad.getMessage());
    }
}
