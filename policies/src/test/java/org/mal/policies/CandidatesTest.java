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
}
