package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.mal.core.config.Settings;
import org.mal.core.model.ModelCard;
import org.mal.policies.laws.DepthOrder;

/** Each built-in law against the same fixed zoo, with and without the law. */
class LawsTest {

    private static Set<String> targets(List<Policy.Proposal> ps) {
        return ps.stream().map(p -> p.move().target()).collect(Collectors.toSet());
    }

    @Test
    void withoutLawsEveryCandidateIsProposedInCanonicalOrder() {
        List<Policy.Proposal> ps = policy("").propose(ctx());
        assertEquals(Candidates.defaults().generate(ctx()).size(), ps.size());
        assertEquals("f-deep", ps.get(0).move().target());
        assertTrue(ps.stream().allMatch(p -> p.score() == 0));
    }

    @Test
    void strongBaseSkipsSameDatasetPairsWhereBothAreWeak() {
        PolicyContext weak = new PolicyContext(WEAK_BASE, zoo());
        assertTrue(targets(policy("").propose(weak)).contains("m-weak"));
        Set<String> after = targets(policy("{ name = strong-base, weak-below = 0.5 }").propose(weak));
        assertFalse(after.contains("m-weak"), "weak base + weak target on the same dataset is skipped");
        assertTrue(after.containsAll(Set.of("m-strong", "base", "f-deep", "f-narrow", "f-same")), "a strong partner, or another dataset, is kept");
        // the strong base keeps the weak target: one strong model is enough
        assertTrue(targets(policy("{ name = strong-base }").propose(ctx())).contains("m-weak"));
    }

    @Test
    void strongBaseRanksSameDatasetTargetsByValidationAccuracy() {
        List<Policy.Proposal> ps = policy("{ name = strong-base }").propose(ctx());
        List<String> order = ps.stream().map(p -> p.move().target()).distinct().toList();
        assertEquals(List.of("m-strong", "weak-base", "m-weak"), order.subList(0, 3)); // 0.97, 0.35, 0.30
        assertEquals(0.97, ps.get(0).score(), 1e-12);
        assertEquals(0.0, find(ps, "f-deep", "0:0").score());
    }

    @Test
    void strongBaseRanksShardModelsByTheirAccuracyOnTheZoosHeldOutRows() {
        // a non-IID shard model scores 0.99 on its own skewed validation rows but 0.40 on the zoo's
        // held-out rows; an IID one 0.90 and 0.89: the rows common to both decide
        ModelCard skewed = withHoldoutAccuracy(card("m-skewed", "mnist", 0.99, 64, 32), 0.40);
        ModelCard iid = withHoldoutAccuracy(card("m-iid", "mnist", 0.90, 64, 32), 0.89);
        PolicyContext c = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, skewed, iid)));
        List<String> order = policy("{ name = strong-base }").propose(c).stream().map(p -> p.move().target()).distinct().toList();
        assertEquals(List.of("m-iid", "m-skewed"), order);
        assertEquals(0.40, org.mal.policies.laws.StrongBase.accuracy(skewed), 1e-12);
        // without the held-out accuracy on its card, the validation accuracy counts
        assertEquals(0.99, org.mal.policies.laws.StrongBase.accuracy(card("m-skewed", "mnist", 0.99, 64, 32)), 1e-12);
    }

    @Test
    void strongBaseScoresASoupByItsStrongestTargetNotByItsFirstId() {
        ModelCard weakFirst = card("a-weak", "mnist", 0.30, 64, 32);
        PolicyContext c = new PolicyContext(BASE, ZooIndex.of(List.of(BASE, weakFirst, M_STRONG)));
        Move soup = move("a-weak", "0:0,1:1").withSoup(List.of("m-strong"));
        assertEquals(List.of("a-weak", "m-strong"), soup.targets());
        Law law = policy("{ name = strong-base }").laws().get(0).law();
        assertEquals(0.97, law.score(soup, c.features(soup), c), 1e-12);
        assertEquals(0.30, law.score(move("a-weak", "0:0,1:1"), c.features(move("a-weak", "0:0,1:1")), c), 1e-12);
    }

    private static ModelCard withHoldoutAccuracy(ModelCard c, double accuracy) {
        return new ModelCard(c.id(), c.architecture(), c.family(), c.dataset(), c.train(), c.validation(), c.test(), c.recipe(),
                c.provenance(), c.weightsHash(), null, null,
                new ModelCard.Holdout(18, 2000, "r", "c", "t", new org.mal.core.model.Metrics(1.0, accuracy, 2000)));
    }

    @Test
    void widthToleranceRanksCrossDatasetMovesByDepthNotWidth() {
        List<Policy.Proposal> ps = policy("{ name = width-tolerance }").propose(ctx());
        // depth-matched output layers: narrower (f-narrow 2:1), equal (f-same 2:2), wider (f-deep 2:3) score alike
        double narrower = find(ps, "f-narrow", "2:1").score();
        assertEquals(1.0, narrower, 1e-12);
        assertEquals(narrower, find(ps, "f-same", "2:2").score(), 1e-12);
        assertEquals(narrower, find(ps, "f-deep", "2:3").score(), 1e-12);
        // same widths but mismatched depth ranks lower than different widths at matched depth
        assertTrue(find(ps, "f-same", "1:0").score() < find(ps, "f-deep", "0:0").score());
        assertEquals(Set.of("f-deep", "f-narrow", "f-same"), targets(ps.subList(0, 10)));
        // same-dataset moves are not this law's business
        assertEquals(0.0, find(ps, "m-strong", "0:0").score());
    }

    @Test
    void widthToleranceCanDropSizeIncompatibleCrossDatasetMoves() {
        String tolerant = "{ name = width-tolerance }";
        String strict = "{ name = width-tolerance, incompatible-across-datasets = false }";
        // f-narrow's layer 0 is [16,784], the base's layer 1 is [32,64]: one dim smaller, one larger
        assertEquals(MoveFeatures.ShapeRelation.INCOMPATIBLE, find(policy(tolerant).propose(ctx()), "f-narrow", "1:0").features().layers().get(0).shape());
        assertNull(find(policy(strict).propose(ctx()), "f-narrow", "1:0"));
        assertNotNull(find(policy(strict).propose(ctx()), "f-narrow", "0:0"));
    }

    @Test
    void depthOrderDropsMapsBeyondTheRelativeDepthTolerance() {
        List<Policy.Proposal> before = policy("").propose(ctx());
        List<Policy.Proposal> after = policy("{ name = depth-order, tolerance = 0.25 }").propose(ctx());
        assertNotNull(find(before, "m-strong", "0:2"));
        assertNull(find(after, "m-strong", "0:2"), "deep -> shallow beyond tolerance");
        assertNull(find(after, "m-strong", "2:0"), "shallow -> deep beyond tolerance");
        assertNull(find(after, "f-deep", "0:0,1:1,2:2"), "identity over different depths: 2 <- 2 is 1 vs 2/3");
        assertNotNull(find(after, "f-deep", "0:0,1:2,2:3"), "depth-matched map (gap 1/6) kept");
        assertNotNull(find(after, "f-deep", "1:2"));
        assertTrue(after.stream().allMatch(p -> p.features().maxDepthGap() <= 0.25 + 1e-12));
        // order-preserving zero-gap maps come first
        Policy.Proposal top = after.get(0);
        assertEquals(0.0, top.features().maxDepthGap(), 1e-12);
        assertEquals(1.0, top.score(), 1e-12);
        assertTrue(find(after, "f-deep", "1:2").score() < top.score());
    }

    @Test
    void depthOrderRejectsMapsThatReverseTheShallowToDeepProgression() {
        DepthOrder strict = DepthOrder.from(Settings.of(ConfigFactory.parseString("tolerance = 1.0"), "t"));
        DepthOrder lax = DepthOrder.from(Settings.of(ConfigFactory.parseString("tolerance = 1.0, require-order = false"), "t"));
        Move reversed = move("m-strong", "0:1,1:0");
        MoveFeatures f = ctx().features(reversed);
        assertFalse(strict.admits(reversed, f, ctx()));
        assertTrue(lax.admits(reversed, f, ctx()));
        Move ordered = move("m-strong", "0:0,1:1");
        assertTrue(lax.score(ordered, ctx().features(ordered), ctx()) > lax.score(reversed, f, ctx()));
    }

    @Test
    void mergingThresholdSetsTheLambdaPolicyOfEveryMove() {
        assertTrue(policy("").propose(ctx()).stream().allMatch(p -> p.move().lambdaPolicy().equals("fixed")));
        List<Policy.Proposal> ps = policy("{ name = merging-threshold, refine = 3 }").propose(ctx());
        assertEquals(policy("").propose(ctx()).size(), ps.size(), "it neither filters");
        assertTrue(ps.stream().allMatch(p -> p.score() == 0), "nor orders");
        for (Policy.Proposal p : ps) {
            assertEquals("threshold", p.move().lambdaPolicy());
            assertEquals(Map.of("method", "refined-grid", "refine", 3L), p.move().lambdaSettings());
        }
        Move bisect = policy("{ name = merging-threshold, method = bisection, steps = 4 }").propose(ctx()).get(0).move();
        assertEquals(Map.of("method", "bisection", "steps", 4L), bisect.lambdaSettings());
    }

    /** Issue 15, bug 1: the law's tolerance and grid went into the move and its cache key, but λ* was measured with the search's. */
    @Test
    void theToleranceAndTheGridAreTheSearchsNotTheLaws() {
        for (String key : List.of("tolerance = 0.01", "grid = 5")) {
            var e = assertThrows(com.typesafe.config.ConfigException.class, () -> policy("{ name = merging-threshold, " + key + " }"));
            String name = key.substring(0, key.indexOf(' '));
            assertTrue(e.getMessage().contains("policy.laws[0]." + name) && e.getMessage().contains("search.evaluation." + name), e.getMessage());
        }
    }

    @Test
    void lawsComposeInOrderAndScoresAdd() {
        List<Policy.Proposal> ps = policy("{ name = strong-base }, { name = depth-order, weight = 2 }, { name = merging-threshold }").propose(ctx());
        Policy.Proposal top = ps.get(0);
        assertEquals("m-strong", top.move().target());
        assertEquals(0.97 + 2.0, top.score(), 1e-12);
        assertEquals(Map.of("strong-base", 0.97, "depth-order", 2.0, "merging-threshold", 0.0), top.scores());
        assertEquals("threshold", top.move().lambdaPolicy());
        for (int k = 1; k < ps.size(); k++) assertTrue(ps.get(k - 1).score() >= ps.get(k).score());
    }

    /** The same bug by another door: a threshold λ policy configured on the candidates' move. */
    @Test
    void aMovesThresholdSettingsAreCheckedWhenThePolicyLoads() {
        var e = assertThrows(com.typesafe.config.ConfigException.class, () -> Policy.parse(
                "policy { candidates.move { lambda-policy = threshold, lambda-settings { tolerance = 0.01 } } }"));
        assertTrue(e.getMessage().contains("policy.candidates.move.lambda-settings.tolerance") && e.getMessage().contains("search.evaluation"),
                e.getMessage());
        var typo = assertThrows(com.typesafe.config.ConfigException.class, () -> Policy.parse(
                "policy { candidates.move { aligner-settings { max-sweep = 3 } } }"));
        assertTrue(typo.getMessage().contains("policy.candidates.move.aligner-settings") && typo.getMessage().contains("max-sweep"),
                typo.getMessage());
        var fraction = assertThrows(com.typesafe.config.ConfigException.class, () -> Policy.parse(
                "policy { candidates.move { aligner-settings { max-sweeps = 3.5 } } }"));
        assertTrue(fraction.getMessage().contains("max-sweeps") && fraction.getMessage().contains("integer"), fraction.getMessage());
    }
}
