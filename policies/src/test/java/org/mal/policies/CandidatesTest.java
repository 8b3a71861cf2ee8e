package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mal.core.align.LayerMap;
import org.mal.core.config.Settings;

class CandidatesTest {

    private static List<String> maps(Candidates c, int dA, int dB) { return c.maps(dA, dB).stream().map(LayerMap::toString).toList(); }

    @Test
    void enumeratesIdentityDepthMatchedPrefixesSuffixesThenSinglesWithoutDuplicates() {
        assertEquals(List.of("0:0,1:1,2:2", "0:0,1:2,2:3", "0:0", "0:0,1:1", "2:3", "1:2,2:3",
                        "0:1", "0:2", "0:3", "1:0", "1:1", "1:2", "1:3", "2:0", "2:1", "2:2"),
                maps(Candidates.defaults(), 3, 4));
        assertEquals(12, maps(Candidates.defaults(), 3, 3).size());
    }

    @Test
    void isBoundedByMaxPerTargetAndSkipsTheBase() {
        Candidates c = Candidates.from(Settings.of(ConfigFactory.parseString("max-per-target = 3, single-layer = false"), "policy.candidates"));
        assertEquals(List.of("0:0,1:1,2:2", "0:0,1:2,2:3", "0:0"), maps(c, 3, 4));
        List<Move> moves = c.generate(ctx());
        assertEquals(6 * 3, moves.size()); // 6 models besides the base, 3 maps each
        assertTrue(moves.stream().noneMatch(m -> m.target().equals("base")));
    }

    @Test
    void depthCkaAddsOneMoveWhoseMapTheWorkerChoosesForTargetsOfAnotherDepth() {
        Candidates c = Candidates.from(Settings.of(ConfigFactory.parseString(
                "identity = false, depth-matched = false, prefixes = false, suffixes = false, single-layer = false, depth-cka = true"),
                "policy.candidates"));
        ZooIndex zoo = ZooIndex.of(java.util.List.of(Fixtures.BASE, Fixtures.F_DEEP, Fixtures.F_SAME));
        java.util.List<Move> moves = c.generate(new PolicyContext(Fixtures.BASE, zoo));
        assertEquals(1, moves.size(), "only the deeper target gets one; the same-depth one gets none");
        assertEquals("f-deep", moves.get(0).target());
        assertEquals("cka", moves.get(0).alignerSettings().get(Candidates.DEPTH));
        assertEquals(0, Candidates.defaults().generate(new PolicyContext(Fixtures.BASE, zoo)).stream()
                .filter(m -> m.alignerSettings().containsKey(Candidates.DEPTH)).count(), "off by default");
    }

    /** Issue 17: soups of K zoo models of one depth and task, each set once, off by default. */
    @Test
    void soupSizeAddsOneSoupPerSetOfSameDepthSameTaskModels() {
        String off = "identity = false, depth-matched = false, prefixes = false, suffixes = false, single-layer = false, ";
        Candidates two = Candidates.from(Settings.of(ConfigFactory.parseString(off + "soup-size = 2"), "policy.candidates"));
        // besides the base, the mnist models of depth 3 are m-strong, m-weak and weak-base; the fashion ones differ in depth
        assertEquals(List.of(List.of("m-strong", "m-weak"), List.of("m-weak", "weak-base"), List.of("m-strong", "weak-base")),
                two.generate(ctx()).stream().map(Move::targets).toList());
        assertEquals("0:0,1:1,2:2", two.generate(ctx()).get(0).layerMap());
        Candidates three = Candidates.from(Settings.of(ConfigFactory.parseString(off + "soup-size = 3"), "policy.candidates"));
        assertEquals(List.of(List.of("m-strong", "m-weak", "weak-base")), three.generate(ctx()).stream().map(Move::targets).toList(),
                "each set once");
        Candidates four = Candidates.from(Settings.of(ConfigFactory.parseString(off + "soup-size = 4"), "policy.candidates"));
        assertEquals(0, four.generate(ctx()).size());
        assertTrue(Candidates.defaults().generate(ctx()).stream().allMatch(m -> m.soup().isEmpty()), "off by default");
        var e = assertThrows(RuntimeException.class,
                () -> Candidates.from(Settings.of(ConfigFactory.parseString("soup-size = 1"), "policy.candidates")));
        assertTrue(e.getMessage().contains("policy.candidates.soup-size"), e.getMessage());
    }

    /** Another λ policy takes only its own settings, not the default policy's (fixed's value), and fixed keeps its default value. */
    @Test
    void aLambdaPolicyNamedInTheMoveBlockTakesOnlyItsOwnSettings() {
        Candidates best = Candidates.from(Settings.of(ConfigFactory.parseString("move { lambda-policy = best, lambda-settings { refine = 2 } }"),
                "policy.candidates"));
        assertEquals(java.util.Map.of("refine", 2L), best.move().lambdaSettings());
        Candidates fixed = Candidates.from(Settings.of(ConfigFactory.parseString("move { lambda-policy = fixed }"), "policy.candidates"));
        assertEquals(java.util.Map.of("value", 0.5), fixed.move().lambdaSettings());
    }
}
