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
        List<Policy.Proposal> ps = policy("{ name = experience, model = arm, exploration = 0, optimism = 0 }").propose(withHistory());
        assertNull(find(ps, "f-same", "2:2"), "already evaluated");
        assertNull(find(ps, "f-deep", "0:3"), "already evaluated");
        assertEquals(Experience.arm(ctx().features(move("f-same", "2:2"))), Experience.arm(ps.get(0).features()));
        assertEquals(0.9, find(ps, "f-same", "1:1").score(), 1e-12);   // same arm as the good move
        assertEquals(0.1, find(ps, "f-narrow", "0:1").score(), 1e-12); // same arm as the bad one: deepest into shallowest
        assertEquals(0.0, find(ps, "f-deep", "0:0").score(), 1e-12);   // an arm never tried, no optimism
    }

    @Test
    void untriedArmsAreExploredBeforeKnownPoorOnes() {
        List<Policy.Proposal> ps = policy("{ name = experience, model = arm, exploration = 0.5 }").propose(withHistory());
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

    @Test
    void theRidgeModelCarriesWhatItLearnedAboutATargetAndAMapToUntriedMoves() {
        Policy ridge = policy("{ name = experience, model = ridge, exploration = 0, prior-weight = 1.0 }");
        List<Evaluated> h = List.of(done("f-same", "1:1", 0.8), done("f-same", "0:0", 0.7), done("m-strong", "0:0", 0.3),
                done("f-narrow", "0:0", 0.2), done("m-strong", "1:1", 0.4));
        List<Policy.Proposal> ps = ridge.propose(new PolicyContext(BASE, zoo(), h));
        assertNull(find(ps, "f-same", "1:1"), "already evaluated");
        // f-same did well with both maps it was tried with: its untried map ranks above another target's
        assertTrue(find(ps, "f-same", "1:0").score() > find(ps, "m-strong", "1:0").score());
        // 1:1 did better than 0:0 on the targets tried with both: for f-deep, never tried, 1:1 ranks above 0:0
        assertTrue(find(ps, "f-deep", "1:1").score() > find(ps, "f-deep", "0:0").score());
        assertEquals(ps.get(0).move().target(), "f-same", "the best-valued target leads: " + ps.get(0).move());
    }

    @Test
    void ridgeSeedsBreakTiesReproduciblyAndZeroKeepsTheCanonicalOrder() {
        List<String> canonical = policy("{ name = experience, model = ridge }").propose(ctx()).stream().map(p -> p.move().canonical()).toList();
        List<String> plain = policy("").propose(ctx()).stream().map(p -> p.move().canonical()).toList();
        assertEquals(plain, canonical, "without history and without a seed every move ties: canonical order");
        List<String> seed1 = policy("{ name = experience, model = ridge, seed = 1 }").propose(ctx()).stream().map(p -> p.move().canonical()).toList();
        List<String> again = policy("{ name = experience, model = ridge, seed = 1 }").propose(ctx()).stream().map(p -> p.move().canonical()).toList();
        List<String> seed2 = policy("{ name = experience, model = ridge, seed = 2 }").propose(ctx()).stream().map(p -> p.move().canonical()).toList();
        assertEquals(seed1, again);
        assertNotEquals(seed1, seed2);
        assertNotEquals(canonical, seed1);
        assertEquals(new java.util.HashSet<>(canonical), new java.util.HashSet<>(seed1), "the same moves, in another order");
    }

    @Test
    void ridgeSettingsAreChecked() {
        var e = assertThrows(com.typesafe.config.ConfigException.class,
                () -> policy("{ name = experience, model = ridge, features = [target, colour] }"));
        assertTrue(e.getMessage().contains("colour") && e.getMessage().contains("features"), e.getMessage());
        e = assertThrows(com.typesafe.config.ConfigException.class, () -> policy("{ name = experience, model = ridge, features = [] }"));
        assertTrue(e.getMessage().contains("features"), e.getMessage());
        for (String f : Experience.FEATURES) {
            Policy p = policy("{ name = experience, model = ridge, exploration = 0.3, features = [" + f + "] }");
            assertFalse(p.propose(withHistory()).isEmpty(), f);
        }
    }

    @Test
    void pastEvaluationsAreDescribedAgainstTheirOwnBase() {
        // an evaluation made with another zoo model as the base: its features use that base's card
        Move other = new Move("f-deep", "f-same", "0:0", "weight-matching", new java.util.TreeMap<>(), "convex", new java.util.TreeMap<>(),
                "fixed", new java.util.TreeMap<>(Map.of("value", 0.5)));
        PolicyContext c = ctx();
        assertTrue(c.featuresOf(other).sameDataset(), "f-deep and f-same are both fashion models");
        assertEquals(4, c.featuresOf(other).baseDepth());
        assertFalse(c.features(other).sameDataset(), "against the context's base (mnist) it would read as cross-dataset");
        // a base the zoo does not know (a search's assembly) is described by the context's base
        Move assembly = new Move("assembly-3", "f-same", "0:0", "weight-matching", new java.util.TreeMap<>(), "convex",
                new java.util.TreeMap<>(), "fixed", new java.util.TreeMap<>(Map.of("value", 0.5)));
        assertEquals(c.features(assembly), c.featuresOf(assembly));
    }

    @Test
    void ridgeFeaturesNameWhatTheyRead() {
        Experience all = new Experience("lambda-star", 0, 1, true, "ridge", 1.0, Experience.FEATURES, 0);
        Move m = move("f-deep", "0:1,1:3");
        assertEquals(List.of("dataset-pair:cross", "shapes:" + Experience.arm(ctx().features(m)).split("/")[1], "depth-gap:0.5",
                "direction:deep-to-shallow", "extent:some", "base-layers:0,1", "target-layers:1,3", "layer-map:0:1,1:3",
                "target:f-deep", "target-architecture:" + F_DEEP.architecture().layers().stream().map(l -> l.inputSize() + ">" + l.outputSize())
                        .collect(java.util.stream.Collectors.joining(",")), "target-dataset:fashion",
                // issue 21's features, for dense layers: output widths 128/64 and 10/32 (geometric mean 0.79, on the half-log2 grid 2^-1/2 ≈ 0.71), no maps
                "channel-ratio:x0.71", "spatial:1<-1,1<-1", "layer-kind:dense,dense"),
                all.ridgeFeatures(m, ctx().features(m), ctx()));
    }

    @Test
    void theRidgeLawRefitsWhenTheZooChangesUnderTheSameHistory() {
        Policy ridge = policy("{ name = experience, model = ridge, exploration = 0, features = [target-dataset, layer-map] }");
        List<Evaluated> h = List.of(done("f-same", "1:1", 0.9), done("m-strong", "0:0", 0.1));
        ZooIndex without = ZooIndex.of(zoo().cards().stream().filter(c -> !c.id().equals("f-same")).toList());
        List<Policy.Proposal> first = ridge.propose(new PolicyContext(BASE, without, h));
        // the same history list, the full zoo: f-same's evaluation now counts (fashion targets gain)
        List<Policy.Proposal> second = ridge.propose(new PolicyContext(BASE, zoo(), h));
        List<Policy.Proposal> fresh = policy("{ name = experience, model = ridge, exploration = 0, features = [target-dataset, layer-map] }")
                .propose(new PolicyContext(BASE, zoo(), h));
        assertEquals(fresh, second, "a law that saw another zoo with this history ranks like a fresh one");
        assertNotEquals(find(first, "f-deep", "1:1").score(), find(second, "f-deep", "1:1").score());
    }

    @Test
    void aMoveEvaluatedWithATargetSinceReplacedIsProposedAgain() {
        Policy p = policy("{ name = experience }");
        Evaluated now = done("f-same", "2:2", 0.5).withTargetWeights(F_SAME.weightsHash());
        Evaluated then = done("f-same", "2:2", 0.5).withTargetWeights("weights-before-retraining");
        Evaluated unknown = done("f-same", "2:2", 0.5);
        assertNull(find(p.propose(new PolicyContext(BASE, zoo(), List.of(now))), "f-same", "2:2"), "evaluated with these weights");
        assertNull(find(p.propose(new PolicyContext(BASE, zoo(), List.of(unknown))), "f-same", "2:2"), "weights not recorded: as before");
        assertNotNull(find(p.propose(new PolicyContext(BASE, zoo(), List.of(then))), "f-same", "2:2"), "the target has other weights now");
    }

    @Test
    void whatTheLawLearnedCanBeRead() {
        Experience ridge = new Experience("lambda-star", 0, 1, true, "ridge", 1.0, List.of("target", "layer-map"), 0);
        PolicyContext c = new PolicyContext(BASE, zoo(), List.of(done("f-same", "1:1", 0.8), done("f-same", "0:0", 0.6),
                done("m-strong", "0:0", 0.2)));
        Experience.Learned l = ridge.learned(c);
        assertEquals("ridge", l.model());
        assertEquals(3, l.counts().get("(intercept)"));
        assertEquals(2, l.counts().get("target:f-same"));
        assertEquals(2, l.counts().get("layer-map:0:0"));
        assertTrue(l.values().get("target:f-same") > 0 && l.values().get("target:m-strong") < 0, l.values().toString());
        assertTrue(ridge.learned(ctx()).values().isEmpty(), "nothing before any evaluation");
        Experience arm = new Experience("lambda-star", 0, 1, true);
        Experience.Learned a = arm.learned(c);
        assertEquals(0.7, a.values().get(Experience.arm(c.features(move("f-same", "1:1")))), 1e-12, "two one-layer same-shape moves");
    }
}
